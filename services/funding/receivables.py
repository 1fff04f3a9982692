"""Contributions receivable as of a day: per contributor and agreement, each instalment due,
what was received for it by then, what is outstanding and how long overdue (aged 0-30, 31-90,
91-365, >365 days past its due date), with US dollars at the agreement's signing rate — the
rate its receivable was recognised at (IPSAS 23; year-end revaluation is not applied here).

Receipts count when dated on or before the day and not reversed by then, so the report of an
earlier day shows what was outstanding on that day. CSV cells that would start a spreadsheet
formula are defused (``defusedcsv``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from defusedcsv.csv import writer as csv_writer
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.figures import paid_by
from services.funding.models import Agreement, Contributor, Instalment
from services.funding.money import in_currency
from services.funding.rates import to_usd

ZERO = Decimal("0")
AGES = (("0-30", 0, 30), ("31-90", 31, 90), ("91-365", 91, 365), (">365", 366, None))
NOT_DUE = "not due"


def age_of(days_overdue: int | None) -> str:
    """The ageing bucket of an outstanding instalment (``not due`` before its due date)."""
    if days_overdue is None:
        return NOT_DUE
    for name, low, high in AGES:
        if days_overdue >= low and (high is None or days_overdue <= high):
            return name
    return NOT_DUE


def _instalment(row: Any, paid: Decimal, as_of: dt.date) -> dict[str, Any]:
    outstanding = max(row.Instalment.amount - paid, ZERO)
    due = row.Instalment.due_date
    overdue_days = (as_of - due).days if outstanding > 0 and due < as_of else None
    usd = to_usd(outstanding, row.Agreement.signing_rate)
    return {
        "number": row.Instalment.number,
        "due_date": due.isoformat(),
        "amount": str(in_currency(row.Instalment.amount, row.Agreement.currency)),
        "received": str(in_currency(min(paid, row.Instalment.amount), row.Agreement.currency)),
        "outstanding": str(in_currency(outstanding, row.Agreement.currency)),
        "outstanding_usd": str(journal.q2(usd)),
        "days_overdue": overdue_days,
        "age": age_of(overdue_days) if outstanding > 0 else None,
    }


def contributions_receivable(*, db_session: Session, as_of: dt.date) -> dict[str, Any]:
    """Every agreement signed by ``as_of``, its instalments and what was outstanding then."""
    rows = db_session.execute(
        select(Instalment, Agreement, Contributor.name)
        .join(Agreement, Agreement.id == Instalment.agreement_id)
        .join(Contributor, Contributor.id == Agreement.contributor_id)
        .where(Agreement.signing_rate.is_not(None), Agreement.signed_on <= as_of)
        .order_by(Contributor.name, Agreement.id, Instalment.number)
    ).all()
    paid = paid_by(db_session, [r.Instalment.id for r in rows], as_of)
    agreements: dict[int, dict[str, Any]] = {}
    by_age: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        line = _instalment(row, paid.get(row.Instalment.id, ZERO), as_of)
        item = agreements.setdefault(row.Agreement.id, _agreement(row))
        item["instalments"].append(line)
        if line["age"] is not None:
            by_age[line["age"]] += Decimal(line["outstanding_usd"])
    items = [_totals(item) for item in agreements.values()]
    ages = [*(name for name, _, _ in AGES), NOT_DUE]
    return {
        "as_of": as_of.isoformat(),
        "currency": "USD",
        "items": items,
        "outstanding_usd": str(journal.q2(sum(by_age.values(), ZERO))),
        "overdue_usd": str(journal.q2(sum((v for k, v in by_age.items() if k != NOT_DUE), ZERO))),
        "by_age": [{"age": a, "outstanding_usd": str(journal.q2(by_age[a]))} for a in ages],
    }


def _agreement(row: Any) -> dict[str, Any]:
    return {
        "contributor_id": row.Agreement.contributor_id,
        "contributor_name": row.name,
        "agreement_id": row.Agreement.id,
        "reference": row.Agreement.reference,
        "currency": row.Agreement.currency,
        "instalments": [],
    }


def _totals(item: dict[str, Any]) -> dict[str, Any]:
    lines = item["instalments"]
    overdue = [line for line in lines if line["days_overdue"] is not None]
    item["outstanding_usd"] = str(
        journal.q2(sum((Decimal(i["outstanding_usd"]) for i in lines), ZERO))
    )
    item["overdue_usd"] = str(
        journal.q2(sum((Decimal(i["outstanding_usd"]) for i in overdue), ZERO))
    )
    return item


CSV_COLUMNS = (
    "contributor",
    "agreement",
    "instalment",
    "due_date",
    "currency",
    "amount",
    "received",
    "outstanding",
    "outstanding_usd",
    "days_overdue",
    "age",
)


def contributions_receivable_csv(report: dict[str, Any]) -> str:
    """One row per instalment, then one total row per age and a grand total (US dollars)."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in report["items"]:
        for line in item["instalments"]:
            writer.writerow(
                [
                    item["contributor_name"],
                    item["reference"],
                    line["number"],
                    line["due_date"],
                    item["currency"],
                    line["amount"],
                    line["received"],
                    line["outstanding"],
                    line["outstanding_usd"],
                    "" if line["days_overdue"] is None else line["days_overdue"],
                    line["age"] or "",
                ]
            )
    for age in report["by_age"]:
        writer.writerow(["", "", "", "", "USD", "", "", "", age["outstanding_usd"], "", age["age"]])
    writer.writerow(["total", "", "", "", "USD", "", "", "", report["outstanding_usd"], "", ""])
    return out.getvalue()
