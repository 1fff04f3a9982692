"""Allocations of a fund's cash to registry projects, and expenditures. Callers commit.

Both lock the fund row first (:func:`journal.lock_fund`), then read the balance they check,
then post: concurrent writers on one fund queue on that lock, so no two can spend the same
dollar. The balance checked is the lowest from the posting's value date on
(:func:`available_from`), so that a back-dated posting leaves no past balance negative. An
expenditure with a project spends that project's allocation from the fund; without one it
spends the fund's unallocated cash, which only the core (unearmarked) fund may do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.dates import DateRules, not_before_funding
from services.funding.models import (
    Account,
    Allocation,
    Expenditure,
    ExpenditureCategory,
    Fund,
    FundKind,
    Side,
    TransactionKind,
)
from services.funding.money import check_minor_units
from services.funding.rates import to_usd, usd_rate
from services.funding.schemas.spending import AllocationCreate, ExpenditureCreate
from shared.pagination import SortKey, paginate
from shared.problems import ProblemError, field_problem, not_found


def _fund(db_session: Session, fund_id: int) -> Fund:
    fund = db_session.get(Fund, fund_id)
    if fund is None:
        raise field_problem(422, "fund_id", f"fund {fund_id} does not exist", rule="unknown-fund")
    journal.lock_fund(db_session=db_session, fund=fund)
    return fund


def available_from(db_session: Session, account: Account, day: dt.date) -> Decimal:
    """What can be taken out of ``account`` by a posting dated ``day``: the lowest of its
    balance now and its closing balance on ``day`` and every later day — a back-dated posting
    must leave no past balance negative. The caller holds the fund's lock."""
    db_session.flush()
    now = db_session.execute(
        select(Account.balance_usd).where(Account.id == account.id)
    ).scalar_one()
    lowest = journal.lowest_balance_from(db_session=db_session, account_id=account.id, day=day)
    return min(journal.q2(Decimal(now)), lowest)


def insufficient(fund: Fund, available: Decimal, needed: Decimal, what: str) -> ProblemError:
    shortfall = journal.q2(needed - available)
    return journal.insufficient_funds(
        fund,
        f"fund {fund.id} ({fund.name}) has {available} USD {what}; {needed} USD is needed, "
        f"a shortfall of {shortfall} USD",
        shortfall=shortfall,
        available=str(available),
        requested=str(needed),
    )


def create_allocation(
    *, db_session: Session, data: AllocationCreate, actor: str, dates: DateRules
) -> Allocation:
    dates.within_horizon(data.value_date, "value_date")
    fund = _fund(db_session, data.fund_id)
    not_before_funding(db_session, fund, data.value_date, "value_date")
    if fund.kind is FundKind.PROJECT and fund.project_id != data.project_id:
        raise field_problem(
            422,
            "project_id",
            f"fund {fund.id} is earmarked to project {fund.project_id} only",
            rule="earmark-mismatch",
        )
    unallocated = journal.get_or_create_account(
        db_session=db_session, code=journal.CASH_UNALLOCATED, fund=fund
    )
    allocated = journal.get_or_create_account(
        db_session=db_session, code=journal.CASH_ALLOCATED, fund=fund, project_id=data.project_id
    )
    available = available_from(db_session, unallocated, data.value_date)
    if data.amount > available:
        raise insufficient(fund, available, data.amount, "of received cash not yet allocated")
    txn = journal.post_transaction(
        db_session=db_session,
        kind=TransactionKind.ALLOCATION,
        value_date=data.value_date,
        description=data.description or f"Allocation to project {data.project_id}",
        lines=[
            journal.usd_line(allocated, Side.DEBIT, data.amount),
            journal.usd_line(unallocated, Side.CREDIT, data.amount),
        ],
        actor=actor,
        project_id=data.project_id,
    )
    allocation = Allocation(
        fund_id=fund.id,
        project_id=data.project_id,
        amount=data.amount,
        value_date=data.value_date,
        description=data.description,
        transaction_id=txn.id,
    )
    db_session.add(allocation)
    db_session.flush()
    return allocation


def get_allocation(*, db_session: Session, allocation_id: int) -> Allocation:
    found = db_session.get(Allocation, allocation_id)
    if found is None:
        raise not_found("allocation", allocation_id)
    return found


def list_allocations(
    *,
    db_session: Session,
    fund_id: int | None,
    project_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Allocation], str | None]:
    stmt = select(Allocation)
    if fund_id is not None:
        stmt = stmt.where(Allocation.fund_id == fund_id)
    if project_id is not None:
        stmt = stmt.where(Allocation.project_id == project_id)
    return paginate(db_session, stmt, keys=[SortKey(Allocation.id)], limit=limit, cursor=cursor)


def create_expenditure(
    *, db_session: Session, data: ExpenditureCreate, actor: str, dates: DateRules
) -> Expenditure:
    dates.within_horizon(data.value_date, "value_date")
    check_minor_units(data.currency, [("amount", data.amount)])
    rate = usd_rate(
        db_session=db_session, currency=data.currency, on=data.value_date, field="currency"
    )
    usd = to_usd(data.amount, rate)
    fund = _fund(db_session, data.fund_id)
    not_before_funding(db_session, fund, data.value_date, "value_date")
    source, what = _spending_source(db_session, fund, data.project_id)
    available = available_from(db_session, source, data.value_date)
    if usd > available:
        raise insufficient(fund, available, usd, what)
    expense = journal.get_or_create_account(
        db_session=db_session,
        code=journal.EXPENDITURE,
        fund=fund,
        project_id=data.project_id,
        category=str(data.category),
    )
    txn = journal.post_transaction(
        db_session=db_session,
        kind=TransactionKind.EXPENDITURE,
        value_date=data.value_date,
        description=data.description or f"{data.category} expenditure",
        lines=[
            journal.Line(expense, Side.DEBIT, data.amount, data.currency, rate, usd),
            journal.Line(source, Side.CREDIT, data.amount, data.currency, rate, usd),
        ],
        actor=actor,
        project_id=data.project_id,
    )
    expenditure = Expenditure(
        fund_id=fund.id,
        project_id=data.project_id,
        category=data.category,
        currency=data.currency,
        amount=data.amount,
        rate=rate,
        usd_amount=usd,
        value_date=data.value_date,
        description=data.description,
        is_evaluation=data.category is ExpenditureCategory.EVALUATION,
        evaluation_ref=data.evaluation_ref,
        transaction_id=txn.id,
    )
    db_session.add(expenditure)
    db_session.flush()
    return expenditure


def _spending_source(
    db_session: Session, fund: Fund, project_id: int | None
) -> tuple[Account, str]:
    """The cash account an expenditure spends, and how the shortfall names it: the project's
    allocation from the fund, or (core fund only) the fund's unallocated cash."""
    if project_id is None and fund.kind is not FundKind.UNEARMARKED:
        raise field_problem(
            422,
            "project_id",
            f"fund {fund.id} is earmarked: spend it through a project allocation",
            rule="earmarked-needs-project",
        )
    if project_id is None:
        source = journal.get_or_create_account(
            db_session=db_session, code=journal.CASH_UNALLOCATED, fund=fund
        )
        return source, "of received cash"
    source = journal.get_or_create_account(
        db_session=db_session,
        code=journal.CASH_ALLOCATED,
        fund=fund,
        project_id=project_id,
    )
    return source, f"received and allocated to project {project_id}"


def get_expenditure(*, db_session: Session, expenditure_id: int) -> Expenditure:
    found = db_session.get(Expenditure, expenditure_id)
    if found is None:
        raise not_found("expenditure", expenditure_id)
    return found


def list_expenditures(
    *,
    db_session: Session,
    fund_id: int | None,
    project_id: int | None,
    category: ExpenditureCategory | None,
    is_evaluation_cost: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Expenditure], str | None]:
    stmt = select(Expenditure)
    if fund_id is not None:
        stmt = stmt.where(Expenditure.fund_id == fund_id)
    if project_id is not None:
        stmt = stmt.where(Expenditure.project_id == project_id)
    if category is not None:
        stmt = stmt.where(Expenditure.category == category)
    if is_evaluation_cost is not None:
        stmt = stmt.where(Expenditure.is_evaluation == is_evaluation_cost)
    return paginate(db_session, stmt, keys=[SortKey(Expenditure.id)], limit=limit, cursor=cursor)
