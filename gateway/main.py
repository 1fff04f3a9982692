"""The gateway app: authentication, scopes, the routing table, merged views, the merged
OpenAPI. ``create_app(settings=None)``; its state (backends' pooled clients, limiters, the key
cache) is made in the lifespan (``gateway.deps.GatewayState``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import fastapi_offline
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from gateway import keys, report, views
from gateway.api import routers
from gateway.deps import GatewayState, gateway_of
from gateway.models import common_tables
from gateway.openapi import MergedOpenAPI
from gateway.proxy import forward
from gateway.security import authenticate
from gateway.settings import Settings
from shared.app import build_app
from shared.health import database_check
from shared.routing import api_router
from shared.state import core_of

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Swagger UI and ReDoc from assets installed with the suite (fastapi-offline ships them), so the
# API docs work without internet.
DOCS_ASSETS = "/docs-assets"
_DOCS_ASSET_DIR = Path(fastapi_offline.__file__).parent / "static"


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
    state = gateway_of(request.app)
    bound = state.settings.readiness_probe_seconds
    results = await asyncio.gather(
        database_check(request), *(_backend_ready(b.name, b.client, bound) for b in state.backends)
    )
    database, *backend_states = results
    checks: dict[str, str] = dict(database)  # type: ignore[arg-type]
    checks.update(backend_states)  # type: ignore[arg-type]
    for backend in state.backends:
        checks[f"{backend.name}_circuit"] = backend.breaker.state
    return checks


def _lifespan(
    settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport] | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Makes the bootstrap admin key, then the gateway's state (backends' pooled clients,
    limiters, key cache); closes them on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = core_of(app).database
        token = settings.bootstrap_admin_key
        if token is not None:

            def bootstrap() -> None:
                with database.session() as session:
                    keys.ensure_bootstrap_key(db_session=session, token=token.get_secret_value())

            await run_in_threadpool(bootstrap)
        state = GatewayState.build(settings, database, transports)
        app.state.gateway = state
        try:
            yield
        finally:
            await state.aclose()

    return lifespan


def _own_routers() -> list[APIRouter]:
    """The proxy (every resource path, by the routing table) and the merged OpenAPI with its
    Swagger UI."""
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
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="SDG Centre API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @docs.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="SDG Centre API",
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    return [docs, proxy]


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    app = build_app(
        settings=settings,
        title="SDG Centre API",
        description="Back-office API of the United Nations Regional Centre for the Sustainable "
        "Development Goals for Central Asia and Afghanistan (Almaty).",
        common_tables=common_tables,
        routers=[*routers, views.router, report.router, *_own_routers()],
        readiness=readiness,
        # A backend being down degrades the gateway (its answers say which part is missing);
        # only the gateway's own database takes it out of rotation.
        optional_checks=frozenset(
            name for backend in settings.backend_urls() for name in (backend, f"{backend}_circuit")
        ),
        signed_identity_required=False,
        lifespan=_lifespan(settings, transports),
        audit_path="/api/v1/audit/gateway",
        auth_dependencies=[Depends(authenticate)],
        openapi_url=None,  # served by the merged document
    )
    app.mount(DOCS_ASSETS, StaticFiles(directory=_DOCS_ASSET_DIR), name="docs-assets")
    return app
