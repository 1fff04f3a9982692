"""The voluntary-funding ledger app (paragraphs 8-10): ``create_app(settings=None, *, clock=…)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.funding import api
from services.funding.deps import Clock, FundingState, utc_today
from services.funding.models import common_tables
from services.funding.registry import Registry
from services.funding.settings import Settings
from shared.app import build_app


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    fixed = settings.today
    clock = clock or ((lambda: fixed) if fixed is not None else utc_today)
    state = FundingState(settings=settings, registry=Registry.from_settings(settings), clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.registry.close()

    app = build_app(
        settings=settings,
        title="SDG Centre — voluntary-funding ledger",
        description="Contributors, pledges, agreements, contributions, exchange rates, the "
        "double-entry journal, allocations, expenditures and sources-and-uses reports.",
        common_tables=common_tables,
        routers=api.routers,
        lifespan=lifespan,
    )
    app.state.funding = state
    return app
