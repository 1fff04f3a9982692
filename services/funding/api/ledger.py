"""HTTP routes of the ledger: funds, accounts, the chart, journal transactions and the chain
check (thin: parse, call :mod:`services.funding.ledger` and the :mod:`journal` engine, answer)."""

from __future__ import annotations

import datetime as dt

from fastapi import Query, Request, Response

from services.funding import journal, ledger
from services.funding.deps import READ, WRITE, DatesDep, RegistryDep, actor_of
from services.funding.models import TransactionKind
from services.funding.schemas.corrections import ReversalCreate
from services.funding.schemas.ledger import (
    AccountCreate,
    AccountRead,
    BalanceRead,
    ChainVerificationRead,
    ChartEntry,
    FundCreate,
    FundRead,
    TransactionBatch,
    TransactionBatchRead,
    TransactionCreate,
    TransactionRead,
)
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.types import QueryDate
from shared.uow import SessionDep, UnitOfWorkDep

router = api_router(prefix="/api/v1/ledger", tags=["ledger"])


@router.get(
    "/chart", response_model=list[ChartEntry], dependencies=[READ], summary="The chart of accounts"
)
def chart() -> list[ChartEntry]:
    return [ChartEntry(code=c, name=n, type=t) for c, (n, t) in journal.CHART.items()]


@router.post(
    "/funds",
    status_code=201,
    response_model=FundRead,
    dependencies=[WRITE],
    summary="Open the fund of an earmarking (returns the existing one if already open)",
)
def open_fund(data: FundCreate, uow: UnitOfWorkDep, registry: RegistryDep) -> Response:
    registry.ensure_project(data.earmarking.project_id, field="earmarking.project_id")
    return uow.create(
        data,
        lambda: FundRead.model_validate(
            ledger.open_fund(db_session=uow.session, earmarking=data.earmarking)
        ),
        location=lambda f: f"/api/v1/ledger/funds/{f.id}",
    )


@router.get("/funds", response_model=Page[FundRead], dependencies=[READ], summary="List funds")
def list_funds(
    session: SessionDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[FundRead]:
    items, next_cursor = ledger.list_funds(db_session=session, limit=limit, cursor=cursor)
    return Page(items=[FundRead.model_validate(f) for f in items], next_cursor=next_cursor)


@router.get(
    "/funds/{fund_id}",
    response_model=FundRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a fund",
)
def get_fund(fund_id: IdPath, session: SessionDep, request: Request) -> Response:
    fund = journal.get_fund(db_session=session, fund_id=fund_id)
    return etag_response(request, FundRead.model_validate(fund))


@router.post(
    "/accounts",
    status_code=201,
    response_model=AccountRead,
    dependencies=[WRITE],
    responses=problem_responses(404),
    summary="Open an account of the chart for a fund (returns it if already open)",
)
def open_account(data: AccountCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: AccountRead.model_validate(ledger.open_account(db_session=uow.session, data=data)),
        location=lambda a: f"/api/v1/ledger/accounts/{a.id}",
    )


@router.get(
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
    items, next_cursor = ledger.list_accounts(
        db_session=session,
        fund_id=fund_id,
        code=code,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AccountRead.model_validate(a) for a in items], next_cursor=next_cursor)


@router.get(
    "/accounts/{account_id}",
    response_model=AccountRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an account",
)
def get_account(account_id: IdPath, session: SessionDep, request: Request) -> Response:
    account = ledger.get_account(db_session=session, account_id=account_id)
    return etag_response(request, AccountRead.model_validate(account))


@router.get(
    "/accounts/{account_id}/balance",
    response_model=BalanceRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="An account's balance at the end of a date (from the running balances)",
)
def account_balance(
    account_id: IdPath, session: SessionDep, as_of: QueryDate | None = Query(default=None)
) -> BalanceRead:
    day = as_of or dt.date.today()
    return BalanceRead(
        account_id=account_id,
        as_of=day,
        balance_usd=ledger.account_balance(db_session=session, account_id=account_id, as_of=day),
    )


@router.post(
    "/transactions",
    status_code=201,
    response_model=TransactionRead,
    dependencies=[WRITE],
    responses=problem_responses(),
    summary="Post a manual balanced transaction",
)
def post_transaction(data: TransactionCreate, uow: UnitOfWorkDep, dates: DatesDep) -> Response:
    return uow.create(
        data,
        lambda: TransactionRead.model_validate(
            ledger.post_manual(db_session=uow.session, data=data, actor=actor_of(uow), dates=dates)
        ),
        location=lambda t: f"/api/v1/ledger/transactions/{t.id}",
    )


@router.post(
    "/transactions/batch",
    status_code=201,
    response_model=TransactionBatchRead,
    dependencies=[WRITE],
    responses=problem_responses(),
    summary="Post many manual transactions at once (all or none)",
)
def post_transaction_batch(data: TransactionBatch, uow: UnitOfWorkDep, dates: DatesDep) -> Response:
    def produce() -> TransactionBatchRead:
        posted = ledger.post_manual_batch(
            db_session=uow.session,
            transactions=data.transactions,
            actor=actor_of(uow),
            dates=dates,
        )
        return TransactionBatchRead(
            posted=len(posted),
            first_sequence=posted[0].sequence,
            last_sequence=posted[-1].sequence,
            transaction_ids=[t.id for t in posted],
        )

    return uow.create(data, produce)


@router.get(
    "/transactions",
    response_model=Page[TransactionRead],
    dependencies=[READ],
    summary="List journal transactions in sequence order",
)
def list_transactions(
    session: SessionDep,
    kind: TransactionKind | None = Query(default=None),
    account_id: int | None = Query(default=None),
    date_from: QueryDate | None = Query(default=None, alias="from"),
    date_to: QueryDate | None = Query(default=None, alias="to"),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[TransactionRead]:
    items, next_cursor = ledger.list_transactions(
        db_session=session,
        kind=kind,
        account_id=account_id,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[TransactionRead.model_validate(t) for t in items], next_cursor=next_cursor)


@router.get(
    "/transactions/{transaction_id}",
    response_model=TransactionRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a journal transaction",
)
def get_transaction(transaction_id: IdPath, session: SessionDep, request: Request) -> Response:
    txn = journal.get_transaction(db_session=session, transaction_id=transaction_id)
    return etag_response(request, TransactionRead.model_validate(txn))


@router.post(
    "/transactions/{transaction_id}/reversal",
    status_code=201,
    response_model=TransactionRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Correct a manual transaction by reversing it (with a reason)",
)
def reverse_transaction(
    transaction_id: IdPath, data: ReversalCreate, uow: UnitOfWorkDep, dates: DatesDep
) -> Response:
    return uow.create(
        data,
        lambda: TransactionRead.model_validate(
            ledger.reverse_transaction(
                db_session=uow.session,
                transaction_id=transaction_id,
                reason=data.reason,
                value_date=data.value_date,
                actor=actor_of(uow),
                dates=dates,
            )
        ),
        location=lambda t: f"/api/v1/ledger/transactions/{t.id}",
    )


@router.get(
    "/verify",
    response_model=ChainVerificationRead,
    dependencies=[READ],
    summary="Recompute the hash chain over all transactions and report the first break",
)
def verify(session: SessionDep) -> ChainVerificationRead:
    return ChainVerificationRead.model_validate(ledger.verify_chain(db_session=session))


routers = (router,)
