"""HTTP routes of UN operational rates (thin: parse, call :mod:`services.funding.rates`, answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from services.funding import rates
from services.funding.deps import READ, WRITE
from services.funding.schemas.rates import RateCreate, RateRead, RatesCsv, RatesLoaded
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import field_problem, problem_responses
from shared.routing import api_router
from shared.types import QueryDate
from shared.uow import SessionDep, UnitOfWorkDep

router = api_router(prefix="/api/v1/rates", tags=["rates"])


async def rates_csv_body(request: Request) -> RatesCsv:
    try:
        return RatesCsv(text=(await request.body()).decode("utf-8"))
    except UnicodeDecodeError:
        raise field_problem(422, "body", "the CSV must be UTF-8", rule="rates-csv") from None


CSV_BODY = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post(
    "",
    status_code=201,
    response_model=RateRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Publish a UN operational rate (append-only; a revision supersedes from its date)",
)
def create_rate(data: RateCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: RateRead.model_validate(
            rates.create_rate(
                db_session=uow.session,
                currency=data.currency,
                effective_date=data.effective_date,
                rate=data.rate,
            )
        ),
        location=lambda r: f"/api/v1/rates?currency={r.currency}",
    )


@router.post(
    "/csv",
    status_code=201,
    response_model=RatesLoaded,
    dependencies=[WRITE],
    responses=problem_responses(409),
    openapi_extra=CSV_BODY,
    summary="Bulk-load rates from CSV (currency,effective_date,rate): all lines or none",
)
def load_rates_csv(
    body: Annotated[RatesCsv, Depends(rates_csv_body)], uow: UnitOfWorkDep
) -> Response:
    def produce() -> RatesLoaded:
        rows = rates.load_csv(db_session=uow.session, text=body.text)
        return RatesLoaded(loaded=len(rows), items=[RateRead.model_validate(r) for r in rows])

    return uow.create(body, produce)


@router.get("", response_model=Page[RateRead], dependencies=[READ], summary="List rates")
def list_rates(
    session: SessionDep,
    currency: str | None = Query(default=None, pattern=r"^[A-Z]{3}$"),
    month: str | None = Query(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[RateRead]:
    items, next_cursor = rates.list_rates(
        db_session=session, currency=currency, month=month, limit=limit, cursor=cursor
    )
    return Page(items=[RateRead.model_validate(r) for r in items], next_cursor=next_cursor)


@router.get(
    "/effective",
    response_model=RateRead,
    dependencies=[READ],
    responses=problem_responses(),
    summary="The rate in force for a currency on a date (422 naming currency and month if none)",
)
def effective_rate(
    session: SessionDep,
    currency: str = Query(pattern=r"^[A-Z]{3}$"),
    on: QueryDate = Query(),
) -> RateRead:
    row = rates.effective_rate(db_session=session, currency=currency, on=on)
    return RateRead.model_validate(row)


routers = (router,)
