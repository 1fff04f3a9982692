"""The ledger as the API shows it: funds and accounts (opened, read, balances), journal
transactions (listed, posted by hand, reversed by hand) and the verification of the hash chain.
The posting engine itself is :mod:`journal`. No FastAPI here; callers commit.

Manual postings (single and bulk) are opening balances, other income, adjustments. Each line
names an account and an amount in any currency; the US-dollar equivalent is taken at the UN
operational rate of the value date's month. Rounding each line to the cent can leave the
US-dollar side of a currency a cent or two off; that residue goes to the currency's last line on
the side that is short, so a transaction balanced in its currencies is balanced in dollars too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.dates import DateRules
from services.funding.models import (
    Account,
    Fund,
    JournalChain,
    JournalEntry,
    JournalTransaction,
    Side,
    TransactionKind,
)
from services.funding.money import check_minor_units
from services.funding.rates import to_usd, usd_rate
from services.funding.schemas.common import Earmarking
from services.funding.schemas.ledger import AccountCreate, TransactionCreate
from shared.pagination import SortKey, paginate
from shared.problems import ProblemError, conflict, field_problem, not_found


def earmark_of(data: Earmarking) -> journal.Earmark:
    """The journal's earmark of an earmarking as the API states it."""
    return journal.Earmark(data.kind, data.sdg_goal, data.dimension, data.project_id)


# ---------------------------------------------------------------------- funds and accounts


def open_fund(*, db_session: Session, earmarking: Earmarking) -> Fund:
    """The fund of an earmarking, opened if it is not open yet."""
    return journal.get_or_create_fund(db_session=db_session, earmark=earmark_of(earmarking))


def list_funds(
    *, db_session: Session, limit: int, cursor: str | None
) -> tuple[list[Fund], str | None]:
    return paginate(db_session, select(Fund), keys=[SortKey(Fund.id)], limit=limit, cursor=cursor)


def get_account(*, db_session: Session, account_id: int) -> Account:
    account = db_session.get(Account, account_id)
    if account is None:
        raise not_found("account", account_id)
    return account


def list_accounts(
    *,
    db_session: Session,
    fund_id: int | None,
    code: str | None,
    project_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Account], str | None]:
    stmt = select(Account)
    if fund_id is not None:
        stmt = stmt.where(Account.fund_id == fund_id)
    if code is not None:
        stmt = stmt.where(Account.code == code)
    if project_id is not None:
        stmt = stmt.where(Account.project_id == project_id)
    return paginate(db_session, stmt, keys=[SortKey(Account.id)], limit=limit, cursor=cursor)


def open_account(*, db_session: Session, data: AccountCreate) -> Account:
    """The account of the chart for a fund (404 when the fund does not exist), opened if new."""
    fund = journal.get_fund(db_session=db_session, fund_id=data.fund_id)
    account = journal.get_or_create_account(
        db_session=db_session,
        code=data.code,
        fund=fund,
        project_id=data.project_id,
        category=data.category,
    )
    db_session.flush()
    return account


def account_balance(*, db_session: Session, account_id: int, as_of: dt.date) -> Decimal:
    """The balance of an existing account (404 otherwise) at the end of ``as_of``."""
    get_account(db_session=db_session, account_id=account_id)
    return journal.balance_at(db_session=db_session, account_id=account_id, as_of=as_of)


# ---------------------------------------------------------------------------- transactions


def list_transactions(
    *,
    db_session: Session,
    kind: TransactionKind | None,
    account_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[JournalTransaction], str | None]:
    stmt = select(JournalTransaction)
    if kind is not None:
        stmt = stmt.where(JournalTransaction.kind == kind)
    if account_id is not None:
        stmt = stmt.where(
            JournalTransaction.id.in_(
                select(JournalEntry.transaction_id).where(JournalEntry.account_id == account_id)
            )
        )
    if date_from is not None:
        stmt = stmt.where(JournalTransaction.value_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(JournalTransaction.value_date <= date_to)
    return paginate(
        db_session, stmt, keys=[SortKey(JournalTransaction.sequence)], limit=limit, cursor=cursor
    )


RECORD_REVERSALS = {
    TransactionKind.RECEIPT: "/api/v1/contributions/{id}/reversal",
    TransactionKind.IN_KIND: "/api/v1/contributions/{id}/reversal",
    TransactionKind.ALLOCATION: "/api/v1/allocations/{id}/reversal",
    TransactionKind.EXPENDITURE: "/api/v1/expenditures/{id}/reversal",
}


def reverse_transaction(
    *,
    db_session: Session,
    transaction_id: int,
    reason: str,
    value_date: dt.date | None,
    actor: str,
    dates: DateRules,
) -> journal.PostedTransaction:
    """A correction of a manual transaction: its mirror image, referencing it, with a reason.
    Transactions posted by a record are corrected through that record (``corrections``)."""
    dates.within_horizon(value_date, "value_date")
    original = journal.get_transaction(db_session=db_session, transaction_id=transaction_id)
    if original.kind not in (TransactionKind.MANUAL, TransactionKind.REVERSAL):
        through = RECORD_REVERSALS.get(original.kind)
        raise conflict(
            f"transaction {transaction_id} was posted by a {original.kind} record; correct it "
            "through that record so the record and the journal stay in step"
            + (f" ({through})" if through else ""),
            rule="reverse-through-its-record",
        )
    return journal.reverse(
        db_session=db_session, original=original, reason=reason, value_date=value_date, actor=actor
    )


# ----------------------------------------------------------------------- manual postings


def _load_accounts(db_session: Session, batch: Sequence[TransactionCreate]) -> dict[int, Account]:
    ids = sorted({e.account_id for data in batch for e in data.entries})
    found: dict[int, Account] = {}
    for chunk in journal.chunked(ids, journal.ACCOUNTS_PER_STATEMENT):
        rows = db_session.execute(select(Account).where(Account.id.in_(chunk))).scalars()
        found.update((a.id, a) for a in rows)
    return found


def _lines(
    db_session: Session,
    data: TransactionCreate,
    accounts: dict[int, Account],
    rates: dict[tuple[str, dt.date], Decimal],
) -> list[journal.Line]:
    lines: list[journal.Line] = []
    for index, entry in enumerate(data.entries):
        account = accounts.get(entry.account_id)
        if account is None:
            raise field_problem(
                422,
                f"entries.{index}.account_id",
                f"account {entry.account_id} does not exist",
                rule="unknown-account",
            )
        check_minor_units(
            entry.currency,
            [(f"entries.{index}.amount", entry.amount)],
            currency_field=f"entries.{index}.currency",
        )
        key = (entry.currency, data.value_date)  # a mid-month revision: the day matters
        rate = rates.get(key)
        if rate is None:
            rate = rates[key] = usd_rate(
                db_session=db_session,
                currency=entry.currency,
                on=data.value_date,
                field=f"entries.{index}.currency",
            )
        lines.append(
            journal.Line(
                account, entry.side, entry.amount, entry.currency, rate, to_usd(entry.amount, rate)
            )
        )
    return _absorb_rounding(lines)


def _absorb_rounding(lines: list[journal.Line]) -> list[journal.Line]:
    usd_by_currency: dict[str, Decimal] = defaultdict(Decimal)
    amount_by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        sign = 1 if line.side is Side.DEBIT else -1
        usd_by_currency[line.currency] += sign * line.usd_amount
        amount_by_currency[line.currency] += sign * line.amount
    result = list(lines)
    for currency, residue in usd_by_currency.items():
        if residue == 0 or amount_by_currency[currency] != 0:
            continue  # an unbalanced currency is refused by the journal as it stands
        short_side = Side.CREDIT if residue > 0 else Side.DEBIT
        for i in range(len(result) - 1, -1, -1):
            line = result[i]
            if line.currency == currency and line.side is short_side:
                result[i] = journal.Line(
                    line.account,
                    line.side,
                    line.amount,
                    line.currency,
                    line.rate,
                    line.usd_amount + abs(residue),
                )
                break
    return result


def _posting(
    db_session: Session,
    data: TransactionCreate,
    actor: str,
    accounts: dict[int, Account],
    rates: dict[tuple[str, dt.date], Decimal],
) -> journal.Posting:
    return journal.Posting(
        kind=TransactionKind.MANUAL,
        value_date=data.value_date,
        description=data.description,
        lines=_lines(db_session, data, accounts, rates),
        actor=actor,
    )


def post_manual(
    *, db_session: Session, data: TransactionCreate, actor: str, dates: DateRules
) -> journal.PostedTransaction:
    dates.within_horizon(data.value_date, "value_date")
    posting = _posting(db_session, data, actor, _load_accounts(db_session, [data]), {})
    return journal.post_transactions(db_session=db_session, postings=[posting])[0]


def post_manual_batch(
    *,
    db_session: Session,
    transactions: list[TransactionCreate],
    actor: str,
    dates: DateRules,
) -> list[journal.PostedTransaction]:
    """Post many transactions in one database transaction and one set of statements: all or
    none; a refused transaction is named by its index."""
    accounts = _load_accounts(db_session, transactions)
    rates: dict[tuple[str, dt.date], Decimal] = {}
    postings = []
    for index, data in enumerate(transactions):
        try:
            dates.within_horizon(data.value_date, "value_date")
            posting = _posting(db_session, data, actor, accounts, rates)
            journal.check_balanced(posting.lines)
        except ProblemError as exc:
            for error in exc.errors or []:
                error.field = f"transactions.{index}.{error.field}"
            exc.detail = f"transactions.{index}: {exc.detail}"
            raise
        postings.append(posting)
    return journal.post_transactions(db_session=db_session, postings=postings, checked=True)


# ---------------------------------------------------------------------- chain verification


@dataclass(frozen=True, slots=True)
class ChainVerification:
    valid: bool
    transactions_checked: int
    head_sequence: int
    head_hash: str
    first_invalid_sequence: int | None = None
    reason: str | None = None


def verify_chain(*, db_session: Session, batch_size: int = 2000) -> ChainVerification:
    """Recompute every transaction's hash in sequence order; report the first break."""
    head = db_session.execute(
        select(JournalChain).where(JournalChain.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    prev_hash = "0" * 64
    expected_sequence = 1
    checked = 0
    last_sequence = 0
    while txns := _transactions_from(db_session, expected_sequence, batch_size):
        entries_by_txn = _entries_of(db_session, txns)
        for txn in txns:
            failure = _link_failure(txn, entries_by_txn[txn.id], expected_sequence, prev_hash)
            if failure is not None:
                return _broken(head, checked, expected_sequence, failure)
            prev_hash = txn.hash
            last_sequence = txn.sequence
            expected_sequence += 1
            checked += 1
    if last_sequence != head.last_sequence or prev_hash != head.last_hash:
        return _broken(
            head, checked, last_sequence + 1, "the chain head does not match the last transaction"
        )
    return ChainVerification(
        valid=True,
        transactions_checked=checked,
        head_sequence=head.last_sequence,
        head_hash=head.last_hash,
    )


def _transactions_from(
    db_session: Session, sequence: int, batch_size: int
) -> Sequence[JournalTransaction]:
    """The next batch of transactions in sequence order, from ``sequence`` on, read afresh."""
    return (
        db_session.execute(
            select(JournalTransaction)
            .where(JournalTransaction.sequence >= sequence)
            .order_by(JournalTransaction.sequence)
            .limit(batch_size)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )


def _entries_of(db_session: Session, txns: Sequence[JournalTransaction]) -> dict[int, list[Any]]:
    """The stored entry rows of each transaction, in line order: one query."""
    entries_by_txn: dict[int, list[Any]] = defaultdict(list)
    table = journal.ENTRIES
    for row in db_session.execute(
        select(table)
        .where(table.c.transaction_id.in_([t.id for t in txns]))
        .order_by(table.c.transaction_id, table.c.line)
    ):
        entries_by_txn[row.transaction_id].append(row)
    return entries_by_txn


def _link_failure(
    txn: JournalTransaction, entries: list[Any], expected_sequence: int, prev_hash: str
) -> str | None:
    """Why ``txn`` does not continue the chain at ``expected_sequence`` after ``prev_hash``."""
    if txn.sequence != expected_sequence:
        return f"sequence {expected_sequence} is missing"
    if txn.prev_hash != prev_hash:
        return "the previous-hash link does not match the previous transaction"
    if journal.transaction_hash(prev_hash, txn, entries) != txn.hash:
        return "the transaction's content does not match its hash"
    return None


def _broken(head: JournalChain, checked: int, sequence: int, reason: str) -> ChainVerification:
    return ChainVerification(
        valid=False,
        transactions_checked=checked,
        head_sequence=head.last_sequence,
        head_hash=head.last_hash,
        first_invalid_sequence=sequence,
        reason=reason,
    )
