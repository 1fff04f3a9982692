"""HTTP routes of pledges (thin: parse, call :mod:`services.funding.pledges`, answer)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.funding import pledges
from services.funding.deps import READ, WRITE, ClockDep, RegistryDep
from services.funding.models import PledgeStatus
from services.funding.schemas.agreements import AgreementRead
from services.funding.schemas.pledges import PledgeConversion, PledgeCreate, PledgeRead
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import SessionDep, UnitOfWorkDep

router = api_router(prefix="/api/v1/pledges", tags=["pledges"])


@router.post(
    "",
    status_code=201,
    response_model=PledgeRead,
    dependencies=[WRITE],
    responses=problem_responses(503, 504),
    summary="Record an announced pledge (disclosed, not revenue)",
)
def create_pledge(data: PledgeCreate, uow: UnitOfWorkDep, registry: RegistryDep) -> Response:
    registry.ensure_project(data.earmarking.project_id, field="earmarking.project_id")
    return uow.create(
        data,
        lambda: PledgeRead.model_validate(pledges.create_pledge(db_session=uow.session, data=data)),
        location=lambda p: f"/api/v1/pledges/{p.id}",
    )


@router.get("", response_model=Page[PledgeRead], dependencies=[READ], summary="List pledges")
def list_pledges(
    session: SessionDep,
    status: PledgeStatus | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[PledgeRead]:
    items, nxt = pledges.list_pledges(db_session=session, status=status, limit=limit, cursor=cursor)
    return Page(items=[PledgeRead.model_validate(p) for p in items], next_cursor=nxt)


@router.get(
    "/{pledge_id}",
    response_model=PledgeRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a pledge",
)
def get_pledge(pledge_id: IdPath, session: SessionDep, request: Request) -> Response:
    pledge = pledges.get_pledge(db_session=session, pledge_id=pledge_id)
    return etag_response(request, PledgeRead.model_validate(pledge))


@router.post(
    "/{pledge_id}/lapse",
    response_model=PledgeRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Mark an announced pledge lapsed",
)
def lapse_pledge(pledge_id: IdPath, uow: UnitOfWorkDep, today: ClockDep) -> Response:
    return uow.create(
        None,
        lambda: PledgeRead.model_validate(
            pledges.lapse_pledge(db_session=uow.session, pledge_id=pledge_id, on=today)
        ),
        status_code=200,
    )


@router.post(
    "/{pledge_id}/conversion",
    status_code=201,
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Convert an announced pledge into a (draft) agreement",
)
def convert_pledge(
    pledge_id: IdPath, data: PledgeConversion, uow: UnitOfWorkDep, today: ClockDep
) -> Response:
    return uow.create(
        data,
        lambda: AgreementRead.model_validate(
            pledges.convert_pledge(db_session=uow.session, pledge_id=pledge_id, data=data, on=today)
        ),
        location=lambda a: f"/api/v1/agreements/{a.id}",
    )


routers = (router,)
