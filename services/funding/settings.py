"""Settings of the voluntary-funding ledger (environment prefix ``FUNDING_``)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import AppSettings


class Settings(AppSettings):
    app_name: ClassVar[str] = "funding"
    default_port: ClassVar[int] = 8002
    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore", populate_by_name=True)

    projects_url: str = "http://127.0.0.1:8001"
    projects_timeout_seconds: float = 5.0
    # How far ahead of today a value date may lie (allocations, expenditures, in-kind, signing,
    # conditions, manual postings); a receipt is never in the future.
    value_date_horizon_days: int = Field(default=31, ge=0, le=366)
    # The seat's country when the registry's Centre profile cannot say (paragraph 1: Almaty,
    # Kazakhstan): the only country a host_country contributor may have.
    seat_country: str = Field(default="KZ", pattern=r"^[A-Z]{2}$")
    # A fixed "today" for end-to-end tests and demonstrations that record a scenario in
    # another year (FUNDING_TODAY); refused in production, where today is the calendar's.
    today: dt.date | None = None

    def production_problems(self) -> list[str]:
        return ["FUNDING_TODAY fixes the ledger's today"] if self.today is not None else []
