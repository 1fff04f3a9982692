"""The biennial evaluation tracking app (paragraph 11): ``create_app(settings=None)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.evaluation.api import routers
from services.evaluation.clients import Backends
from services.evaluation.models import common_tables
from services.evaluation.settings import Settings
from shared.app import build_app
from shared.clients import ServiceClient

SERVICE_NAME = "evaluation"


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def build_backends(settings: Settings) -> Backends:
    secret = settings.identity_secret.get_secret_value()
    return Backends(
        projects=ServiceClient(
            "projects",
            settings.projects_url,
            secret=secret,
            caller=SERVICE_NAME,
            scopes=frozenset({"projects:read"}),
            timeout=settings.projects_timeout_seconds,
        ),
        funding=ServiceClient(
            "funding",
            settings.funding_url,
            secret=secret,
            caller=SERVICE_NAME,
            scopes=frozenset({"funding:read"}),
            timeout=settings.funding_timeout_seconds,
        ),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    backends = build_backends(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            backends.close()

    app = build_app(
        settings=settings,
        title="SDG Centre — biennial evaluation tracking",
        description="Biennial evaluation cycles from 2028, evaluations, evaluator independence, "
        "recommendations, management responses and follow-up actions.",
        common_tables=common_tables,
        routers=routers,
        lifespan=lifespan,
    )
    app.state.backends = backends
    # "Today" for every computed state (at risk, overdue, on time); tests replace it.
    app.state.clock = utc_today
    return app
