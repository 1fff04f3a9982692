"""HTTP routes of the tracking views: deadlines, overdue actions, per-cycle tracking and the
batch by registry project for the gateway (scope ``evaluation:read`` or ``reports:read``)."""

from __future__ import annotations

from fastapi import Query

from services.evaluation import evaluations, tracking
from services.evaluation.deps import TRACK, BackendsDep, LedgerDep, SettingsDep, TodayDep
from services.evaluation.schemas.recommendations import KeyActionRead
from services.evaluation.schemas.tracking import (
    CycleTrackingRead,
    DeadlinePage,
    EvaluationFundingRead,
    ProjectEvaluationsBatch,
)
from shared.deps import IdPath, SessionDep
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import field_problem, problem_responses
from shared.routing import api_router

MAX_BATCH_PROJECTS = 100

router = api_router(
    prefix="/api/v1/evaluation-tracking", tags=["evaluation tracking"], dependencies=[TRACK]
)


@router.get(
    "/deadlines",
    response_model=DeadlinePage,
    summary="Unmet deadlines in the next N days (cycle milestones, responses, key actions)",
)
def deadlines(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    within_days: int = Query(default=30, ge=0, le=366),
) -> DeadlinePage:
    return DeadlinePage(
        items=tracking.deadlines(
            db_session=session, today=today, within_days=within_days, settings=settings
        )
    )


@router.get(
    "/overdue-actions",
    response_model=Page[KeyActionRead],
    summary="Key actions open and past due, oldest due first",
)
def overdue_actions(
    session: SessionDep,
    today: TodayDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[KeyActionRead]:
    items, next_cursor = tracking.overdue_actions(
        db_session=session, today=today, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/cycles",
    response_model=Page[CycleTrackingRead],
    summary="Per cycle: acceptance and implementation rates, timeliness, paragraph-11 compliance",
)
def cycle_tracking(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    backends: BackendsDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[CycleTrackingRead]:
    items, next_cursor = tracking.cycle_tracking(
        db_session=session,
        today=today,
        settings=settings,
        backends=backends,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


def _project_ids(ids: str) -> list[int]:
    try:
        values = [int(part) for part in ids.split(",")]
    except ValueError:
        values = []
    if not values or any(v < 1 for v in values):
        raise field_problem(
            422,
            "ids",
            "give registry project ids as positive integers separated by commas",
            rule="project-id-list",
            location="query",
        )
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_BATCH_PROJECTS:
        raise field_problem(
            422,
            "ids",
            f"at most {MAX_BATCH_PROJECTS} project ids per call",
            rule="too-many-ids",
            location="query",
        )
    return unique


@router.get(
    "/projects",
    response_model=ProjectEvaluationsBatch,
    summary="For the gateway: per registry project, its evaluations, open recommendations "
    "and overdue key actions (one call for many projects)",
)
def projects_view(
    session: SessionDep,
    today: TodayDep,
    ids: str = Query(max_length=2000, description="Comma-separated project ids, e.g. 1,2,3."),
) -> ProjectEvaluationsBatch:
    items = tracking.projects_view(db_session=session, project_ids=_project_ids(ids), today=today)
    return ProjectEvaluationsBatch(items=items, as_of=today)


@router.get(
    "/evaluations/{evaluation_id}/funding",
    response_model=EvaluationFundingRead,
    responses=problem_responses(404, 502, 503, 504),
    summary="An evaluation's budget beside what the ledger allocated and spent for it, and "
    "whether its funding sources fund it on the day asked",
)
def evaluation_funding(
    evaluation_id: IdPath, session: SessionDep, ledger: LedgerDep, today: TodayDep
) -> EvaluationFundingRead:
    evaluation = evaluations.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    return tracking.evaluation_funding(evaluation=evaluation, ledger=ledger, today=today)
