"""Liveness, readiness and Prometheus metrics endpoints, the same in every app."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from shared.problems import ProblemError
from shared.state import core_of

logger = logging.getLogger("sdgc.health")

HEALTHY = frozenset({"ok", "closed"})  # "closed": a circuit breaker letting calls through

ReadinessCheck = Callable[[Request], Awaitable[dict[str, str]]]


def database_check(request: Request) -> Awaitable[dict[str, str]]:
    """Readiness of the app's database: a round trip on a pooled connection."""

    async def check() -> dict[str, str]:
        try:
            await run_in_threadpool(core_of(request.app).database.ping)
        except Exception as exc:
            logger.warning("database not ready: %s", type(exc).__name__)
            return {"database": "unavailable"}
        return {"database": "ok"}

    return check()


def health_router(
    registry: CollectorRegistry,
    readiness: ReadinessCheck,
    optional_checks: frozenset[str] = frozenset(),
) -> APIRouter:
    """Probes. A failing check in ``optional_checks`` degrades readiness without failing it."""
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", summary="Liveness probe")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/health/ready",
        summary="Readiness probe",
        responses={503: {"description": "A dependency is unavailable"}},
    )
    async def ready(request: Request) -> JSONResponse:
        checks = await readiness(request)
        failing = sorted(name for name, state in checks.items() if state not in HEALTHY)
        critical = [name for name in failing if name not in optional_checks]
        if critical:
            raise ProblemError(
                503,
                "not ready: " + ", ".join(critical),
                type_="not-ready",
                checks=checks,
            )
        return JSONResponse({"status": "degraded" if failing else "ok", "checks": checks})

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
