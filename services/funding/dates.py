"""Dates that cannot be (issue 12, point 2). No FastAPI here.

A value date may lie at most a configurable horizon ahead of today (``FUNDING_VALUE_DATE_
HORIZON_DAYS``, 31 by default): allocations, expenditures, in-kind contributions, signatures,
conditions met, manual postings and reversals. A receipt is never in the future: cash is
recorded when it has arrived. Money of an agreement is never dated before its signature
(receipts, conditions); money of a fund (allocations, expenditures) never before the fund was
first funded — its first agreement signed or its first cash in, whichever came first. A rate
revision that would change the rate of postings already made is refused, naming them
(``rates``). "Today" is the app's clock (``create_app(clock=…)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.funding import journal
from services.funding.models import Account, Agreement, Fund, JournalEntry, Side
from shared.problems import field_problem


@dataclass(frozen=True, slots=True)
class DateRules:
    """Today and how far ahead of it a value date may lie."""

    today: dt.date
    horizon_days: int = 31

    @property
    def latest(self) -> dt.date:
        return self.today + dt.timedelta(days=self.horizon_days)

    def within_horizon(self, value: dt.date | None, field: str) -> None:
        """422 ``value-date-beyond-horizon`` naming ``field`` when it is after the horizon."""
        if value is not None and value > self.latest:
            raise field_problem(
                422,
                field,
                f"{value} is more than {self.horizon_days} days after today ({self.today}); "
                f"the latest value date accepted is {self.latest}",
                rule="value-date-beyond-horizon",
                latest=self.latest.isoformat(),
            )

    def not_in_future(self, value: dt.date, field: str) -> None:
        """422 ``receipt-in-future`` naming ``field`` when cash is dated after today."""
        if value > self.today:
            raise field_problem(
                422,
                field,
                f"{value} is after today ({self.today}): cash is recorded once received",
                rule="receipt-in-future",
            )


def not_before_signature(value: dt.date, signed_on: dt.date | None, field: str, what: str) -> None:
    """422 ``dated-before-signature`` naming ``field`` when ``value`` precedes ``signed_on``."""
    if signed_on is not None and value < signed_on:
        raise field_problem(
            422,
            field,
            f"{value} is before {what} was signed ({signed_on})",
            rule="dated-before-signature",
            signed_on=signed_on.isoformat(),
        )


def first_funded(db_session: Session, fund: Fund) -> dt.date | None:
    """The day ``fund`` first had money: its first agreement signed or first cash in."""
    signed = db_session.execute(
        select(func.min(Agreement.signed_on)).where(Agreement.fund_id == fund.id)
    ).scalar_one_or_none()
    cash_in = db_session.execute(
        select(func.min(JournalEntry.value_date))
        .join(Account, Account.id == JournalEntry.account_id)
        .where(
            Account.fund_id == fund.id,
            Account.code == journal.CASH_UNALLOCATED,
            JournalEntry.side == Side.DEBIT,
        )
    ).scalar_one_or_none()
    found = [d for d in (signed, cash_in) if d is not None]
    return min(found) if found else None


def not_before_funding(db_session: Session, fund: Fund, value: dt.date, field: str) -> None:
    """422 ``dated-before-signature`` naming ``field`` when ``value`` precedes the day the fund
    was first funded (a fund never funded is left to the cash rule: 409 insufficient funds)."""
    first = first_funded(db_session, fund)
    if first is not None and value < first:
        raise field_problem(
            422,
            field,
            f"{value} is before fund {fund.id} ({fund.name}) was first funded ({first}: its "
            "first agreement signed or cash received)",
            rule="dated-before-signature",
            signed_on=first.isoformat(),
        )
