"""The gateway app: authentication, scopes, the routing table and (later) merged views.

``create_app(settings=None)``; backends' pooled clients are made in the lifespan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from gateway import keys, report, views
from gateway.api import routers
from gateway.clients import Backends
from gateway.models import common_tables
from gateway.openapi import MergedOpenAPI
from gateway.proxy import forward
from gateway.resilience import MemoryRateLimiter, RedisRateLimiter
from gateway.routes import RoutingTable
from gateway.security import FailedAuthentications, KeyVerifier, authenticate
from gateway.settings import Settings
from shared.app import build_app
from shared.health import database_check
from shared.routing import api_router

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def _backend_ready(name: str, client: httpx.AsyncClient, bound: float) -> tuple[str, str]:
    """A backend's readiness, probed within ``bound`` seconds as a whole (a probe that trickles
    bytes is not ready)."""
    try:
        async with asyncio.timeout(bound):
            response = await client.get("/health/ready", timeout=bound)
    except Exception:  # refused, timed out, or an answer that is not HTTP: not ready either way
        return name, "unavailable"
    return name, "ok" if response.status_code == 200 else f"not ready ({response.status_code})"


async def readiness(request: Request) -> dict[str, str]:
    backends: Backends = request.app.state.backends
    bound = request.app.state.settings.readiness_probe_seconds
    results = await asyncio.gather(
        database_check(request), *(_backend_ready(b.name, b.client, bound) for b in backends)
    )
    database, *backend_states = results
    checks: dict[str, str] = dict(database)  # type: ignore[arg-type]
    checks.update(backend_states)  # type: ignore[arg-type]
    for backend in backends:
        checks[f"{backend.name}_circuit"] = backend.breaker.state
    return checks


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        token = settings.bootstrap_admin_key
        if token is not None:

            def bootstrap() -> None:
                with app.state.database.session() as session:
                    keys.ensure_bootstrap_key(db_session=session, token=token.get_secret_value())

            await run_in_threadpool(bootstrap)
        app.state.backends = Backends.from_settings(settings, transports)
        app.state.rate_limiter = (
            RedisRateLimiter(
                settings.redis_url,
                settings.rate_limit_requests,
                settings.rate_limit_window_seconds,
            )
            if settings.redis_url
            else MemoryRateLimiter(settings.rate_limit_requests, settings.rate_limit_window_seconds)
        )
        failure_limiter = (
            RedisRateLimiter(
                settings.redis_url,
                settings.auth_failure_limit,
                settings.rate_limit_window_seconds,
            )
            if settings.redis_url
            else MemoryRateLimiter(settings.auth_failure_limit, settings.rate_limit_window_seconds)
        )
        app.state.failed_authentications = FailedAuthentications(
            failure_limiter, settings.auth_failure_limit
        )
        try:
            yield
        finally:
            await app.state.backends.aclose()
            await app.state.rate_limiter.aclose()
            await failure_limiter.aclose()

    proxy = api_router(tags=["proxy"])

    @proxy.api_route("/api/v1/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def proxy_resource(request: Request, path: str) -> Response:
        return await forward(request, "/api/v1/" + path)

    docs = api_router(tags=["operations"])
    merged_openapi = MergedOpenAPI()

    @docs.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(await merged_openapi.document(request.app))

    @docs.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="SDG Centre API")

    app = build_app(
        settings=settings,
        title="SDG Centre API",
        description="Back-office API of the United Nations Regional Centre for the Sustainable "
        "Development Goals for Central Asia and Afghanistan (Almaty).",
        common_tables=common_tables,
        routers=[*routers, views.router, report.router, docs, proxy],
        readiness=readiness,
        # A backend being down degrades the gateway (its answers say which part is missing);
        # only the gateway's own database takes it out of rotation.
        optional_checks=frozenset(
            name for backend in settings.backend_urls() for name in (backend, f"{backend}_circuit")
        ),
        signed_identity_required=False,
        lifespan=lifespan,
        audit_path="/api/v1/audit/gateway",
        auth_dependencies=[Depends(authenticate)],
        openapi_url=None,  # served by the merged document below
    )
    app.state.routing_table = RoutingTable()
    app.state.key_verifier = KeyVerifier(app.state.database, settings.api_key_cache_seconds)
    return app
