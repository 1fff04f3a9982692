"""Pledges outstanding: announced pledges not yet converted or lapsed, aged in buckets.

(Sources and uses and the per-project batch live in ``statements.py``.)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.models import Contributor, Pledge, PledgeStatus


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
        .where(Pledge.status == PledgeStatus.ANNOUNCED, Pledge.announced_on <= as_of)
        .order_by(Pledge.announced_on, Pledge.id)
    ).all()
    buckets: dict[str, dict[str, Any]] = {
        name: {"bucket": name, "count": 0, "amounts": defaultdict(Decimal)}
        for name, _, _ in BUCKETS
    }
    items = []
    for pledge, name in rows:
        age = (as_of - pledge.announced_on).days
        bucket = bucket_of(age)
        buckets[bucket]["count"] += 1
        buckets[bucket]["amounts"][pledge.currency] += pledge.amount
        items.append(
            {
                "pledge_id": pledge.id,
                "contributor_id": pledge.contributor_id,
                "contributor_name": name,
                "currency": pledge.currency,
                "amount": money(pledge.amount),
                "announced_on": pledge.announced_on.isoformat(),
                "expected_by": pledge.expected_by.isoformat() if pledge.expected_by else None,
                "age_days": age,
                "bucket": bucket,
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "buckets": [
            {
                "bucket": b["bucket"],
                "count": b["count"],
                "amounts": [
                    {"currency": c, "amount": money(v)} for c, v in sorted(b["amounts"].items())
                ],
            }
            for b in buckets.values()
        ],
        "items": items,
    }
