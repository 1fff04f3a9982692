"""The money figures of a fund or a registry project, each read from the journal and each named
for what it is (issue 12): cash is never called revenue.

At a day ``as_of`` (entries dated on or before it), in US dollars:

- **committed**: signed agreements (the receivable posted at signing, at the signing rate);
- **revenue_recognised**: voluntary contribution revenue (4000), i.e. signed and unconditional
  or conditions met; **deferred_revenue**: conditions not yet met (2100);
- **cash_received**: receipts at their own day's rate (cash debited by receipts, net of their
  reversals), so realised exchange differences are included; **exchange_differences**: those
  differences (4900; a loss is negative), so cash_received = committed - receivable +
  exchange_differences for money received under agreements;
- **in_kind_received**: recognised in-kind contributions at fair value (4100);
- **receivable**: still owed under signed agreements (1100); **receivable_overdue**: the part
  of it whose instalments fell due before ``as_of`` and were not paid by then;
- **allocated**: allocations (net of reversals); **spent**: expenditure (5000);
  **in_kind_used**: the equal expense of in-kind contributions (5100);
- **cash_unallocated** (1000) and **cash_allocated** (1010): cash held;
- **cash_available**: what an expenditure could take now — the lowest balance, from ``as_of``
  on, of each cash account an expenditure may draw (a project's allocations; for the core fund
  also its unallocated cash): the same rule the spending flows apply.

Per fund the figures come from the fund's accounts. Per project, what was received comes from
the fund earmarked to it; allocated, spent, cash allocated and cash available come from the
accounts kept for the project in any fund (core or thematic money allocated to it included).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, aliased

from services.funding import journal
from services.funding.models import (
    Account,
    AccountDayBalance,
    Agreement,
    Contribution,
    ContributionKind,
    Fund,
    FundKind,
    Instalment,
    JournalEntry,
    JournalTransaction,
    Side,
    TransactionKind,
)
from services.funding.rates import to_usd

ZERO = journal.ZERO
_SIGNED = case(
    (JournalEntry.side == Side.DEBIT, JournalEntry.usd_amount), else_=-JournalEntry.usd_amount
)
# A reversal counts under the kind of the transaction it reverses.
_ORIGINAL = aliased(JournalTransaction)
_KIND = func.coalesce(_ORIGINAL.kind, JournalTransaction.kind)
# Accounts kept per project (in any fund); the others are the fund's own.
PROJECT_CODES = frozenset({journal.CASH_ALLOCATED, journal.EXPENDITURE})
FIGURES = (
    "committed",
    "revenue_recognised",
    "deferred_revenue",
    "cash_received",
    "exchange_differences",
    "in_kind_received",
    "receivable",
    "receivable_overdue",
    "allocated",
    "spent",
    "in_kind_used",
    "cash_unallocated",
    "cash_allocated",
    "cash_available",
)
# Credit-positive accounts: the figure is minus the debit-positive sum.
_CREDIT_FIGURES = {
    journal.CONTRIBUTION_REVENUE: "revenue_recognised",
    journal.DEFERRED_REVENUE: "deferred_revenue",
    journal.IN_KIND_REVENUE: "in_kind_received",
    journal.EXCHANGE_DIFFERENCES: "exchange_differences",
}
_DEBIT_FIGURES = {
    journal.RECEIVABLE: "receivable",
    journal.CASH_UNALLOCATED: "cash_unallocated",
    journal.CASH_ALLOCATED: "cash_allocated",
    journal.EXPENDITURE: "spent",
    journal.IN_KIND_EXPENSE: "in_kind_used",
}
# Debit-positive figures counted only for the movements of one kind of transaction.
_KIND_FIGURES = {
    (journal.RECEIVABLE, TransactionKind.AGREEMENT_SIGNED): "committed",
    (journal.CASH_UNALLOCATED, TransactionKind.RECEIPT): "cash_received",
    (journal.CASH_ALLOCATED, TransactionKind.ALLOCATION): "allocated",
}


@dataclass
class Figures:
    """The figures of one fund or project (US dollars)."""

    values: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, code: str, kind: TransactionKind, amount: Decimal) -> None:
        if code in _CREDIT_FIGURES:
            self.values[_CREDIT_FIGURES[code]] -= amount
        if code in _DEBIT_FIGURES:
            self.values[_DEBIT_FIGURES[code]] += amount
        named = _KIND_FIGURES.get((code, kind))
        if named is not None:
            self.values[named] += amount

    def as_money(self) -> dict[str, Decimal]:
        return {name: journal.q2(self.values.get(name, ZERO)) for name in FIGURES}


@dataclass(frozen=True, slots=True)
class _Row:
    fund_id: int
    fund_project: int | None
    account_project: int | None
    code: str
    kind: TransactionKind
    amount: Decimal


def _movements(db_session: Session, scope: ColumnElement[bool], as_of: dt.date) -> list[_Row]:
    """Every (fund, project, account code, kind) movement in ``scope`` up to ``as_of``."""
    rows = db_session.execute(
        select(
            Account.fund_id,
            Fund.project_id,
            Account.project_id,
            Account.code,
            _KIND,
            func.sum(_SIGNED),
        )
        .join(Account, Account.id == JournalEntry.account_id)
        .join(Fund, Fund.id == Account.fund_id)
        .join(JournalTransaction, JournalTransaction.id == JournalEntry.transaction_id)
        .outerjoin(_ORIGINAL, _ORIGINAL.id == JournalTransaction.reverses_id)
        .where(scope, JournalEntry.value_date <= as_of)
        .group_by(Account.fund_id, Fund.project_id, Account.project_id, Account.code, _KIND)
    ).all()
    return [
        _Row(fund_id, fund_project, account_project, code, TransactionKind(kind), Decimal(s or 0))
        for fund_id, fund_project, account_project, code, kind, s in rows
    ]


CashKey = tuple[int, int | None, str]  # fund, account's project, code: one cash account


def _cash_available(
    db_session: Session, rows: Sequence[_Row], scope: ColumnElement[bool], as_of: dt.date
) -> dict[CashKey, Decimal]:
    """Per cash account: the lowest of its balance at ``as_of`` and every later day's."""
    balances: dict[CashKey, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.code in journal.CASH_ACCOUNTS:
            balances[(row.fund_id, row.account_project, row.code)] += row.amount
    later = db_session.execute(
        select(
            Account.fund_id,
            Account.project_id,
            Account.code,
            func.min(AccountDayBalance.balance_usd),
        )
        .join(Account, Account.id == AccountDayBalance.account_id)
        .join(Fund, Fund.id == Account.fund_id)
        .where(scope, Account.code.in_(journal.CASH_ACCOUNTS), AccountDayBalance.day > as_of)
        .group_by(Account.fund_id, Account.project_id, Account.code)
    ).all()
    for fund_id, project_id, code, lowest in later:
        key = (fund_id, project_id, code)
        balances[key] = min(balances.get(key, ZERO), journal.q2(Decimal(lowest)))
    return {key: max(value, ZERO) for key, value in balances.items()}


def paid_by(
    db_session: Session, instalment_ids: Sequence[int], as_of: dt.date
) -> dict[int, Decimal]:
    """Per instalment: the cash received for it by ``as_of`` (receipts dated on or before it,
    less those reversed by then), in the agreement's currency."""
    receipts = db_session.execute(
        select(Contribution.instalment_id, Contribution.amount, Contribution.transaction_id).where(
            Contribution.kind == ContributionKind.CASH,
            Contribution.instalment_id.in_(list(instalment_ids)),
            Contribution.value_date <= as_of,
        )
    ).all()
    reversed_ = journal.reversed_by(
        db_session=db_session, transaction_ids=[r.transaction_id for r in receipts]
    )
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for r in receipts:
        undone = reversed_.get(r.transaction_id)
        if undone is None or undone.value_date > as_of:
            paid[r.instalment_id] += r.amount
    return paid


def _overdue(db_session: Session, fund_ids: Iterable[int], as_of: dt.date) -> dict[int, Decimal]:
    """Per fund: the US dollars (signing rate) of instalments due before ``as_of`` and not paid
    by then (receipts dated on or before it and not reversed by then)."""
    instalments = db_session.execute(
        select(Instalment.id, Instalment.amount, Agreement.fund_id, Agreement.signing_rate)
        .join(Agreement, Agreement.id == Instalment.agreement_id)
        .where(
            Agreement.fund_id.in_(sorted(set(fund_ids))),
            Agreement.signing_rate.is_not(None),
            Agreement.signed_on <= as_of,
            Instalment.due_date < as_of,
        )
    ).all()
    if not instalments:
        return {}
    paid = paid_by(db_session, [i.id for i in instalments], as_of)
    overdue: dict[int, Decimal] = defaultdict(Decimal)
    for i in instalments:
        unpaid = i.amount - paid.get(i.id, ZERO)
        if unpaid > 0:
            overdue[i.fund_id] += to_usd(unpaid, i.signing_rate)
    return overdue


def fund_figures(
    *, db_session: Session, fund_ids: Sequence[int] | None, as_of: dt.date
) -> list[tuple[Fund, dict[str, Decimal]]]:
    """The figures of each fund asked for (every fund when ``fund_ids`` is None), by id."""
    stmt = select(Fund).order_by(Fund.id)
    if fund_ids is not None:
        stmt = stmt.where(Fund.id.in_(sorted(set(fund_ids))))
    funds = list(db_session.execute(stmt).scalars())
    scope = Account.fund_id.in_([f.id for f in funds])
    rows = _movements(db_session, scope, as_of)
    cash = _cash_available(db_session, rows, scope, as_of)
    overdue = _overdue(db_session, [f.id for f in funds], as_of)
    per_fund: dict[int, Figures] = defaultdict(Figures)
    for row in rows:
        per_fund[row.fund_id].add(row.code, row.kind, row.amount)
    core = {f.id for f in funds if f.kind is FundKind.UNEARMARKED}
    for (fund_id, _, code), available in cash.items():
        if code == journal.CASH_ALLOCATED or fund_id in core:
            per_fund[fund_id].values["cash_available"] += available
    answer = []
    for fund in funds:
        figures = per_fund[fund.id]
        figures.values["receivable_overdue"] = _capped(overdue.get(fund.id), figures)
        answer.append((fund, figures.as_money()))
    return answer


def _capped(overdue: Decimal | None, figures: Figures) -> Decimal:
    """Overdue never exceeds the receivable (instalments converted one by one may differ from
    the journal's receivable by a cent)."""
    return min(overdue or ZERO, max(figures.values.get("receivable", ZERO), ZERO))


def project_figures(
    *, db_session: Session, project_ids: Sequence[int], as_of: dt.date
) -> dict[int, Figures]:
    """The figures of each project that has money in the journal, by project id."""
    ids = sorted(set(project_ids))
    scope = Account.project_id.in_(ids) | Fund.project_id.in_(ids)
    rows = _movements(db_session, scope, as_of)
    cash = _cash_available(db_session, rows, scope, as_of)
    own_funds: dict[int, int] = {}
    per_project: dict[int, Figures] = defaultdict(Figures)
    for row in rows:
        keyed = row.account_project if row.code in PROJECT_CODES else row.fund_project
        if keyed is None or keyed not in ids:
            continue
        figures = per_project[keyed]
        figures.add(row.code, row.kind, row.amount)
        if row.fund_project == keyed:
            own_funds[row.fund_id] = keyed
    for (_, project_id, code), available in cash.items():
        if code == journal.CASH_ALLOCATED and project_id in per_project:
            per_project[project_id].values["cash_available"] += available
    for fund_id, overdue in _overdue(db_session, own_funds, as_of).items():
        figures = per_project[own_funds[fund_id]]
        figures.values["receivable_overdue"] += overdue
    for figures in per_project.values():
        figures.values["receivable_overdue"] = _capped(
            figures.values.get("receivable_overdue"), figures
        )
    return per_project
