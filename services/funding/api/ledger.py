"""HTTP routes of the voluntary-funding ledger (thin: parse, call service, answer)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from services.funding import contributors as service
from services.funding import journal, statements
from services.funding import ledger as ledger_service
from services.funding import rates as rates_service
from services.funding.deps import READ, WRITE, actor_of
from services.funding.models import ContributorType, ExchangeRate, TransactionKind
from services.funding.registry import RegistryDep
from services.funding.schemas.ledger import (
    AccountCreate,
    AccountRead,
    BalanceRead,
    ChainVerificationRead,
    ChartEntry,
    ContributorCreate,
    ContributorRead,
    ContributorUpdate,
    Earmarking,
    FundCreate,
    FundRead,
    RateCreate,
    RateRead,
    RatesCsv,
    RatesLoaded,
    ReversalCreate,
    TransactionBatch,
    TransactionBatchRead,
    TransactionCreate,
    TransactionRead,
)
from shared.auth import require_scope
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import field_problem, problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, SessionDep, UnitOfWorkDep

contributors = api_router(prefix="/api/v1/contributors", tags=["contributors"])


@contributors.post(
    "",
    status_code=201,
    response_model=ContributorRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Register a contributor",
)
def create_contributor(data: ContributorCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: ContributorRead.model_validate(
            service.create_contributor(db_session=uow.session, data=data)
        ),
        location=lambda c: f"/api/v1/contributors/{c.id}",
    )


@contributors.get(
    "",
    response_model=Page[ContributorRead],
    dependencies=[READ],
    summary="List contributors",
)
def list_contributors(
    session: SessionDep,
    type: ContributorType | None = Query(default=None),
    country: str | None = Query(default=None, pattern=r"^[A-Z]{2}$"),
    q: str | None = Query(default=None, max_length=200, description="Text in the name."),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ContributorRead]:
    items, next_cursor = service.list_contributors(
        db_session=session, type_=type, country=country, q=q, limit=limit, cursor=cursor
    )
    return Page(items=[ContributorRead.model_validate(c) for c in items], next_cursor=next_cursor)


@contributors.get(
    "/{contributor_id}",
    response_model=ContributorRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a contributor",
)
def get_contributor(contributor_id: IdPath, session: SessionDep, request: Request) -> Response:
    contributor = service.get_contributor(db_session=session, contributor_id=contributor_id)
    return etag_response(request, ContributorRead.model_validate(contributor))


@contributors.patch(
    "/{contributor_id}",
    response_model=ContributorRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a contributor (If-Match required)",
)
def update_contributor(
    contributor_id: IdPath,
    data: ContributorUpdate,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    contributor = service.get_contributor(
        db_session=uow.session, contributor_id=contributor_id, for_update=True
    )
    return uow.update(
        contributor,
        ContributorRead.model_validate,
        lambda: service.update_contributor(
            db_session=uow.session, contributor=contributor, data=data
        ),
        if_match,
    )


# ---------------------------------------------------------------------------------- rates

rates = api_router(prefix="/api/v1/rates", tags=["rates"])


async def rates_csv_body(request: Request) -> RatesCsv:
    try:
        return RatesCsv(text=(await request.body()).decode("utf-8"))
    except UnicodeDecodeError:
        raise field_problem(422, "body", "the CSV must be UTF-8", rule="rates-csv") from None


CSV_BODY = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}}


@rates.post(
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
            rates_service.create_rate(
                db_session=uow.session,
                currency=data.currency,
                effective_date=data.effective_date,
                rate=data.rate,
            )
        ),
        location=lambda r: f"/api/v1/rates?currency={r.currency}",
    )


@rates.post(
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
        rows = rates_service.load_csv(db_session=uow.session, text=body.text)
        return RatesLoaded(loaded=len(rows), items=[RateRead.model_validate(r) for r in rows])

    return uow.create(body, produce)


@rates.get("", response_model=Page[RateRead], dependencies=[READ], summary="List rates")
def list_rates(
    session: SessionDep,
    currency: str | None = Query(default=None, pattern=r"^[A-Z]{3}$"),
    month: str | None = Query(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[RateRead]:
    items, next_cursor = rates_service.list_rates(
        db_session=session, currency=currency, month=month, limit=limit, cursor=cursor
    )
    return Page(items=[RateRead.model_validate(r) for r in items], next_cursor=next_cursor)


@rates.get(
    "/effective",
    response_model=RateRead,
    dependencies=[READ],
    responses=problem_responses(),
    summary="The rate in force for a currency on a date (422 naming currency and month if none)",
)
def effective_rate(
    session: SessionDep,
    currency: str = Query(pattern=r"^[A-Z]{3}$"),
    on: dt.date = Query(),
) -> RateRead:
    rates_service.usd_rate(db_session=session, currency=currency, on=on, field="currency")
    row = session.execute(
        select(ExchangeRate)
        .where(ExchangeRate.currency == currency, ExchangeRate.effective_date <= on)
        .order_by(ExchangeRate.effective_date.desc())
        .limit(1)
    ).scalar_one()
    return RateRead.model_validate(row)


# --------------------------------------------------------------------------------- ledger

ledger = api_router(prefix="/api/v1/ledger", tags=["ledger"])


@ledger.get(
    "/chart", response_model=list[ChartEntry], dependencies=[READ], summary="The chart of accounts"
)
def chart() -> list[ChartEntry]:
    return [ChartEntry(code=c, name=n, type=t) for c, (n, t) in journal.CHART.items()]


@ledger.post(
    "/funds",
    status_code=201,
    response_model=FundRead,
    dependencies=[WRITE],
    summary="Open the fund of an earmarking (returns the existing one if already open)",
)
def open_fund(data: FundCreate, uow: UnitOfWorkDep, registry: RegistryDep) -> Response:
    earmark = earmark_of(data.earmarking)
    registry.ensure_project(earmark.project_id, field="earmarking.project_id")
    return uow.create(
        data,
        lambda: FundRead.model_validate(
            journal.get_or_create_fund(db_session=uow.session, earmark=earmark)
        ),
        location=lambda f: f"/api/v1/ledger/funds/{f.id}",
    )


@ledger.get("/funds", response_model=Page[FundRead], dependencies=[READ], summary="List funds")
def list_funds(
    session: SessionDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[FundRead]:
    items, next_cursor = journal.list_funds(db_session=session, limit=limit, cursor=cursor)
    return Page(items=[FundRead.model_validate(f) for f in items], next_cursor=next_cursor)


@ledger.get(
    "/funds/{fund_id}",
    response_model=FundRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a fund",
)
def get_fund(fund_id: int, session: SessionDep, request: Request) -> Response:
    fund = journal.get_fund(db_session=session, fund_id=fund_id)
    return etag_response(request, FundRead.model_validate(fund))


@ledger.post(
    "/accounts",
    status_code=201,
    response_model=AccountRead,
    dependencies=[WRITE],
    responses=problem_responses(404),
    summary="Open an account of the chart for a fund (returns it if already open)",
)
def open_account(data: AccountCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> AccountRead:
        fund = journal.get_fund(db_session=uow.session, fund_id=data.fund_id)
        account = journal.get_or_create_account(
            db_session=uow.session,
            code=data.code,
            fund=fund,
            project_id=data.project_id,
            category=data.category,
        )
        uow.session.flush()
        return AccountRead.model_validate(account)

    return uow.create(data, produce, location=lambda a: f"/api/v1/ledger/accounts/{a.id}")


@ledger.get(
    "/accounts",
    response_model=Page[AccountRead],
    dependencies=[READ],
    summary="List accounts with their current balances",
)
def list_accounts(
    session: SessionDep,
    fund_id: int | None = Query(default=None),
    code: str | None = Query(default=None, pattern=r"^[0-9]{4}$"),
    project_id: int | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[AccountRead]:
    items, next_cursor = journal.list_accounts(
        db_session=session,
        fund_id=fund_id,
        code=code,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AccountRead.model_validate(a) for a in items], next_cursor=next_cursor)


@ledger.get(
    "/accounts/{account_id}",
    response_model=AccountRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an account",
)
def get_account(account_id: int, session: SessionDep, request: Request) -> Response:
    account = journal.get_account(db_session=session, account_id=account_id)
    return etag_response(request, AccountRead.model_validate(account))


@ledger.get(
    "/accounts/{account_id}/balance",
    response_model=BalanceRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="An account's balance at the end of a date (from the running balances)",
)
def account_balance(
    account_id: int, session: SessionDep, as_of: dt.date | None = Query(default=None)
) -> BalanceRead:
    journal.get_account(db_session=session, account_id=account_id)
    day = as_of or dt.date.today()
    return BalanceRead(
        account_id=account_id,
        as_of=day,
        balance_usd=journal.balance_at(db_session=session, account_id=account_id, as_of=day),
    )


@ledger.post(
    "/transactions",
    status_code=201,
    response_model=TransactionRead,
    dependencies=[WRITE],
    responses=problem_responses(),
    summary="Post a manual balanced transaction",
)
def post_transaction(data: TransactionCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: TransactionRead.model_validate(
            ledger_service.post_manual(db_session=uow.session, data=data, actor=actor_of(uow))
        ),
        location=lambda t: f"/api/v1/ledger/transactions/{t.id}",
    )


@ledger.post(
    "/transactions/batch",
    status_code=201,
    response_model=TransactionBatchRead,
    dependencies=[WRITE],
    responses=problem_responses(),
    summary="Post many manual transactions at once (all or none)",
)
def post_transaction_batch(data: TransactionBatch, uow: UnitOfWorkDep) -> Response:
    def produce() -> TransactionBatchRead:
        posted = ledger_service.post_manual_batch(
            db_session=uow.session, transactions=data.transactions, actor=actor_of(uow)
        )
        return TransactionBatchRead(
            posted=len(posted),
            first_sequence=posted[0].sequence,
            last_sequence=posted[-1].sequence,
            transaction_ids=[t.id for t in posted],
        )

    return uow.create(data, produce)


@ledger.get(
    "/transactions",
    response_model=Page[TransactionRead],
    dependencies=[READ],
    summary="List journal transactions in sequence order",
)
def list_transactions(
    session: SessionDep,
    kind: TransactionKind | None = Query(default=None),
    account_id: int | None = Query(default=None),
    date_from: dt.date | None = Query(default=None, alias="from"),
    date_to: dt.date | None = Query(default=None, alias="to"),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[TransactionRead]:
    items, next_cursor = journal.list_transactions(
        db_session=session,
        kind=kind,
        account_id=account_id,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[TransactionRead.model_validate(t) for t in items], next_cursor=next_cursor)


@ledger.get(
    "/transactions/{transaction_id}",
    response_model=TransactionRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a journal transaction",
)
def get_transaction(transaction_id: int, session: SessionDep, request: Request) -> Response:
    txn = journal.get_transaction(db_session=session, transaction_id=transaction_id)
    return etag_response(request, TransactionRead.model_validate(txn))


@ledger.post(
    "/transactions/{transaction_id}/reversal",
    status_code=201,
    response_model=TransactionRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Correct a manual transaction by reversing it (with a reason)",
)
def reverse_transaction(transaction_id: int, data: ReversalCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: TransactionRead.model_validate(
            journal.reverse_transaction(
                db_session=uow.session,
                transaction_id=transaction_id,
                reason=data.reason,
                value_date=data.value_date,
                actor=actor_of(uow),
            )
        ),
        location=lambda t: f"/api/v1/ledger/transactions/{t.id}",
    )


@ledger.get(
    "/verify",
    response_model=ChainVerificationRead,
    dependencies=[READ],
    summary="Recompute the hash chain over all transactions and report the first break",
)
def verify(session: SessionDep) -> ChainVerificationRead:
    return ChainVerificationRead.model_validate(journal.verify_chain(db_session=session))


def earmark_of(data: Earmarking) -> journal.Earmark:
    return journal.Earmark(data.kind, data.sdg_goal, data.dimension, data.project_id)


reports = api_router(
    prefix="/api/v1/reports",
    tags=["reports"],
    dependencies=[require_scope("funding:read", "reports:read")],
)


@reports.get(
    "/sources-and-uses",
    summary="Sources and uses of all voluntary contributions for a year (USD, reconciled)",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def sources_and_uses_report(
    session: SessionDep,
    year: int = Query(ge=2000, le=2100, description="Calendar year."),
    format: Literal["json", "csv"] = Query(default="json"),
) -> Response:
    report = statements.sources_and_uses(db_session=session, year=year)
    if format == "csv":
        return Response(
            statements.sources_and_uses_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="sources-and-uses-{year}.csv"'},
        )
    return JSONResponse(report)


@reports.get(
    "/projects",
    summary="For the gateway: funding of many registry projects in one call",
)
def projects_report(
    session: SessionDep,
    ids: str = Query(
        max_length=1200,
        pattern=r"^\d{1,10}(,\d{1,10}){0,99}$",
        description="Comma-separated registry project ids (at most 100).",
    ),
) -> dict[str, Any]:
    project_ids = [int(i) for i in ids.split(",")]
    return {"items": statements.project_funding(db_session=session, project_ids=project_ids)}


routers = (contributors, rates, ledger, reports)
