"""Corrections of money records: a contribution, an allocation or an expenditure recorded in
error is undone by reversing the transaction it posted — the mirror image, referencing it, with
a reason — never by changing or deleting anything in the journal. The record itself stays (it
is what happened); its reads show the reversal. Callers commit.

Each correction takes the same locks, in the same order, as the write it undoes (agreement,
then fund, then the journal's chain head), and refuses what would leave money negative: a
receipt whose cash was already allocated or spent, an allocation its project already spent
(409 naming the fund and the shortfall, as for spending) — now or on any day from the
reversal's value date on, so that a back-dated reversal leaves no past balance negative.
:func:`with_reversals` shows a page of records with their reversals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.agreements import RECEIVING, get_agreement, get_contribution
from services.funding.dates import DateRules
from services.funding.models import (
    Account,
    ContributionKind,
    JournalTransaction,
    Side,
    TransactionKind,
)
from services.funding.schemas.agreements import ContributionRead
from services.funding.schemas.corrections import ReversalRead
from services.funding.schemas.spending import AllocationRead, ExpenditureRead
from services.funding.spending import (
    available_from,
    get_allocation,
    get_expenditure,
    insufficient,
)
from shared.problems import conflict

Corrected = TypeVar("Corrected", ContributionRead, AllocationRead, ExpenditureRead)


def with_reversals(*, db_session: Session, reads: list[Corrected]) -> list[Corrected]:
    """Fill each read's ``reversal`` from the journal, in one query for the page."""
    found = journal.reversed_by(
        db_session=db_session,
        transaction_ids=[r.transaction_id for r in reads if r.transaction_id is not None],
    )
    for read in reads:
        info = found.get(read.transaction_id) if read.transaction_id is not None else None
        if info is not None:
            read.reversal = ReversalRead(
                transaction_id=info.id, value_date=info.value_date, reason=info.reason
            )
    return reads


def _posted(db_session: Session, transaction_id: int | None, what: str) -> JournalTransaction:
    if transaction_id is None:
        raise conflict(
            f"{what} was disclosed only and posted nothing to the journal; there is nothing to "
            "reverse",
            rule="nothing-posted",
        )
    return journal.get_transaction(db_session=db_session, transaction_id=transaction_id)


def _locked_original(
    db_session: Session, fund_id: int, transaction_id: int | None, what: str
) -> JournalTransaction:
    """Lock the record's fund, then read the transaction it posted, not yet reversed."""
    fund = journal.get_fund(db_session=db_session, fund_id=fund_id)
    journal.lock_fund(db_session=db_session, fund=fund)
    txn = _posted(db_session, transaction_id, what)
    journal.ensure_not_reversed(db_session=db_session, original=txn, what=what)
    return txn


def _line(txn: JournalTransaction, code: str, side: Side) -> tuple[Account, Decimal]:
    entry = next(e for e in txn.entries if e.account.code == code and e.side is side)
    return entry.account, entry.usd_amount


def _require_balance(
    db_session: Session, account: Account, needed: Decimal, what: str, day: dt.date
) -> None:
    """The reversal dated ``day`` takes ``needed`` out of ``account``: refuse it unless the
    balance covers it now and on that day and every later one."""
    available = available_from(db_session, account, day)
    if needed > available:
        raise insufficient(account.fund, available, needed, what)


def reverse_contribution(
    *,
    db_session: Session,
    contribution_id: int,
    reason: str,
    value_date: dt.date | None,
    actor: str,
    dates: DateRules,
) -> journal.PostedTransaction:
    dates.within_horizon(value_date, "value_date")
    contribution = get_contribution(db_session=db_session, contribution_id=contribution_id)
    what = f"contribution {contribution.id}"
    if contribution.kind is ContributionKind.CASH:
        assert contribution.agreement_id is not None
        agreement = get_agreement(
            db_session=db_session, agreement_id=contribution.agreement_id, for_update=True
        )
        # Reversing reopens the receivable: only while the agreement can still receive it.
        if agreement.status not in RECEIVING:
            raise conflict(
                f"agreement {agreement.id} is {agreement.status}; receipts are reversed while "
                "it is signed or active (the receivable reopened must be receivable again)",
                rule="agreement-not-receiving",
            )
    txn = _locked_original(db_session, contribution.fund_id, contribution.transaction_id, what)
    if contribution.kind is ContributionKind.CASH:
        cash, cash_usd = _line(txn, journal.CASH_UNALLOCATED, Side.DEBIT)
        _require_balance(
            db_session,
            cash,
            cash_usd,
            "of received cash not yet allocated",
            journal.reversal_date(txn, value_date),
        )
        _, relieved = _line(txn, journal.RECEIVABLE, Side.CREDIT)
        instalment = next(i for i in agreement.instalments if i.id == contribution.instalment_id)
        instalment.received = instalment.received - contribution.amount
        agreement.received = agreement.received - contribution.amount
        agreement.receivable_usd_open = agreement.receivable_usd_open + relieved
    return journal.reverse(
        db_session=db_session, original=txn, reason=reason, value_date=value_date, actor=actor
    )


def reverse_allocation(
    *,
    db_session: Session,
    allocation_id: int,
    reason: str,
    value_date: dt.date | None,
    actor: str,
    dates: DateRules,
) -> journal.PostedTransaction:
    dates.within_horizon(value_date, "value_date")
    allocation = get_allocation(db_session=db_session, allocation_id=allocation_id)
    what = f"allocation {allocation.id}"
    txn = _locked_original(db_session, allocation.fund_id, allocation.transaction_id, what)
    allocated, amount = _line(txn, journal.CASH_ALLOCATED, Side.DEBIT)
    _require_balance(
        db_session,
        allocated,
        amount,
        f"allocated to project {allocation.project_id} and not yet spent",
        journal.reversal_date(txn, value_date),
    )
    return journal.reverse(
        db_session=db_session, original=txn, reason=reason, value_date=value_date, actor=actor
    )


def reverse_expenditure(
    *,
    db_session: Session,
    expenditure_id: int,
    reason: str,
    value_date: dt.date | None,
    actor: str,
    dates: DateRules,
) -> journal.PostedTransaction:
    dates.within_horizon(value_date, "value_date")
    expenditure = get_expenditure(db_session=db_session, expenditure_id=expenditure_id)
    what = f"expenditure {expenditure.id}"
    txn = _locked_original(db_session, expenditure.fund_id, expenditure.transaction_id, what)
    assert txn.kind is TransactionKind.EXPENDITURE
    return journal.reverse(
        db_session=db_session, original=txn, reason=reason, value_date=value_date, actor=actor
    )
