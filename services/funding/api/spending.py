"""HTTP routes of spending: allocations and expenditures (thin: parse, call
:mod:`services.funding.spending`, answer)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.funding import corrections, spending
from services.funding.deps import READ, WRITE, DatesDep, RegistryDep, actor_of
from services.funding.models import ExpenditureCategory
from services.funding.schemas.spending import (
    AllocationCreate,
    AllocationRead,
    ExpenditureCreate,
    ExpenditureRead,
)
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import SessionDep, UnitOfWorkDep

allocations_router = api_router(prefix="/api/v1/allocations", tags=["allocations"])
expenditures_router = api_router(prefix="/api/v1/expenditures", tags=["expenditures"])


@allocations_router.post(
    "",
    status_code=201,
    response_model=AllocationRead,
    dependencies=[WRITE],
    responses=problem_responses(409, 503, 504),
    summary="Allocate a fund's received cash to a registry project",
)
def create_allocation(
    data: AllocationCreate, uow: UnitOfWorkDep, registry: RegistryDep, dates: DatesDep
) -> Response:
    registry.ensure_project(data.project_id, field="project_id")
    return uow.create(
        data,
        lambda: AllocationRead.model_validate(
            spending.create_allocation(
                db_session=uow.session, data=data, actor=actor_of(uow), dates=dates
            )
        ),
        location=lambda a: f"/api/v1/allocations/{a.id}",
    )


@allocations_router.get(
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
        items=corrections.with_reversals(
            db_session=session, reads=[AllocationRead.model_validate(a) for a in items]
        ),
        next_cursor=nxt,
    )


@allocations_router.get(
    "/{allocation_id}",
    response_model=AllocationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an allocation",
)
def get_allocation(allocation_id: IdPath, session: SessionDep, request: Request) -> Response:
    row = spending.get_allocation(db_session=session, allocation_id=allocation_id)
    return etag_response(
        request,
        corrections.with_reversals(db_session=session, reads=[AllocationRead.model_validate(row)])[
            0
        ],
    )


@expenditures_router.post(
    "",
    status_code=201,
    response_model=ExpenditureRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Record an expenditure (409 insufficient-funds beyond what was received/allocated)",
)
def create_expenditure(data: ExpenditureCreate, uow: UnitOfWorkDep, dates: DatesDep) -> Response:
    return uow.create(
        data,
        lambda: ExpenditureRead.model_validate(
            spending.create_expenditure(
                db_session=uow.session, data=data, actor=actor_of(uow), dates=dates
            )
        ),
        location=lambda e: f"/api/v1/expenditures/{e.id}",
    )


@expenditures_router.get(
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
        items=corrections.with_reversals(
            db_session=session, reads=[ExpenditureRead.model_validate(e) for e in items]
        ),
        next_cursor=nxt,
    )


@expenditures_router.get(
    "/{expenditure_id}",
    response_model=ExpenditureRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an expenditure",
)
def get_expenditure(expenditure_id: IdPath, session: SessionDep, request: Request) -> Response:
    row = spending.get_expenditure(db_session=session, expenditure_id=expenditure_id)
    return etag_response(
        request,
        corrections.with_reversals(db_session=session, reads=[ExpenditureRead.model_validate(row)])[
            0
        ],
    )


routers = (allocations_router, expenditures_router)
