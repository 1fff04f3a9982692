"""UN operational rates of exchange: publication (one or a CSV), lookup and conversion. No
FastAPI here; callers commit.

A rate is in currency units per US dollar and takes effect on its date: the monthly rate on the
1st, a mid-month revision from its own date, superseding the monthly rate for the rest of that
month. Rates are append-only (a database trigger refuses UPDATE and DELETE): a correction is a
revision. The rate for a money event is the latest one effective on its date *within its month*;
there is none → 422 naming the currency and the month.

A back-dated revision that would change the rate of postings already made (entries in its
currency dated from its effective date to the end of its month, not already under a later
revision) is refused, 409 ``rate-revision-changes-postings`` naming those transactions: the
journal is never rewritten, and posting the difference silently would hide the correction.
Reverse the records concerned, publish the revision, and record them again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, exists, select, tuple_
from sqlalchemy.orm import Session

from services.funding.journal import q2
from services.funding.models import ExchangeRate, JournalEntry
from shared.codes import is_currency
from shared.pagination import SortKey, paginate
from shared.problems import FieldError, ProblemError, conflict, field_problem

USD = "USD"
ONE = Decimal(1)
CSV_COLUMNS = ("currency", "effective_date", "rate")
MAX_RATE = Decimal("1E9")


def usd_rate(*, db_session: Session, currency: str, on: dt.date, field: str) -> Decimal:
    """The UN operational rate for ``currency`` on ``on``; 422 naming ``field`` when none."""
    if currency == USD:
        return ONE
    rate = db_session.execute(
        select(ExchangeRate.rate)
        .where(
            ExchangeRate.currency == currency,
            ExchangeRate.effective_date <= on,
            ExchangeRate.effective_date >= on.replace(day=1),
        )
        .order_by(ExchangeRate.effective_date.desc())
        .limit(1)
    ).scalar_one_or_none()
    if rate is None:
        month = on.strftime("%Y-%m")
        raise field_problem(
            422,
            field,
            f"no UN operational rate of exchange for {currency} in {month}; "
            "publish it at /api/v1/rates first",
            rule="missing-exchange-rate",
            currency=currency,
            month=month,
        )
    return rate


def effective_rate(*, db_session: Session, currency: str, on: dt.date) -> ExchangeRate:
    """The rate row in force for ``currency`` on ``on``; 422 naming the currency and month when
    its month has none."""
    usd_rate(db_session=db_session, currency=currency, on=on, field="currency")
    return db_session.execute(
        select(ExchangeRate)
        .where(ExchangeRate.currency == currency, ExchangeRate.effective_date <= on)
        .order_by(ExchangeRate.effective_date.desc())
        .limit(1)
    ).scalar_one()


def to_usd(amount: Decimal, rate: Decimal) -> Decimal:
    return q2(amount / rate)


def _problem_for(currency: str, effective_date: dt.date, rate: Decimal) -> str | None:
    if not is_currency(currency):
        return f"{currency} is not an ISO 4217 currency code"
    if currency == USD:
        return "USD is the base currency; its rate is always 1"
    if not Decimal(0) < rate < MAX_RATE:
        return "must be a positive number of currency units per US dollar"
    return None


def create_rate(
    *, db_session: Session, currency: str, effective_date: dt.date, rate: Decimal
) -> ExchangeRate:
    problem = _problem_for(currency, effective_date, rate)
    if problem is not None:
        field = "rate" if problem.startswith("must") else "currency"
        raise field_problem(422, field, problem, rule="exchange-rate")
    _refuse_published(db_session, [(currency, effective_date)])
    _refuse_changing_postings(db_session, [(currency, effective_date)])
    row = ExchangeRate(currency=currency, effective_date=effective_date, rate=rate)
    db_session.add(row)
    db_session.flush()
    return row


def _refuse_published(db_session: Session, keys: list[tuple[str, dt.date]]) -> None:
    if not keys:
        return
    existing = db_session.execute(
        select(ExchangeRate.currency, ExchangeRate.effective_date).where(
            tuple_(ExchangeRate.currency, ExchangeRate.effective_date).in_(keys)
        )
    ).all()
    if existing:
        listed = ", ".join(f"{c} {d.isoformat()}" for c, d in existing[:10])
        raise conflict(
            f"rates are append-only and these are already published: {listed}; "
            "publish a revision with a later effective date instead",
            rule="rate-already-published",
        )


def _postings_changed(db_session: Session, currency: str, effective_date: dt.date) -> list[int]:
    """Transactions with an entry in ``currency`` whose rate a revision effective on
    ``effective_date`` would take over: dated from then to the month's end, not under a later
    revision already."""
    month_end = (effective_date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    later = ExchangeRate.__table__.alias("later")
    superseded = exists().where(
        and_(
            later.c.currency == currency,
            later.c.effective_date > effective_date,
            later.c.effective_date <= JournalEntry.value_date,
        )
    )
    rows = db_session.execute(
        select(JournalEntry.transaction_id)
        .where(
            JournalEntry.currency == currency,
            JournalEntry.value_date >= effective_date,
            JournalEntry.value_date < month_end,
            ~superseded,
        )
        .distinct()
        .order_by(JournalEntry.transaction_id)
    ).scalars()
    return list(rows)


def _refuse_changing_postings(db_session: Session, keys: list[tuple[str, dt.date]]) -> None:
    """409 ``rate-revision-changes-postings`` naming the transactions a revision would re-rate."""
    for currency, effective_date in keys:
        changed = _postings_changed(db_session, currency, effective_date)
        if changed:
            listed = ", ".join(str(t) for t in changed[:20])
            raise field_problem(
                409,
                "effective_date",
                f"a {currency} rate effective {effective_date} would change the rate of "
                f"{len(changed)} transaction(s) already posted ({listed}); reverse them "
                "through their records first, then publish the revision and record them again",
                rule="rate-revision-changes-postings",
                currency=currency,
                transaction_ids=changed[:100],
            )


def load_csv(*, db_session: Session, text: str) -> list[ExchangeRate]:
    """All rows or none: every malformed line is reported with its line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if reader.fieldnames is None or tuple(f.strip() for f in reader.fieldnames) != CSV_COLUMNS:
        raise field_problem(
            422,
            "header",
            f"the first line must be exactly {','.join(CSV_COLUMNS)}",
            rule="rates-csv-header",
        )
    errors: list[FieldError] = []
    parsed: list[tuple[str, dt.date, Decimal]] = []
    seen: set[tuple[str, dt.date]] = set()
    for number, row in enumerate(reader, start=2):
        line = _parse_line(number, row, seen)
        if isinstance(line, FieldError):
            errors.append(line)
            continue
        seen.add((line[0], line[1]))
        parsed.append(line)
    if errors:
        raise ProblemError(
            422,
            f"{len(errors)} line(s) of the CSV are invalid; nothing was loaded",
            type_="rates-csv-invalid",
            errors=errors[:100],
        )
    if not parsed:
        raise field_problem(422, "body", "the CSV has no rates", rule="rates-csv-empty")
    _refuse_published(db_session, [(c, d) for c, d, _ in parsed])
    _refuse_changing_postings(db_session, [(c, d) for c, d, _ in parsed])
    rows = [ExchangeRate(currency=c, effective_date=d, rate=r) for c, d, r in parsed]
    db_session.add_all(rows)
    db_session.flush()
    return rows


def _parse_line(
    number: int, row: dict[str, str | None], seen: set[tuple[str, dt.date]]
) -> tuple[str, dt.date, Decimal] | FieldError:
    """One CSV line as (currency, effective date, rate), or what is wrong with it (the first
    thing); a currency and date ``seen`` on an earlier line is a repeat."""
    currency = (row.get("currency") or "").strip().upper()
    try:
        effective_date = dt.date.fromisoformat((row.get("effective_date") or "").strip())
    except ValueError:
        return _line_error(number, "effective_date", "is not a YYYY-MM-DD date")
    try:
        rate = Decimal((row.get("rate") or "").strip())
    except InvalidOperation:
        return _line_error(number, "rate", "is not a decimal number")
    problem = _problem_for(currency, effective_date, rate)
    if problem is not None:
        field = "rate" if problem.startswith("must") else "currency"
        return _line_error(number, field, problem)
    if (currency, effective_date) in seen:
        return _line_error(number, "effective_date", "repeats an earlier line")
    return currency, effective_date, rate


def _line_error(number: int, column: str, message: str) -> FieldError:
    return FieldError(
        field=f"line {number}.{column}", location="body", rule="rates-csv", message=message
    )


def list_rates(
    *,
    db_session: Session,
    currency: str | None,
    month: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ExchangeRate], str | None]:
    stmt = select(ExchangeRate)
    if currency is not None:
        stmt = stmt.where(ExchangeRate.currency == currency)
    if month is not None:
        start = dt.date.fromisoformat(f"{month}-01")
        end = (start + dt.timedelta(days=32)).replace(day=1)
        stmt = stmt.where(ExchangeRate.effective_date >= start, ExchangeRate.effective_date < end)
    return paginate(
        db_session,
        stmt,
        keys=[SortKey(ExchangeRate.currency), SortKey(ExchangeRate.effective_date)],
        limit=limit,
        cursor=cursor,
    )
