"""Pledges outstanding: announced pledges not yet converted or lapsed, aged in buckets, with
their US-dollar equivalent at the UN operational rate of the report date.

A pledge is disclosed, not revenue: its dollar figure is indicative, at the rate in force on
``as_of``. Where a currency has no rate for that month the dollar figures are left out for its
pledges, the totals and each bucket they touch say so (``usd_complete: false``) and
``missing_rates`` names currency and month — an incomplete total is never presented as
complete. CSV cells that would start a spreadsheet formula are defused (``defusedcsv``).

(Sources and uses and the per-project batch live in ``statements.py``.)
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from defusedcsv.csv import writer as csv_writer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.models import Contributor, Pledge, PledgeStatus
from services.funding.money import in_currency
from services.funding.rates import to_usd, usd_rate
from shared.problems import ProblemError

ZERO = Decimal("0.00")


def money(value: Decimal) -> str:
    return str(journal.q2(Decimal(value)))


# ------------------------------------------------------------------- pledges outstanding

BUCKETS = (("0-90", 0, 90), ("91-180", 91, 180), ("181-365", 181, 365), (">365", 366, None))


def bucket_of(age_days: int) -> str:
    for name, low, high in BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return name
    return BUCKETS[0][0]  # a pledge announced after as_of is not listed


def pledges_outstanding(*, db_session: Session, as_of: dt.date) -> dict[str, Any]:
    rows = db_session.execute(
        select(Pledge, Contributor.name)
        .join(Contributor, Contributor.id == Pledge.contributor_id)
        .where(
            Pledge.announced_on <= as_of,
            # outstanding then: still announced, or converted or lapsed only after that day
            or_(Pledge.status == PledgeStatus.ANNOUNCED, Pledge.settled_on > as_of),
        )
        .order_by(Pledge.announced_on, Pledge.id)
    ).all()
    buckets: dict[str, dict[str, Any]] = {
        name: {
            "bucket": name,
            "count": 0,
            "amounts": defaultdict(Decimal),
            "usd": ZERO,
            "complete": True,
        }
        for name, _, _ in BUCKETS
    }
    rates = _rates_on(db_session, {pledge.currency for pledge, _ in rows}, as_of)
    items = [_aged_item(buckets, pledge, name, as_of, rates) for pledge, name in rows]
    missing = sorted({pledge.currency for pledge, _ in rows} - set(rates))
    return {
        "as_of": as_of.isoformat(),
        "rate_month": as_of.strftime("%Y-%m"),
        "usd_complete": not missing,
        "missing_rates": [{"currency": c, "month": as_of.strftime("%Y-%m")} for c in missing],
        "total_usd": money(sum((b["usd"] for b in buckets.values()), ZERO)),
        "buckets": [
            {
                "bucket": b["bucket"],
                "count": b["count"],
                "amounts": [
                    {"currency": c, "amount": str(in_currency(v, c))}
                    for c, v in sorted(b["amounts"].items())
                ],
                "usd_equivalent": money(b["usd"]),
                "usd_complete": b["complete"],
            }
            for b in buckets.values()
        ],
        "items": items,
    }


def _aged_item(
    buckets: dict[str, dict[str, Any]],
    pledge: Pledge,
    name: str,
    as_of: dt.date,
    rates: dict[str, Decimal],
) -> dict[str, Any]:
    """The report's line of one pledge, counted into its age bucket (dollars where its
    currency has a rate, else the bucket is marked incomplete)."""
    age = (as_of - pledge.announced_on).days
    bucket = bucket_of(age)
    buckets[bucket]["count"] += 1
    buckets[bucket]["amounts"][pledge.currency] += pledge.amount
    rate = rates.get(pledge.currency)
    usd = to_usd(pledge.amount, rate) if rate is not None else None
    if usd is not None:
        buckets[bucket]["usd"] += usd
    else:
        buckets[bucket]["complete"] = False
    return {
        "pledge_id": pledge.id,
        "contributor_id": pledge.contributor_id,
        "contributor_name": name,
        "currency": pledge.currency,
        "amount": str(in_currency(pledge.amount, pledge.currency)),
        "announced_on": pledge.announced_on.isoformat(),
        "expected_by": pledge.expected_by.isoformat() if pledge.expected_by else None,
        "age_days": age,
        "bucket": bucket,
        "usd_equivalent": money(usd) if usd is not None else None,
    }


def _rates_on(db_session: Session, currencies: set[str], on: dt.date) -> dict[str, Decimal]:
    """The UN operational rate of each currency on ``on``; a currency without one is absent."""
    found: dict[str, Decimal] = {}
    for currency in sorted(currencies):
        try:
            found[currency] = usd_rate(db_session=db_session, currency=currency, on=on, field="")
        except ProblemError:
            continue
    return found


CSV_COLUMNS = (
    "pledge_id",
    "contributor_id",
    "contributor_name",
    "currency",
    "amount",
    "usd_equivalent",
    "announced_on",
    "expected_by",
    "age_days",
    "bucket",
)


_INCOMPLETE = " (incomplete: rates missing)"


def pledges_outstanding_csv(report: dict[str, Any]) -> str:
    """One row per pledge outstanding, then one total row per bucket and a grand total."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in report["items"]:
        writer.writerow(["" if item[c] is None else item[c] for c in CSV_COLUMNS])
    for bucket in report["buckets"]:
        name = bucket["bucket"]
        label = f"total {name}" + ("" if bucket["usd_complete"] else _INCOMPLETE)
        writer.writerow(["", "", label, "USD", "", bucket["usd_equivalent"], "", "", "", name])
    total = "total" + ("" if report["usd_complete"] else _INCOMPLETE)
    writer.writerow(["", "", total, "USD", "", report["total_usd"], "", "", "", ""])
    return out.getvalue()
