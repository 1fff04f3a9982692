"""Manual journal postings (single and bulk): opening balances, other income, adjustments.

Each line names an account and an amount in any currency; the US-dollar equivalent is taken at
the UN operational rate of the value date's month. Rounding each line to the cent can leave the
US-dollar side of a currency a cent or two off; that residue goes to the currency's last line on
the side that is short, so a transaction balanced in its currencies is balanced in dollars too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.models import Account, Side, TransactionKind
from services.funding.rates import to_usd, usd_rate
from services.funding.schemas.ledger import TransactionCreate
from shared.problems import ProblemError, field_problem


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
    *, db_session: Session, data: TransactionCreate, actor: str
) -> journal.PostedTransaction:
    posting = _posting(db_session, data, actor, _load_accounts(db_session, [data]), {})
    return journal.post_transactions(db_session=db_session, postings=[posting])[0]


def post_manual_batch(
    *, db_session: Session, transactions: list[TransactionCreate], actor: str
) -> list[journal.PostedTransaction]:
    """Post many transactions in one database transaction and one set of statements: all or
    none; a refused transaction is named by its index."""
    accounts = _load_accounts(db_session, transactions)
    rates: dict[tuple[str, dt.date], Decimal] = {}
    postings = []
    for index, data in enumerate(transactions):
        try:
            posting = _posting(db_session, data, actor, accounts, rates)
            journal.check_balanced(posting.lines)
        except ProblemError as exc:
            for error in exc.errors or []:
                error.field = f"transactions.{index}.{error.field}"
            exc.detail = f"transactions.{index}: {exc.detail}"
            raise
        postings.append(posting)
    return journal.post_transactions(db_session=db_session, postings=postings, checked=True)
