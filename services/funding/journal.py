"""The double-entry journal, the engine under every money record (no router of its own): funds,
the chart of accounts, balanced postings, reversals, running balances and the hash chain over
transactions. What the ledger API lists and checks (accounts, transactions, the chain's
verification) is in :mod:`ledger`. No FastAPI here; callers commit.

Concurrency: every posting locks the single chain head row (``SELECT … FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) before it reads any account balance, so postings are
serialised, running balances are exact and the chain has no forks. Domain rules that read a
fund's balances (allocations, spending) first lock the fund row, then post; the head is always
the last lock taken, so lock order is fixed. Fund, agreement and pledge rows are locked ``FOR NO
KEY UPDATE`` (``key_share``): writers of one row still queue on it, but a row inserted after the
head with a foreign key to it (a receipt's contribution row) takes the key-share lock that mode
leaves free — with ``FOR UPDATE`` that insert waited on a fund locked by a writer that itself
waited on the head, a deadlock.

Journal rows are written with Core inserts (not ORM objects): the journal is itself the
append-only trail of who posted what; the transaction row, written through the ORM, still goes
to the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

from sqlalchemy import (
    Date,
    Integer,
    Row,
    Table,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.funding.models import (
    Account,
    AccountDayBalance,
    AccountType,
    Dimension,
    Fund,
    FundKind,
    JournalChain,
    JournalEntry,
    JournalTransaction,
    Money,
    Side,
    TransactionKind,
    common_tables,
)
from shared.audit import record_created
from shared.db import utcnow
from shared.problems import ProblemError, conflict, field_problem, not_found

DAY_BALANCES = cast(Table, AccountDayBalance.__table__)
ACCOUNTS = cast(Table, Account.__table__)
CHAIN = cast(Table, JournalChain.__table__)
ENTRIES = cast(Table, JournalEntry.__table__)
FUNDS = cast(Table, Fund.__table__)
TRANSACTIONS = cast(Table, JournalTransaction.__table__)
CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("1E-10")
ZERO = Decimal("0.00")


def q2(value: Decimal) -> Decimal:
    """Round to the cent, half to even (banker's rounding, as UN financial statements do)."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


# The chart of accounts. Balances are debit-positive; each account is opened per fund.
CASH_UNALLOCATED = "1000"
CASH_ALLOCATED = "1010"
RECEIVABLE = "1100"
DEFERRED_REVENUE = "2100"
NET_ASSETS = "3000"
CONTRIBUTION_REVENUE = "4000"
IN_KIND_REVENUE = "4100"
OTHER_INCOME = "4800"
EXCHANGE_DIFFERENCES = "4900"
EXPENDITURE = "5000"
IN_KIND_EXPENSE = "5100"
# Cash never goes below zero, on any day: every posting that credits one of these is checked.
CASH_ACCOUNTS = frozenset({CASH_UNALLOCATED, CASH_ALLOCATED})

CHART: dict[str, tuple[str, AccountType]] = {
    CASH_UNALLOCATED: ("Cash - not yet allocated", AccountType.ASSET),
    CASH_ALLOCATED: ("Cash - allocated to a project", AccountType.ASSET),
    RECEIVABLE: ("Contributions receivable", AccountType.ASSET),
    DEFERRED_REVENUE: ("Deferred revenue - conditions not yet met", AccountType.LIABILITY),
    NET_ASSETS: ("Net assets - opening balances and transfers", AccountType.NET_ASSETS),
    CONTRIBUTION_REVENUE: ("Voluntary contribution revenue", AccountType.REVENUE),
    IN_KIND_REVENUE: ("In-kind contribution revenue", AccountType.REVENUE),
    OTHER_INCOME: ("Other income", AccountType.REVENUE),
    EXCHANGE_DIFFERENCES: ("Realised exchange differences", AccountType.REVENUE),
    EXPENDITURE: ("Expenditure", AccountType.EXPENSE),
    IN_KIND_EXPENSE: ("In-kind expense (premises, facilities, goods)", AccountType.EXPENSE),
}


@dataclass(frozen=True, slots=True)
class Earmark:
    """What a fund's money may be used for: anything, a theme, or one registry project."""

    kind: FundKind
    sdg_goal: int | None = None
    dimension: Dimension | None = None
    project_id: int | None = None

    @property
    def fund_code(self) -> str:
        if self.kind is FundKind.PROJECT:
            return f"project-{self.project_id}"
        if self.kind is FundKind.THEMATIC:
            if self.sdg_goal is not None:
                return f"sdg-{self.sdg_goal}"
            return f"dimension-{self.dimension}"
        return "core"

    @property
    def fund_name(self) -> str:
        if self.kind is FundKind.PROJECT:
            return f"Earmarked to registry project {self.project_id}"
        if self.kind is FundKind.THEMATIC:
            if self.sdg_goal is not None:
                return f"Thematic: SDG {self.sdg_goal}"
            return f"Thematic: {self.dimension} dimension"
        return "Core (unearmarked, operating costs)"


def get_or_create_fund(*, db_session: Session, earmark: Earmark) -> Fund:
    code = earmark.fund_code
    fund = db_session.execute(select(Fund).where(Fund.code == code)).scalar_one_or_none()
    if fund is not None:
        return fund
    fund = Fund(
        code=code,
        name=earmark.fund_name,
        kind=earmark.kind,
        sdg_goal=earmark.sdg_goal,
        dimension=earmark.dimension,
        project_id=earmark.project_id,
    )
    try:
        with db_session.begin_nested():
            db_session.add(fund)
    except IntegrityError:  # a concurrent request opened it first
        return db_session.execute(select(Fund).where(Fund.code == code)).scalar_one()
    return fund


def get_fund(*, db_session: Session, fund_id: int, for_update: bool = False) -> Fund:
    stmt = select(Fund).where(Fund.id == fund_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    fund = db_session.execute(stmt).scalar_one_or_none()
    if fund is None:
        raise not_found("fund", fund_id)
    return fund


def lock_fund(*, db_session: Session, fund: Fund) -> None:
    """Hold the fund's row until commit: rules over its balances then see no concurrent change."""
    get_fund(db_session=db_session, fund_id=fund.id, for_update=True)


def account_key(code: str, fund: Fund, project_id: int | None, category: str | None) -> str:
    key = f"{code}/{fund.code}"
    if project_id is not None:
        key += f"/project-{project_id}"
    if category is not None:
        key += f"/{category}"
    return key


def get_or_create_account(
    *,
    db_session: Session,
    code: str,
    fund: Fund,
    project_id: int | None = None,
    category: str | None = None,
) -> Account:
    if code not in CHART:
        raise field_problem(422, "code", f"{code} is not in the chart of accounts", rule="chart")
    key = account_key(code, fund, project_id, category)
    account = db_session.execute(select(Account).where(Account.key == key)).scalar_one_or_none()
    if account is not None:
        return account
    name, type_ = CHART[code]
    account = Account(
        key=key,
        code=code,
        name=name,
        type=type_,
        fund_id=fund.id,
        project_id=project_id,
        category=category,
        balance_usd=ZERO,
    )
    try:
        with db_session.begin_nested():
            db_session.add(account)
    except IntegrityError:
        return db_session.execute(select(Account).where(Account.key == key)).scalar_one()
    return account


def balance_at(*, db_session: Session, account_id: int, as_of: dt.date) -> Decimal:
    """The account's closing balance at the end of ``as_of``: one index lookup."""
    value = db_session.execute(
        select(AccountDayBalance.balance_usd)
        .where(AccountDayBalance.account_id == account_id, AccountDayBalance.day <= as_of)
        .order_by(AccountDayBalance.day.desc())
        .limit(1)
    ).scalar_one_or_none()
    return q2(value) if value is not None else ZERO


def lowest_balance_from(*, db_session: Session, account_id: int, day: dt.date) -> Decimal:
    """The lowest closing balance of the account on ``day`` or any later day: the balance
    carried into ``day`` and every day-balance row from then on (two index range reads)."""
    carried = balance_at(db_session=db_session, account_id=account_id, as_of=day)
    later = db_session.execute(
        select(func.min(AccountDayBalance.balance_usd)).where(
            AccountDayBalance.account_id == account_id, AccountDayBalance.day > day
        )
    ).scalar_one_or_none()
    return carried if later is None else min(carried, q2(later))


# ----------------------------------------------------------------------------- posting


@dataclass(frozen=True, slots=True)
class Line:
    """One debit or credit to post: original amount and currency, rate used, US dollars."""

    account: Account
    side: Side
    amount: Decimal
    currency: str
    rate: Decimal
    usd_amount: Decimal


def usd_line(account: Account, side: Side, usd_amount: Decimal) -> Line:
    return Line(account, side, q2(usd_amount), "USD", Decimal(1), q2(usd_amount))


def check_balanced(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise field_problem(422, "entries", "needs at least two lines", rule="double-entry")
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    usd = Decimal(0)
    for line in lines:
        if line.amount < 0 or line.usd_amount < 0:
            raise field_problem(422, "entries", "amounts are never negative", rule="double-entry")
        sign = 1 if line.side is Side.DEBIT else -1
        per_currency[line.currency] += sign * line.amount
        usd += sign * line.usd_amount
    unbalanced = {c: v for c, v in per_currency.items() if v != 0}
    if unbalanced or usd != 0:
        raise ProblemError(
            422,
            "debits must equal credits in each currency and in US dollars; off by "
            + ", ".join(f"{c} {v}" for c, v in sorted(unbalanced.items()))
            + (f" USD-equivalent {usd}" if usd else ""),
            type_="unbalanced-transaction",
        )
    if all(line.usd_amount == 0 and line.amount == 0 for line in lines):
        raise field_problem(422, "entries", "moves no money", rule="double-entry")


def _canonical(value: Decimal, quantum: Decimal) -> str:
    return str(value.quantize(quantum))


MILL = Decimal("0.001")


def _canonical_amount(value: Decimal) -> str:
    """An original amount as hashed: to the cent when it has no more decimals (so every hash
    made before three-decimal currencies stays valid), else to the thousandth (KWD, BHD, ...)."""
    cents = value.quantize(CENT)
    return str(cents if cents == value else value.quantize(MILL))


_HASHED_FIELDS = (
    "sequence",
    "kind",
    "value_date",
    "posted_at",
    "description",
    "actor",
    "contributor_id",
    "agreement_id",
    "project_id",
    "reverses_id",
    "reason",
)


def _hash(prev_hash: str, txn: dict[str, Any], entries: Iterable[dict[str, Any]]) -> str:
    payload = {
        "sequence": txn["sequence"],
        "kind": str(txn["kind"]),
        "value_date": txn["value_date"].isoformat(),
        "posted_at": txn["posted_at"].astimezone(dt.UTC).isoformat(),
        "description": txn["description"],
        "actor": txn["actor"],
        "contributor_id": txn["contributor_id"],
        "agreement_id": txn["agreement_id"],
        "project_id": txn["project_id"],
        "reverses_id": txn["reverses_id"],
        "reason": txn["reason"],
        "entries": [
            [
                e["line"],
                e["account_id"],
                str(e["side"]),
                _canonical_amount(e["amount"]),
                e["currency"],
                _canonical(e["rate"], RATE_QUANTUM),
                _canonical(e["usd_amount"], CENT),
                e["value_date"].isoformat(),
            ]
            for e in entries
        ],
    }
    raw = prev_hash + json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


_HASHED_ENTRY_FIELDS = (
    "line",
    "account_id",
    "side",
    "amount",
    "currency",
    "rate",
    "usd_amount",
    "value_date",
)


def transaction_hash(prev_hash: str, txn: Any, entries: Iterable[Any]) -> str:
    """SHA-256 over the previous hash and everything a reader can see of the transaction
    (``txn`` and ``entries``: stored rows or objects with those attributes)."""
    return _hash(
        prev_hash,
        {k: getattr(txn, k) for k in _HASHED_FIELDS},
        [{k: getattr(e, k) for k in _HASHED_ENTRY_FIELDS} for e in entries],
    )


@dataclass(frozen=True, slots=True)
class Posting:
    """One balanced transaction to post, with what it records about its origin."""

    kind: TransactionKind
    value_date: dt.date
    description: str
    lines: Sequence[Line]
    actor: str
    contributor_id: int | None = None
    agreement_id: int | None = None
    project_id: int | None = None
    reverses_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PostedEntry:
    transaction_id: int
    line: int
    account_id: int
    side: Side
    amount: Decimal
    currency: str
    rate: Decimal
    usd_amount: Decimal
    value_date: dt.date
    balance_after_usd: Decimal


@dataclass(frozen=True, slots=True)
class PostedTransaction:
    """A transaction as posted: what a :class:`JournalTransaction` row holds, with entries."""

    id: int
    sequence: int
    kind: TransactionKind
    value_date: dt.date
    posted_at: dt.datetime
    description: str
    actor: str
    contributor_id: int | None
    agreement_id: int | None
    project_id: int | None
    reverses_id: int | None
    reason: str | None
    prev_hash: str
    hash: str
    entries: tuple[PostedEntry, ...]


def _signed(line: Line) -> Decimal:
    return line.usd_amount if line.side is Side.DEBIT else -line.usd_amount


# Accounts moved or loaded per statement: three bound values each stay far below the 65,535
# a PostgreSQL statement takes, however many accounts a large batch touches.
ACCOUNTS_PER_STATEMENT = 5000


def chunked(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _cents(expression: Any) -> Any:
    """A running balance moved in SQL, rounded to the cent: exact NUMERIC on PostgreSQL already;
    on SQLite, which keeps NUMERIC as binary floating point, it stops the error of each addition
    from accumulating over many postings to a large balance."""
    return func.round(expression, 2)


_PREVIOUS_DAY_BALANCE = (
    select(DAY_BALANCES.c.balance_usd)
    .where(
        DAY_BALANCES.c.account_id == bindparam("a", type_=Integer),
        DAY_BALANCES.c.day < bindparam("d", type_=Date),
    )
    .order_by(DAY_BALANCES.c.day.desc())
    .limit(1)
    .scalar_subquery()
)
# Open the (account, day) row where it is missing, with the closing balance of the day before...
_OPEN_DAY = insert(DAY_BALANCES).from_select(
    ["account_id", "day", "balance_usd"],
    select(
        bindparam("a", type_=Integer),
        bindparam("d", type_=Date),
        func.coalesce(_PREVIOUS_DAY_BALANCE, ZERO),
    ).where(
        ~exists().where(
            DAY_BALANCES.c.account_id == bindparam("a", type_=Integer),
            DAY_BALANCES.c.day == bindparam("d", type_=Date),
        )
    ),
)
# ...then move that day and every later one by the day's delta.
_MOVE_DAYS = (
    update(DAY_BALANCES)
    .where(
        DAY_BALANCES.c.account_id == bindparam("a", type_=Integer),
        DAY_BALANCES.c.day >= bindparam("d", type_=Date),
    )
    .values(balance_usd=_cents(DAY_BALANCES.c.balance_usd + bindparam("delta", type_=Money)))
)


def _cash_outflows(postings: Sequence[Posting]) -> dict[int, tuple[Account, dt.date]]:
    """The cash accounts the postings credit, each with the earliest value date it is credited."""
    earliest: dict[int, tuple[Account, dt.date]] = {}
    for posting in postings:
        for line in posting.lines:
            account = line.account
            if line.side is Side.CREDIT and account.code in CASH_ACCOUNTS:
                seen = earliest.get(account.id)
                if seen is None or posting.value_date < seen[1]:
                    earliest[account.id] = (account, posting.value_date)
    return earliest


def _refuse_negative_cash(
    db_session: Session, outflows: dict[int, tuple[Account, dt.date]]
) -> None:
    """409 when a cash account the postings took from is below zero, now or on any day from the
    first day it was taken from (its day balances from then on, already moved): whatever route
    the money left by — a manual posting, a reversal, a record — cash that was not there cannot
    be spent, not even by a back-dated posting. The flows that spend check the same before
    posting and say it in their own terms; this is the rule for every posting. The caller's
    transaction is then rolled back with the rest of the request."""
    for chunk in chunked(sorted(outflows), ACCOUNTS_PER_STATEMENT):
        since = {account_id: outflows[account_id][1] for account_id in chunk}
        lowest = db_session.execute(
            select(DAY_BALANCES.c.account_id, func.min(DAY_BALANCES.c.balance_usd))
            .where(
                DAY_BALANCES.c.account_id.in_(chunk),
                DAY_BALANCES.c.day >= case(since, value=DAY_BALANCES.c.account_id),
            )
            .group_by(DAY_BALANCES.c.account_id)
            .order_by(DAY_BALANCES.c.account_id)
        ).all()
        for account_id, balance in lowest:
            balance = q2(Decimal(balance))
            if balance < 0:
                account, day = outflows[account_id]
                fund = account.fund
                raise insufficient_funds(
                    fund,
                    f"fund {fund.id} ({fund.name}) does not have the cash: this would leave its "
                    f"account {account.key} at {balance} USD on a day from {day} on, a "
                    f"shortfall of {-balance} USD",
                    shortfall=-balance,
                    account_id=account_id,
                )


def insufficient_funds(
    fund: Fund, detail: str, *, shortfall: Decimal, **extra: Any
) -> ProblemError:
    """The 409 of every rule that finds a fund short of money, naming the fund and shortfall."""
    return ProblemError(
        409,
        detail,
        title="Insufficient funds",
        type_="insufficient-funds",
        fund_id=fund.id,
        fund=fund.name,
        shortfall=str(shortfall),
        **extra,
    )


def post_transactions(
    *, db_session: Session, postings: Sequence[Posting], checked: bool = False
) -> list[PostedTransaction]:
    """Post balanced transactions in order, chained, in a fixed handful of set-based statements
    whatever their number; flush, never commit. ``checked``: the caller ran
    :func:`check_balanced` on every posting already.

    Statements: lock the funds whose cash the postings take (if any), then the chain head; move
    the accounts' balances (``UPDATE … RETURNING``); insert the transactions and their entries
    (one ``executemany`` each) and read the new ids back by sequence; open and move the day
    balances; check that no cash account taken from is left below zero on any day
    (:func:`_refuse_negative_cash`); move the head; one audit event. Running balances per entry
    are computed here from the balances the update returned.
    """
    if not postings:
        return []
    if not checked:
        for posting in postings:
            check_balanced(posting.lines)
    db_session.flush()  # accounts and funds opened by the caller get their ids
    outflows = _cash_outflows(postings)
    head = _lock_funds_then_head(db_session, outflows)
    movements = _movements(postings)
    running = _move_balances(db_session, movements.totals)
    txn_rows, entry_rows = _chained_rows(postings, head, running)
    _insert_rows(db_session, txn_rows, entry_rows, after_sequence=head.last_sequence)
    _move_day_balances(db_session, movements.day_deltas)
    _refuse_negative_cash(db_session, outflows)
    last = txn_rows[-1]
    db_session.execute(
        update(CHAIN)
        .where(CHAIN.c.id == 1)
        .values(last_sequence=last["sequence"], last_hash=last["hash"])
    )
    _audit_posting(db_session, txn_rows)
    for account in movements.touched.values():  # keep the caller's Account objects in step
        db_session.expire(account, ["balance_usd"])
    return [
        PostedTransaction(
            **txn,
            entries=tuple(PostedEntry(**e) for e in entries),
        )
        for txn, entries in zip(txn_rows, entry_rows, strict=True)
    ]


def _lock_funds_then_head(
    db_session: Session, outflows: dict[int, tuple[Account, dt.date]]
) -> Row[Any, Any]:
    """Lock the funds whose cash the postings take, in id order, then the chain head (always
    the last lock: one order for every writer); the head's last sequence and hash."""
    if outflows:  # the lock every writer that spends a fund's cash holds, before the head's
        fund_ids = sorted({account.fund_id for account, _ in outflows.values()})
        db_session.execute(
            select(FUNDS.c.id)
            .where(FUNDS.c.id.in_(fund_ids))
            .order_by(FUNDS.c.id)
            .with_for_update(key_share=True)
        ).all()
    return db_session.execute(
        select(CHAIN.c.last_sequence, CHAIN.c.last_hash).where(CHAIN.c.id == 1).with_for_update()
    ).one()


@dataclass(frozen=True, slots=True)
class _Movements:
    """What the postings move: each account's total, each (account, day)'s delta, and the
    caller's Account objects they touch."""

    totals: dict[int, Decimal]
    day_deltas: dict[tuple[int, dt.date], Decimal]
    touched: dict[int, Account]


def _movements(postings: Sequence[Posting]) -> _Movements:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    day_deltas: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    touched: dict[int, Account] = {}
    for posting in postings:
        for line in posting.lines:
            account_id = line.account.id
            touched[account_id] = line.account
            delta = _signed(line)
            totals[account_id] += delta
            day_deltas[(account_id, posting.value_date)] += delta
    return _Movements(totals, day_deltas, touched)


def _move_balances(db_session: Session, totals: dict[int, Decimal]) -> dict[int, Decimal]:
    """Move each account's balance by its total (``UPDATE … RETURNING``, in account id order);
    each account's balance before the postings, from which the running balances start."""
    running: dict[int, Decimal] = {}
    account_ids = sorted(totals)  # one lock order for every writer
    for chunk in chunked(account_ids, ACCOUNTS_PER_STATEMENT):
        deltas = {account_id: totals[account_id] for account_id in chunk}
        moved = db_session.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.id.in_(chunk))
            .values(
                balance_usd=_cents(
                    ACCOUNTS.c.balance_usd + case(deltas, value=ACCOUNTS.c.id, else_=ZERO)
                )
            )
            .returning(ACCOUNTS.c.id, ACCOUNTS.c.balance_usd)
        ).all()
        running.update((row.id, q2(row.balance_usd - totals[row.id])) for row in moved)
    return running


def _chained_rows(
    postings: Sequence[Posting], head: Row[Any, Any], running: dict[int, Decimal]
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The transaction and entry rows to insert, numbered on from the head and each hashed over
    the previous one; ``running`` is carried on entry by entry (balance after each)."""
    posted_at = utcnow().replace(microsecond=0)
    prev_hash, sequence = head.last_hash, head.last_sequence
    txn_rows: list[dict[str, Any]] = []
    entry_rows: list[list[dict[str, Any]]] = []
    for posting in postings:
        sequence += 1
        entries = _entry_rows(posting, running)
        txn = {
            "sequence": sequence,
            "kind": posting.kind,
            "value_date": posting.value_date,
            "posted_at": posted_at,
            "description": posting.description[:500],
            "actor": posting.actor[:200],
            "contributor_id": posting.contributor_id,
            "agreement_id": posting.agreement_id,
            "project_id": posting.project_id,
            "reverses_id": posting.reverses_id,
            "reason": posting.reason,
            "prev_hash": prev_hash,
        }
        prev_hash = txn["hash"] = _hash(prev_hash, txn, entries)
        txn_rows.append(txn)
        entry_rows.append(entries)
    return txn_rows, entry_rows


def _entry_rows(posting: Posting, running: dict[int, Decimal]) -> list[dict[str, Any]]:
    entries = []
    for number, line in enumerate(posting.lines, start=1):
        account_id = line.account.id
        balance = running[account_id] = q2(running[account_id] + _signed(line))
        entries.append(
            {
                "transaction_id": None,
                "line": number,
                "account_id": account_id,
                "side": line.side,
                "amount": line.amount.quantize(MILL),
                "currency": line.currency,
                "rate": line.rate.quantize(RATE_QUANTUM),
                "usd_amount": q2(line.usd_amount),
                "value_date": posting.value_date,
                "balance_after_usd": balance,
            }
        )
    return entries


def _insert_rows(
    db_session: Session,
    txn_rows: list[dict[str, Any]],
    entry_rows: list[list[dict[str, Any]]],
    *,
    after_sequence: int,
) -> None:
    """Insert the transactions, read their ids back (by sequence, after ``after_sequence``),
    set them on the rows and insert the entries."""
    sequence = txn_rows[-1]["sequence"]
    if len(txn_rows) == 1:
        ids = {
            sequence: db_session.execute(
                insert(TRANSACTIONS).returning(TRANSACTIONS.c.id), txn_rows[0]
            ).scalar_one()
        }
    else:  # executemany (no RETURNING: a 500-row VALUES list costs more to send than to run)
        db_session.execute(insert(TRANSACTIONS), txn_rows)
        ids = {
            row.sequence: row.id
            for row in db_session.execute(
                select(TRANSACTIONS.c.sequence, TRANSACTIONS.c.id).where(
                    TRANSACTIONS.c.sequence > after_sequence,
                    TRANSACTIONS.c.sequence <= sequence,
                )
            )
        }
    for txn, entries in zip(txn_rows, entry_rows, strict=True):
        txn["id"] = ids[txn["sequence"]]
        for entry in entries:
            entry["transaction_id"] = txn["id"]
    db_session.execute(insert(ENTRIES), [e for entries in entry_rows for e in entries])


def _move_day_balances(db_session: Session, day_deltas: dict[tuple[int, dt.date], Decimal]) -> None:
    """Open the missing (account, day) rows, then move each day and every later one."""
    moves = [{"a": a, "d": d, "delta": v} for (a, d), v in sorted(day_deltas.items()) if v]
    if moves:
        db_session.execute(_OPEN_DAY, moves)
        db_session.execute(_MOVE_DAYS, moves)


def _audit_posting(db_session: Session, txn_rows: list[dict[str, Any]]) -> None:
    """One audit event per posting call: the transaction itself, or a batch's id range."""
    first, last = txn_rows[0], txn_rows[-1]
    audit_after: dict[str, Any] = (
        first
        if len(txn_rows) == 1
        else {
            "posted": len(txn_rows),
            "first_sequence": first["sequence"],
            "last_sequence": last["sequence"],
            "transaction_ids": [t["id"] for t in txn_rows],
            "actor": first["actor"],
            "last_hash": last["hash"],
        }
    )
    entity_id = str(first["id"]) if len(txn_rows) == 1 else f"{first['id']}..{last['id']}"
    record_created(
        db_session, common_tables.audit_events, TRANSACTIONS.name, entity_id, audit_after
    )


def post_transaction(
    *,
    db_session: Session,
    kind: TransactionKind,
    value_date: dt.date,
    description: str,
    lines: Sequence[Line],
    actor: str,
    contributor_id: int | None = None,
    agreement_id: int | None = None,
    project_id: int | None = None,
    reverses_id: int | None = None,
    reason: str | None = None,
) -> PostedTransaction:
    """Post one balanced transaction, chained to the previous one; flush, never commit."""
    posting = Posting(
        kind=kind,
        value_date=value_date,
        description=description,
        lines=lines,
        actor=actor,
        contributor_id=contributor_id,
        agreement_id=agreement_id,
        project_id=project_id,
        reverses_id=reverses_id,
        reason=reason,
    )
    return post_transactions(db_session=db_session, postings=[posting])[0]


def get_transaction(*, db_session: Session, transaction_id: int) -> JournalTransaction:
    txn = db_session.get(JournalTransaction, transaction_id)
    if txn is None:
        raise not_found("journal transaction", transaction_id)
    return txn


def reverse(
    *,
    db_session: Session,
    original: JournalTransaction,
    reason: str,
    value_date: dt.date | None,
    actor: str,
) -> PostedTransaction:
    """Post the mirror image of ``original`` (every line on the other side), referencing it and
    carrying ``reason``; at most once per transaction, never of a reversal."""
    if original.kind is TransactionKind.REVERSAL:
        raise conflict(
            f"transaction {original.id} is itself a reversal; post a new transaction instead",
            rule="reversal-of-reversal",
        )
    ensure_not_reversed(db_session=db_session, original=original)
    on = reversal_date(original, value_date)
    lines = [
        Line(
            account=entry.account,
            side=Side.CREDIT if entry.side is Side.DEBIT else Side.DEBIT,
            amount=entry.amount,
            currency=entry.currency,
            rate=entry.rate,
            usd_amount=entry.usd_amount,
        )
        for entry in original.entries
    ]
    try:
        return post_transaction(
            db_session=db_session,
            kind=TransactionKind.REVERSAL,
            value_date=on,
            description=f"Reversal of transaction {original.sequence}: {reason}",
            lines=lines,
            actor=actor,
            contributor_id=original.contributor_id,
            agreement_id=original.agreement_id,
            project_id=original.project_id,
            reverses_id=original.id,
            reason=reason,
        )
    except IntegrityError:  # pragma: no cover - the unique reverses_id under a race
        raise conflict(
            f"transaction {original.id} was already reversed", rule="already-reversed"
        ) from None


def reversal_date(original: JournalTransaction, value_date: dt.date | None) -> dt.date:
    """The value date of ``original``'s reversal: the one asked for, never before the original
    (422), or by default the original's own."""
    if value_date is not None and value_date < original.value_date:
        raise field_problem(
            422,
            "value_date",
            f"a correction cannot be dated before the transaction it corrects "
            f"({original.value_date})",
            rule="reversal-before-original",
        )
    return value_date or original.value_date


def ensure_not_reversed(
    *, db_session: Session, original: JournalTransaction, what: str | None = None
) -> None:
    """409 ``already-reversed`` naming the reversal when ``original`` was corrected already."""
    done = reversed_by(db_session=db_session, transaction_ids=[original.id]).get(original.id)
    if done is not None:
        raise conflict(
            f"{what or f'transaction {original.id}'} was already reversed by transaction "
            f"{done.id} ({done.reason})",
            rule="already-reversed",
            reversed_by=done.id,
        )


@dataclass(frozen=True, slots=True)
class ReversalInfo:
    """How a transaction was corrected: the reversing transaction, its date and reason."""

    id: int
    value_date: dt.date
    reason: str | None


def reversed_by(*, db_session: Session, transaction_ids: Iterable[int]) -> dict[int, ReversalInfo]:
    """The reversal of each of ``transaction_ids`` that has one, in one query."""
    ids = sorted(set(transaction_ids))
    if not ids:
        return {}
    rows = db_session.execute(
        select(
            TRANSACTIONS.c.reverses_id,
            TRANSACTIONS.c.id,
            TRANSACTIONS.c.value_date,
            TRANSACTIONS.c.reason,
        ).where(TRANSACTIONS.c.reverses_id.in_(ids))
    )
    return {row.reverses_id: ReversalInfo(row.id, row.value_date, row.reason) for row in rows}
