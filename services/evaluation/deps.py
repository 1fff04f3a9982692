"""The evaluation service's FastAPI dependencies: its scopes and its typed app state.

``create_app`` sets one frozen :class:`EvaluationState` (settings, backend clients, clock) on
the app; routes read it only through the ``Annotated`` dependencies below, so no router
imports another and nothing reads ``app.state`` untyped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from services.evaluation.clients import Backends, FundingLedger, ProjectRegistry
from services.evaluation.settings import Settings
from shared.auth import require_scope
from shared.types import QueryDate

READ = require_scope("evaluation:read")
WRITE = require_scope("evaluation:write")
TRACK = require_scope("evaluation:read", "reports:read")

#: "Today" for every computed state (at risk, overdue, on time); tests pass their own.
Clock = Callable[[], dt.date]


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True, slots=True)
class EvaluationState:
    """What the app holds of its own, built once in ``create_app``."""

    settings: Settings
    backends: Backends
    clock: Clock


def app_state(request: Request) -> EvaluationState:
    state: EvaluationState = request.app.state.evaluation
    return state


async def get_settings(request: Request) -> Settings:
    return app_state(request).settings


async def clock_today(request: Request) -> dt.date:
    return app_state(request).clock()


async def as_of(
    request: Request,
    today: QueryDate | None = Query(
        default=None,
        description="Compute at-risk/overdue as of this day (default: today, UTC).",
    ),
) -> dt.date:
    return today if today is not None else app_state(request).clock()


async def get_registry(request: Request) -> ProjectRegistry:
    return app_state(request).backends.registry


async def get_ledger(request: Request) -> FundingLedger:
    return app_state(request).backends.ledger


async def get_backends(request: Request) -> Backends:
    return app_state(request).backends


SettingsDep = Annotated[Settings, Depends(get_settings)]
TodayDep = Annotated[dt.date, Depends(as_of)]
ClockDep = Annotated[dt.date, Depends(clock_today)]
RegistryDep = Annotated[ProjectRegistry, Depends(get_registry)]
LedgerDep = Annotated[FundingLedger, Depends(get_ledger)]
BackendsDep = Annotated[Backends, Depends(get_backends)]
