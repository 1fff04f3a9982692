"""HTTP routes of agreements and contributions (thin: parse, call
:mod:`services.funding.agreements`, answer)."""

from __future__ import annotations

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from services.funding import agreements, corrections
from services.funding.deps import READ, WRITE, DatesDep, RegistryDep, actor_of
from services.funding.models import AgreementStatus, Contribution
from services.funding.schemas.agreements import (
    AgreementCreate,
    AgreementRead,
    ConditionMet,
    ContributionCreate,
    ContributionRead,
    StatusChange,
)
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import SessionDep, UnitOfWorkDep

agreements_router = api_router(prefix="/api/v1/agreements", tags=["agreements"])
contributions_router = api_router(prefix="/api/v1/contributions", tags=["contributions"])


def _agreement(a: object) -> AgreementRead:
    return AgreementRead.model_validate(a)


@agreements_router.post(
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
        lambda: _agreement(agreements.create_agreement(db_session=uow.session, data=data)),
        location=lambda a: f"/api/v1/agreements/{a.id}",
    )


@agreements_router.get(
    "", response_model=Page[AgreementRead], dependencies=[READ], summary="List agreements"
)
def list_agreements(
    session: SessionDep,
    contributor_id: int | None = Query(default=None),
    status: AgreementStatus | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[AgreementRead]:
    items, nxt = agreements.list_agreements(
        db_session=session, contributor_id=contributor_id, status=status, limit=limit, cursor=cursor
    )
    return Page(items=[_agreement(a) for a in items], next_cursor=nxt)


@agreements_router.get(
    "/{agreement_id}",
    response_model=AgreementRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an agreement",
)
def get_agreement(agreement_id: IdPath, session: SessionDep, request: Request) -> Response:
    agreement = agreements.get_agreement(db_session=session, agreement_id=agreement_id)
    return etag_response(request, _agreement(agreement))


@agreements_router.post(
    "/{agreement_id}/status",
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Move an agreement on: draft → signed (posts revenue) → active → closed",
)
def change_status(
    agreement_id: IdPath, data: StatusChange, uow: UnitOfWorkDep, dates: DatesDep
) -> Response:
    return uow.create(
        data,
        lambda: _agreement(
            agreements.change_status(
                db_session=uow.session,
                agreement_id=agreement_id,
                status=data.status,
                on=data.on,
                actor=actor_of(uow),
                dates=dates,
            )
        ),
        status_code=200,
    )


@agreements_router.post(
    "/{agreement_id}/conditions/{number}/met",
    response_model=AgreementRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Mark a condition met: its deferred revenue becomes revenue",
)
def meet_condition(
    agreement_id: IdPath, number: IdPath, data: ConditionMet, uow: UnitOfWorkDep, dates: DatesDep
) -> Response:
    return uow.create(
        data,
        lambda: _agreement(
            agreements.meet_condition(
                db_session=uow.session,
                agreement_id=agreement_id,
                number=number,
                met_on=data.met_on,
                actor=actor_of(uow),
                dates=dates,
            )
        ),
        status_code=200,
    )


# ------------------------------------------------------------------------ contributions


@contributions_router.post(
    "",
    status_code=201,
    response_model=ContributionRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Record cash received against an instalment, or an in-kind contribution",
)
def create_contribution(data: ContributionCreate, uow: UnitOfWorkDep, dates: DatesDep) -> Response:
    def produce() -> ContributionRead:
        row, difference = agreements.create_contribution(
            db_session=uow.session, data=data, actor=actor_of(uow), dates=dates
        )
        read = ContributionRead.model_validate(row)
        read.exchange_difference_usd = difference
        return read

    return uow.create(data, produce, location=lambda c: f"/api/v1/contributions/{c.id}")


@contributions_router.get(
    "", response_model=Page[ContributionRead], dependencies=[READ], summary="List contributions"
)
def list_contributions(
    session: SessionDep,
    contributor_id: int | None = Query(default=None),
    agreement_id: int | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ContributionRead]:
    items, nxt = agreements.list_contributions(
        db_session=session,
        contributor_id=contributor_id,
        agreement_id=agreement_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=_contribution_reads(session, items), next_cursor=nxt)


@contributions_router.get(
    "/{contribution_id}",
    response_model=ContributionRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a contribution",
)
def get_contribution(contribution_id: IdPath, session: SessionDep, request: Request) -> Response:
    row = agreements.get_contribution(db_session=session, contribution_id=contribution_id)
    return etag_response(request, _contribution_reads(session, [row])[0])


def _contribution_reads(session: Session, rows: list[Contribution]) -> list[ContributionRead]:
    differences = agreements.exchange_differences(db_session=session, contributions=rows)
    reads = []
    for row in rows:
        read = ContributionRead.model_validate(row)
        if row.transaction_id is not None:
            read.exchange_difference_usd = differences.get(
                row.transaction_id, read.exchange_difference_usd
            )
        reads.append(read)
    return corrections.with_reversals(db_session=session, reads=reads)


routers = (agreements_router, contributions_router)
