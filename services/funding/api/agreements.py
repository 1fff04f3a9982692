"""HTTP routes of pledges, agreements, contributions, allocations and expenditures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal, TypeVar

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from services.funding import agreements as svc
from services.funding import corrections, journal, spending
from services.funding import reports as reports_service
from services.funding.deps import READ, WRITE, actor_of
from services.funding.models import AgreementStatus, Contribution, ExpenditureCategory, PledgeStatus
from services.funding.registry import RegistryDep
from services.funding.schemas.agreements import (
    AgreementCreate,
    AgreementRead,
    AllocationCreate,
    AllocationRead,
    ConditionMet,
    ContributionCreate,
    ContributionRead,
    ExpenditureCreate,
    ExpenditureRead,
    PledgeConversion,
    PledgeCreate,
    PledgeRead,
    ReversalRead,
    StatusChange,
)
from services.funding.schemas.ledger import ReversalCreate, TransactionRead
from shared.auth import require_scope
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import SessionDep, UnitOfWorkDep

pledges = api_router(prefix="/api/v1/pledges", tags=["pledges"])
agreements = api_router(prefix="/api/v1/agreements", tags=["agreements"])
contributions = api_router(prefix="/api/v1/contributions", tags=["contributions"])
allocations = api_router(prefix="/api/v1/allocations", tags=["allocations"])
expenditures = api_router(prefix="/api/v1/expenditures", tags=["expenditures"])


def _agreement(a: object) -> AgreementRead:
    return AgreementRead.model_validate(a)


# ------------------------------------------------------------------------------ pledges


@pledges.post(
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
        lambda: PledgeRead.model_validate(svc.create_pledge(db_session=uow.session, data=data)),
        location=lambda p: f"/api/v1/pledges/{p.id}",
    )


@pledges.get("", response_model=Page[PledgeRead], dependencies=[READ], summary="List pledges")
def list_pledges(
    session: SessionDep,
    status: PledgeStatus | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[PledgeRead]:
    items, nxt = svc.list_pledges(db_session=session, status=status, limit=limit, cursor=cursor)
    return Page(items=[PledgeRead.model_validate(p) for p in items], next_cursor=nxt)


@pledges.get(
    "/{pledge_id}",
    response_model=PledgeRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a pledge",
)
def get_pledge(pledge_id: IdPath, session: SessionDep, request: Request) -> Response:
    pledge = svc.get_pledge(db_session=session, pledge_id=pledge_id)
    return etag_response(request, PledgeRead.model_validate(pledge))


@pledges.post(
    "/{pledge_id}/lapse",
    response_model=PledgeRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Mark an announced pledge lapsed",
)
def lapse_pledge(pledge_id: IdPath, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        None,
        lambda: PledgeRead.model_validate(
            svc.lapse_pledge(db_session=uow.session, pledge_id=pledge_id)
        ),
        status_code=200,
    )


@pledges.post(
    "/{pledge_id}/conversion",
    status_code=201,
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Convert an announced pledge into a (draft) agreement",
)
def convert_pledge(pledge_id: IdPath, data: PledgeConversion, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: _agreement(
            svc.convert_pledge(db_session=uow.session, pledge_id=pledge_id, data=data)
        ),
        location=lambda a: f"/api/v1/agreements/{a.id}",
    )


# --------------------------------------------------------------------------- agreements


@agreements.post(
    "",
    status_code=201,
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(409, 503, 504),
    summary="Record a contribution agreement (draft)",
)
def create_agreement(data: AgreementCreate, uow: UnitOfWorkDep, registry: RegistryDep) -> Response:
    registry.ensure_project(data.earmarking.project_id, field="earmarking.project_id")
    return uow.create(
        data,
        lambda: _agreement(svc.create_agreement(db_session=uow.session, data=data)),
        location=lambda a: f"/api/v1/agreements/{a.id}",
    )


@agreements.get(
    "", response_model=Page[AgreementRead], dependencies=[READ], summary="List agreements"
)
def list_agreements(
    session: SessionDep,
    contributor_id: int | None = Query(default=None),
    status: AgreementStatus | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[AgreementRead]:
    items, nxt = svc.list_agreements(
        db_session=session, contributor_id=contributor_id, status=status, limit=limit, cursor=cursor
    )
    return Page(items=[_agreement(a) for a in items], next_cursor=nxt)


@agreements.get(
    "/{agreement_id}",
    response_model=AgreementRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an agreement",
)
def get_agreement(agreement_id: IdPath, session: SessionDep, request: Request) -> Response:
    agreement = svc.get_agreement(db_session=session, agreement_id=agreement_id)
    return etag_response(request, _agreement(agreement))


@agreements.post(
    "/{agreement_id}/status",
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Move an agreement on: draft → signed (posts revenue) → active → closed",
)
def change_status(agreement_id: IdPath, data: StatusChange, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: _agreement(
            svc.change_status(
                db_session=uow.session,
                agreement_id=agreement_id,
                status=data.status,
                on=data.on,
                actor=actor_of(uow),
            )
        ),
        status_code=200,
    )


@agreements.post(
    "/{agreement_id}/conditions/{number}/met",
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Mark a condition met: its deferred revenue becomes revenue",
)
def meet_condition(
    agreement_id: IdPath, number: IdPath, data: ConditionMet, uow: UnitOfWorkDep
) -> Response:
    return uow.create(
        data,
        lambda: _agreement(
            svc.meet_condition(
                db_session=uow.session,
                agreement_id=agreement_id,
                number=number,
                met_on=data.met_on,
                actor=actor_of(uow),
            )
        ),
        status_code=200,
    )


# ------------------------------------------------------------------------ contributions


@contributions.post(
    "",
    status_code=201,
    response_model=ContributionRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Record cash received against an instalment, or an in-kind contribution",
)
def create_contribution(data: ContributionCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> ContributionRead:
        row, difference = svc.create_contribution(
            db_session=uow.session, data=data, actor=actor_of(uow)
        )
        read = ContributionRead.model_validate(row)
        read.exchange_difference_usd = difference
        return read

    return uow.create(data, produce, location=lambda c: f"/api/v1/contributions/{c.id}")


@contributions.get(
    "", response_model=Page[ContributionRead], dependencies=[READ], summary="List contributions"
)
def list_contributions(
    session: SessionDep,
    contributor_id: int | None = Query(default=None),
    agreement_id: int | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ContributionRead]:
    items, nxt = svc.list_contributions(
        db_session=session,
        contributor_id=contributor_id,
        agreement_id=agreement_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=_contribution_reads(session, items), next_cursor=nxt)


@contributions.get(
    "/{contribution_id}",
    response_model=ContributionRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a contribution",
)
def get_contribution(contribution_id: IdPath, session: SessionDep, request: Request) -> Response:
    row = svc.get_contribution(db_session=session, contribution_id=contribution_id)
    return etag_response(request, _contribution_reads(session, [row])[0])


def _contribution_reads(session: Session, rows: list[Contribution]) -> list[ContributionRead]:
    differences = svc.exchange_differences(db_session=session, contributions=rows)
    reads = []
    for row in rows:
        read = ContributionRead.model_validate(row)
        if row.transaction_id is not None:
            read.exchange_difference_usd = differences.get(
                row.transaction_id, read.exchange_difference_usd
            )
        reads.append(read)
    return with_reversals(session, reads)


Corrected = TypeVar("Corrected", ContributionRead, AllocationRead, ExpenditureRead)


def with_reversals(session: Session, reads: list[Corrected]) -> list[Corrected]:
    """Fill each read's ``reversal`` from the journal, in one query for the page."""
    found = journal.reversed_by(
        db_session=session,
        transaction_ids=[r.transaction_id for r in reads if r.transaction_id is not None],
    )
    for read in reads:
        info = found.get(read.transaction_id) if read.transaction_id is not None else None
        if info is not None:
            read.reversal = ReversalRead(
                transaction_id=info.id, value_date=info.value_date, reason=info.reason
            )
    return reads


def _reversal_route(
    router: APIRouter, what: str, undo: Callable[..., journal.PostedTransaction], id_name: str
) -> None:
    @router.post(
        "/{record_id}/reversal",
        status_code=201,
        response_model=TransactionRead,
        dependencies=[WRITE],
        responses=problem_responses(404, 409),
        summary=f"Correct {what} by reversing its journal transaction (with a reason)",
        name=f"reverse_{id_name}",
    )
    def reverse(record_id: IdPath, data: ReversalCreate, uow: UnitOfWorkDep) -> Response:
        return uow.create(
            data,
            lambda: TransactionRead.model_validate(
                undo(
                    db_session=uow.session,
                    reason=data.reason,
                    value_date=data.value_date,
                    actor=actor_of(uow),
                    **{f"{id_name}_id": record_id},
                )
            ),
            location=lambda t: f"/api/v1/ledger/transactions/{t.id}",
        )


# ---------------------------------------------------------------------------- spending


@allocations.post(
    "",
    status_code=201,
    response_model=AllocationRead,
    dependencies=[WRITE],
    responses=problem_responses(409, 503, 504),
    summary="Allocate a fund's received cash to a registry project",
)
def create_allocation(
    data: AllocationCreate, uow: UnitOfWorkDep, registry: RegistryDep
) -> Response:
    registry.ensure_project(data.project_id, field="project_id")
    return uow.create(
        data,
        lambda: AllocationRead.model_validate(
            spending.create_allocation(db_session=uow.session, data=data, actor=actor_of(uow))
        ),
        location=lambda a: f"/api/v1/allocations/{a.id}",
    )


@allocations.get(
    "", response_model=Page[AllocationRead], dependencies=[READ], summary="List allocations"
)
def list_allocations(
    session: SessionDep,
    fund_id: int | None = Query(default=None),
    project_id: int | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[AllocationRead]:
    items, nxt = spending.list_allocations(
        db_session=session, fund_id=fund_id, project_id=project_id, limit=limit, cursor=cursor
    )
    return Page(
        items=with_reversals(session, [AllocationRead.model_validate(a) for a in items]),
        next_cursor=nxt,
    )


@allocations.get(
    "/{allocation_id}",
    response_model=AllocationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an allocation",
)
def get_allocation(allocation_id: IdPath, session: SessionDep, request: Request) -> Response:
    row = spending.get_allocation(db_session=session, allocation_id=allocation_id)
    return etag_response(request, with_reversals(session, [AllocationRead.model_validate(row)])[0])


@expenditures.post(
    "",
    status_code=201,
    response_model=ExpenditureRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Record an expenditure (409 insufficient-funds beyond what was received/allocated)",
)
def create_expenditure(data: ExpenditureCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: ExpenditureRead.model_validate(
            spending.create_expenditure(db_session=uow.session, data=data, actor=actor_of(uow))
        ),
        location=lambda e: f"/api/v1/expenditures/{e.id}",
    )


@expenditures.get(
    "", response_model=Page[ExpenditureRead], dependencies=[READ], summary="List expenditures"
)
def list_expenditures(
    session: SessionDep,
    fund_id: int | None = Query(default=None),
    project_id: int | None = Query(default=None),
    category: ExpenditureCategory | None = Query(default=None),
    is_evaluation_cost: bool | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ExpenditureRead]:
    items, nxt = spending.list_expenditures(
        db_session=session,
        fund_id=fund_id,
        project_id=project_id,
        category=category,
        is_evaluation_cost=is_evaluation_cost,
        limit=limit,
        cursor=cursor,
    )
    return Page(
        items=with_reversals(session, [ExpenditureRead.model_validate(e) for e in items]),
        next_cursor=nxt,
    )


@expenditures.get(
    "/{expenditure_id}",
    response_model=ExpenditureRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an expenditure",
)
def get_expenditure(expenditure_id: IdPath, session: SessionDep, request: Request) -> Response:
    row = spending.get_expenditure(db_session=session, expenditure_id=expenditure_id)
    return etag_response(request, with_reversals(session, [ExpenditureRead.model_validate(row)])[0])


_reversal_route(contributions, "a contribution", corrections.reverse_contribution, "contribution")
_reversal_route(allocations, "an allocation", corrections.reverse_allocation, "allocation")
_reversal_route(expenditures, "an expenditure", corrections.reverse_expenditure, "expenditure")


# ------------------------------------------------------------------------------- reports

reports = api_router(prefix="/api/v1/reports", tags=["reports"])
REPORTS = require_scope("funding:read", "reports:read")


@reports.get(
    "/pledges-outstanding",
    dependencies=[REPORTS],
    summary="Announced pledges not yet converted or lapsed, aged 0-90/91-180/181-365/>365 days, "
    "with US-dollar equivalents at the rate of the report date",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def pledges_outstanding(
    session: SessionDep,
    as_of: dt.date | None = Query(default=None),
    format: Literal["json", "csv"] = Query(default="json"),
) -> Response:
    day = as_of or dt.date.today()
    report = reports_service.pledges_outstanding(db_session=session, as_of=day)
    if format == "csv":
        return Response(
            reports_service.pledges_outstanding_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="pledges-outstanding-{day}.csv"'
            },
        )
    return JSONResponse(report)


routers = (pledges, agreements, contributions, allocations, expenditures, reports)
