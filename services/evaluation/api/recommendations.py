"""HTTP routes of recommendations, their management response and key actions (thin)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.evaluation import recommendations
from services.evaluation.deps import READ, WRITE, ClockDep, SettingsDep, TodayDep
from services.evaluation.models import KeyActionStatus
from services.evaluation.schemas.recommendations import (
    KeyActionCreate,
    KeyActionRead,
    KeyActionUpdate,
    ManagementResponseCreate,
    RecommendationCreate,
    RecommendationRead,
    RecommendationUpdate,
)
from shared.deps import IdPath, SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/recommendations", tags=["recommendations"])


@router.post(
    "",
    status_code=201,
    response_model=RecommendationRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Record a recommendation of an evaluation report",
)
def create_recommendation(
    data: RecommendationCreate, uow: UnitOfWorkDep, settings: SettingsDep, today: ClockDep
) -> Response:
    return uow.create(
        data,
        lambda: recommendations.recommendation_read(
            recommendations.create_recommendation(db_session=uow.session, data=data, today=today),
            today=today,
            settings=settings,
        ),
        location=lambda r: f"/api/v1/recommendations/{r.id}",
    )


@router.get(
    "",
    response_model=Page[RecommendationRead],
    dependencies=[READ],
    summary="List recommendations",
)
def list_recommendations(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    evaluation_id: int | None = Query(default=None),
    cycle_id: int | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[RecommendationRead]:
    items, next_cursor = recommendations.list_recommendations(
        db_session=session,
        evaluation_id=evaluation_id,
        cycle_id=cycle_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[
            recommendations.recommendation_read(r, today=today, settings=settings) for r in items
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/{recommendation_id}",
    response_model=RecommendationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a recommendation with its management response and key actions",
)
def get_recommendation(
    recommendation_id: IdPath,
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    today: TodayDep,
) -> Response:
    recommendation = recommendations.get_recommendation(
        db_session=session, recommendation_id=recommendation_id
    )
    return etag_response(
        request, recommendations.recommendation_read(recommendation, today=today, settings=settings)
    )


@router.patch(
    "/{recommendation_id}",
    response_model=RecommendationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a recommendation (If-Match required)",
)
def update_recommendation(
    recommendation_id: IdPath,
    data: RecommendationUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    today: ClockDep,
    if_match: IfMatchHeader = None,
) -> Response:
    recommendation = recommendations.get_recommendation(
        db_session=uow.session, recommendation_id=recommendation_id, for_update=True
    )
    return uow.update(
        recommendation,
        lambda r: recommendations.recommendation_read(r, today=today, settings=settings),
        lambda: recommendations.update_recommendation(
            db_session=uow.session, recommendation=recommendation, data=data
        ),
        if_match,
    )


@router.post(
    "/{recommendation_id}/management-response",
    status_code=201,
    response_model=RecommendationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Give the one management response to a recommendation",
)
def respond(
    recommendation_id: IdPath,
    data: ManagementResponseCreate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    today: ClockDep,
) -> Response:
    def produce() -> RecommendationRead:
        recommendation = recommendations.get_recommendation(
            db_session=uow.session, recommendation_id=recommendation_id, for_update=True
        )
        recommendations.respond(
            db_session=uow.session, recommendation=recommendation, data=data, today=today
        )
        return recommendations.recommendation_read(recommendation, today=today, settings=settings)

    return uow.create(data, produce, location=lambda r: f"/api/v1/recommendations/{r.id}")


key_actions_router = api_router(prefix="/api/v1/key-actions", tags=["key actions"])


@key_actions_router.post(
    "",
    status_code=201,
    response_model=KeyActionRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Record a key action following an accepted recommendation",
)
def create_key_action(data: KeyActionCreate, uow: UnitOfWorkDep, today: ClockDep) -> Response:
    return uow.create(
        data,
        lambda: recommendations.key_action_read(
            recommendations.create_key_action(db_session=uow.session, data=data), today
        ),
        location=lambda a: f"/api/v1/key-actions/{a.id}",
    )


@key_actions_router.get(
    "",
    response_model=Page[KeyActionRead],
    dependencies=[READ],
    summary="List key actions (overdue=true: open and past due on the given day)",
)
def list_key_actions(
    session: SessionDep,
    today: TodayDep,
    recommendation_id: int | None = Query(default=None),
    status: KeyActionStatus | None = Query(default=None),
    overdue: bool = Query(default=False),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[KeyActionRead]:
    items, next_cursor = recommendations.list_key_actions(
        db_session=session,
        recommendation_id=recommendation_id,
        status=status,
        overdue_on=today if overdue else None,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=[recommendations.key_action_read(a, today) for a in items], next_cursor=next_cursor
    )


@key_actions_router.get(
    "/{key_action_id}",
    response_model=KeyActionRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a key action",
)
def get_key_action(
    key_action_id: IdPath, session: SessionDep, request: Request, today: TodayDep
) -> Response:
    action = recommendations.get_key_action(db_session=session, key_action_id=key_action_id)
    return etag_response(request, recommendations.key_action_read(action, today))


@key_actions_router.patch(
    "/{key_action_id}",
    response_model=KeyActionRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a key action or move its status (If-Match required)",
)
def update_key_action(
    key_action_id: IdPath,
    data: KeyActionUpdate,
    uow: UnitOfWorkDep,
    today: ClockDep,
    if_match: IfMatchHeader = None,
) -> Response:
    action = recommendations.get_key_action(
        db_session=uow.session, key_action_id=key_action_id, for_update=True
    )
    return uow.update(
        action,
        lambda a: recommendations.key_action_read(a, today),
        lambda: recommendations.update_key_action(
            db_session=uow.session, action=action, data=data, today=today
        ),
        if_match,
    )
