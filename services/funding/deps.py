"""The funding app's own route dependencies: the scopes its routes require, who is acting, and
typed access to the state ``create_app`` builds (:class:`FundingState`: settings, the registry
client and the clock that says what day "today" is).

Routers take these from here, never from one another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from services.funding.dates import DateRules
from services.funding.registry import Registry
from services.funding.settings import Settings
from shared.auth import require_scope
from shared.types import QueryDate
from shared.uow import UnitOfWork

READ = require_scope("funding:read")
WRITE = require_scope("funding:write")
# Every report: read by the funding staff or by a reports reader (the gateway's annual report).
REPORTS = require_scope("funding:read", "reports:read")


def actor_of(uow: UnitOfWork) -> str:
    return uow.identity.actor or uow.identity.key_id


#: "Today" for the date rules and the reports' default day; tests pass their own.
Clock = Callable[[], dt.date]


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True, slots=True)
class FundingState:
    """What the funding app holds for its whole life, built once in ``create_app`` and kept on
    ``app.state.funding``."""

    settings: Settings
    registry: Registry
    clock: Clock


async def get_state(request: Request) -> FundingState:
    state: FundingState = request.app.state.funding
    return state


StateDep = Annotated[FundingState, Depends(get_state)]


async def get_registry(state: StateDep) -> Registry:
    return state.registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def clock_today(state: StateDep) -> dt.date:
    return state.clock()


ClockDep = Annotated[dt.date, Depends(clock_today)]


async def report_day(
    state: StateDep,
    as_of: QueryDate | None = Query(
        default=None, description="The day the figures are read at (default: today, UTC)."
    ),
) -> dt.date:
    return as_of if as_of is not None else state.clock()


AsOfDep = Annotated[dt.date, Depends(report_day)]


async def date_rules(state: StateDep) -> DateRules:
    return DateRules(today=state.clock(), horizon_days=state.settings.value_date_horizon_days)


DatesDep = Annotated[DateRules, Depends(date_rules)]
