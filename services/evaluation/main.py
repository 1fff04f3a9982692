"""The biennial evaluation tracking app (paragraph 11): ``create_app(settings=None)``.

It only assembles: settings, the backend clients and clock in the app's typed state
(:class:`services.evaluation.deps.EvaluationState`), the lifespan that closes the clients, and
the routers of :mod:`services.evaluation.api` through the shared app factory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.evaluation import api
from services.evaluation.clients import build_backends
from services.evaluation.deps import Clock, EvaluationState, utc_today
from services.evaluation.models import common_tables
from services.evaluation.settings import Settings
from shared.app import build_app


def create_app(settings: Settings | None = None, *, clock: Clock = utc_today) -> FastAPI:
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
        routers=api.routers,
        lifespan=lifespan,
    )
    app.state.evaluation = EvaluationState(settings=settings, backends=backends, clock=clock)
    return app
