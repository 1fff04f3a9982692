"""Settings of the biennial evaluation tracking (environment prefix ``EVALUATION_``).

Cycle milestones are month-day deadlines inside the cycle year (``"MM-DD"``); the management
response is due a number of days after the final-report deadline. Defaults:

===========================  ==========  =====================================================
milestone                    default     why
===========================  ==========  =====================================================
terms of reference approved  ``03-31``   a quarter to agree the ToR with the commissioning UN
                                         entities
independent evaluator        ``05-31``   two months to procure and contract the evaluator
contracted
inception report             ``07-15``
draft report                 ``10-15``
final report                 ``11-30``   before the year's last ECOSOC-cycle reporting
management response          60 days     after the final-report deadline (UNEG practice)
===========================  ==========  =====================================================

A cycle shows *at risk* ``cycle_at_risk_days`` before its contracting deadline when its
independent evaluation is not contracted yet, and *overdue* after the deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import AppSettings


def _month_day(value: str) -> str:
    try:
        parsed = dt.date.fromisoformat(f"2027-{value}")  # a common year: no 29 February
    except ValueError:
        raise ValueError(f"{value!r} is not a month-day such as '05-31'") from None
    return parsed.strftime("%m-%d")


MonthDay = Annotated[str, AfterValidator(_month_day)]

#: UN 6-point scale (UNEG / UNDP IEO), with 0 for "unable to assess".
UN_SIX_POINT_SCALE: dict[int, str] = {
    6: "Highly satisfactory",
    5: "Satisfactory",
    4: "Moderately satisfactory",
    3: "Moderately unsatisfactory",
    2: "Unsatisfactory",
    1: "Highly unsatisfactory",
    0: "Unable to assess",
}


class Settings(AppSettings):
    app_name: ClassVar[str] = "evaluation"
    default_port: ClassVar[int] = 8003
    model_config = SettingsConfigDict(
        env_prefix="EVALUATION_", extra="ignore", populate_by_name=True
    )

    projects_url: str = "http://127.0.0.1:8001"
    projects_timeout_seconds: float = Field(default=5.0, gt=0)
    funding_url: str = "http://127.0.0.1:8002"
    funding_timeout_seconds: float = Field(default=5.0, gt=0)

    cooling_off_years: int = Field(
        default=3,
        ge=0,
        le=20,
        description="Years after an employment with an implementing partner or with the Centre "
        "ended during which the evaluator is not independent (UNEG practice); the Centre's own "
        "IATI identifier is read from its profile in the registry.",
    )

    terms_of_reference_deadline: MonthDay = "03-31"
    evaluator_contracted_deadline: MonthDay = "05-31"
    inception_deadline: MonthDay = "07-15"
    draft_report_deadline: MonthDay = "10-15"
    final_report_deadline: MonthDay = "11-30"
    management_response_days: int = Field(default=60, ge=1, le=366)
    cycle_at_risk_days: int = Field(default=60, ge=0, le=366)
    max_schedule_year: int = Field(default=2100, ge=2028)

    rating_scale: dict[int, str] = Field(
        default_factory=lambda: dict(UN_SIX_POINT_SCALE),
        description="Score → label of the criteria scale (the UN 6-point scale by default).",
    )
