"""Routes of the comprehensive action plan: draft, change, adopt, read versions."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.projects import action_plans
from services.projects.deps import READ, WRITE
from services.projects.models import ActionPlanStatus
from services.projects.schemas.action_plans import (
    ActionPlanAdopt,
    ActionPlanCreate,
    ActionPlanRead,
    ActionPlanUpdate,
)
from shared.deps import IdPath, SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/action-plans", tags=["action plans"])


@router.post(
    "",
    status_code=201,
    response_model=ActionPlanRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Draft a new version of the comprehensive action plan",
)
def create_action_plan(data: ActionPlanCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: action_plans.action_plan_read(
            action_plans.create_action_plan(db_session=uow.session, data=data)
        ),
        location=lambda p: f"/api/v1/action-plans/{p.id}",
    )


@router.get(
    "",
    response_model=Page[ActionPlanRead],
    dependencies=[READ],
    responses=problem_responses(),
    summary="Versions, newest first",
)
def list_action_plans(
    session: SessionDep,
    status: ActionPlanStatus | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ActionPlanRead]:
    items, next_cursor = action_plans.list_action_plans(
        db_session=session, status=status, limit=limit, cursor=cursor
    )
    return Page(items=[action_plans.action_plan_read(p) for p in items], next_cursor=next_cursor)


@router.get(
    "/{action_plan_id}",
    response_model=ActionPlanRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a version",
)
def get_action_plan(action_plan_id: IdPath, session: SessionDep, request: Request) -> Response:
    plan = action_plans.get_action_plan(db_session=session, action_plan_id=action_plan_id)
    return etag_response(request, action_plans.action_plan_read(plan))


@router.patch(
    "/{action_plan_id}",
    response_model=ActionPlanRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a draft version (If-Match required)",
)
def update_action_plan(
    action_plan_id: IdPath,
    data: ActionPlanUpdate,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    plan = action_plans.get_action_plan(
        db_session=uow.session, action_plan_id=action_plan_id, for_update=True
    )
    return uow.update(
        plan,
        action_plans.action_plan_read,
        lambda: action_plans.update_action_plan(db_session=uow.session, plan=plan, data=data),
        if_match,
    )


@router.post(
    "/{action_plan_id}/adopt",
    response_model=ActionPlanRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Adopt a draft; the adopted version is superseded atomically",
)
def adopt_action_plan(
    action_plan_id: IdPath,
    data: ActionPlanAdopt,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    plan = action_plans.get_action_plan(
        db_session=uow.session, action_plan_id=action_plan_id, for_update=True
    )
    return uow.update(
        plan,
        action_plans.action_plan_read,
        lambda: action_plans.adopt_action_plan(db_session=uow.session, plan=plan, data=data),
        if_match,
    )
