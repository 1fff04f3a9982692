"""HTTP routes of the biennial cycles: generate them, list and read them (thin)."""

from __future__ import annotations

from fastapi import Request, Response

from services.evaluation import cycles
from services.evaluation.deps import READ, WRITE, ClockDep, SettingsDep, TodayDep
from services.evaluation.schemas.cycles import CycleRead, CycleSchedule, CycleScheduleRequest
from shared.deps import IdPath, SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import UnitOfWorkDep

router = api_router(prefix="/api/v1/evaluation-cycles", tags=["evaluation cycles"])


@router.post(
    "/schedule",
    status_code=201,
    response_model=CycleSchedule,
    dependencies=[WRITE],
    responses=problem_responses(),
    summary="Generate the biennial cycles from 2028 up to a year (existing ones are kept)",
)
def schedule_cycles(
    data: CycleScheduleRequest, uow: UnitOfWorkDep, settings: SettingsDep, today: ClockDep
) -> Response:
    def produce() -> CycleSchedule:
        items, created = cycles.schedule_cycles(
            db_session=uow.session, through_year=data.through_year, settings=settings
        )
        reads = cycles.cycle_reads(uow.session, items, today=today, settings=settings)
        return CycleSchedule(items=reads, created_years=created)

    return uow.create(data, produce)


@router.get(
    "",
    response_model=Page[CycleRead],
    dependencies=[READ],
    summary="List cycles by year, with contracting state (at risk / overdue) as of a day",
)
def list_cycles(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[CycleRead]:
    items, next_cursor = cycles.list_cycles(db_session=session, limit=limit, cursor=cursor)
    reads = cycles.cycle_reads(session, items, today=today, settings=settings)
    return Page(items=reads, next_cursor=next_cursor)


@router.get(
    "/{cycle_id}",
    response_model=CycleRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a cycle",
)
def get_cycle(
    cycle_id: IdPath, session: SessionDep, request: Request, settings: SettingsDep, today: TodayDep
) -> Response:
    cycle = cycles.get_cycle(db_session=session, cycle_id=cycle_id)
    [read] = cycles.cycle_reads(session, [cycle], today=today, settings=settings)
    return etag_response(request, read)
