"""The app factory shared by the three services and the gateway.

``create_app(settings=None)`` of each app calls :func:`build_app`; nothing is built at import
time. The factory wires logging, the database, the audit listener, problem handlers, OpenAPI
problem documentation, health and metrics, and the middleware stack (outermost first):
request context, metrics, body limit, and for services the signed-identity check (with its
nonce store: Redis when configured, the app's database otherwise).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry

from shared.audit import audit_router, install_audit
from shared.db import Database
from shared.health import ReadinessCheck, database_check, health_router
from shared.logging import configure_logging
from shared.middleware import (
    BodyLimitMiddleware,
    HeadMiddleware,
    MetricsMiddleware,
    RequestContextMiddleware,
    RequestLimitsMiddleware,
    SignedIdentityMiddleware,
)
from shared.nonces import DatabaseNonceStore, NonceStore, RedisNonceStore
from shared.openapi import install_openapi
from shared.problems import install_problem_handlers
from shared.settings import AppSettings
from shared.state import AppCore, core_of
from shared.tables import CommonTables

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(
    *,
    settings: AppSettings,
    title: str,
    description: str,
    common_tables: CommonTables,
    routers: Sequence[APIRouter],
    openapi_tags: list[dict[str, str]] | None = None,
    readiness: ReadinessCheck | None = None,
    optional_checks: frozenset[str] = frozenset(),
    signed_identity_required: bool = True,
    lifespan: Lifespan | None = None,
    audit_path: str = "/api/v1/audit-events",
    auth_dependencies: Sequence[Any] = (),
    openapi_url: str | None = "/openapi.json",
) -> FastAPI:
    configure_logging(settings.app_name, settings.log_level)
    database = Database.from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    install_audit(database.sessionmaker, common_tables.audit_events)
    registry = CollectorRegistry()
    nonces: NonceStore = (
        RedisNonceStore(settings.redis_url, namespace=settings.app_name)
        if settings.redis_url
        else DatabaseNonceStore(database.engine, common_tables.identity_nonces)
    )
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=_lifespan(lifespan, nonces, database),
        openapi_tags=openapi_tags,
        openapi_url=openapi_url,
    )
    app.state.core = AppCore(
        settings=settings,
        database=database,
        common_tables=common_tables,
        metrics_registry=registry,
    )
    install_problem_handlers(app)
    install_openapi(app)
    app.include_router(
        audit_router(common_tables.audit_events, audit_path, dependencies=auth_dependencies)
    )
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(registry, readiness or database_check, optional_checks))
    _add_middleware(app, settings, nonces if signed_identity_required else None)
    return app


def _lifespan(lifespan: Lifespan | None, nonces: NonceStore, database: Database) -> Lifespan:
    """The app's own lifespan inside the one that closes what every app opens."""

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            await nonces.aclose()
            database.dispose()

    return app_lifespan


def _add_middleware(app: FastAPI, settings: AppSettings, nonces: NonceStore | None) -> None:
    """The stack, outermost last: request context, metrics, body limit and, for a service
    (``nonces`` given), the signed-identity check."""
    if nonces is not None:
        previous = settings.identity_secret_previous
        app.add_middleware(
            SignedIdentityMiddleware,
            secret=settings.identity_secret.get_secret_value(),
            max_age_seconds=settings.identity_max_age_seconds,
            nonces=nonces,
            previous_secret=previous.get_secret_value() if previous else None,
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLimitsMiddleware)
    registry = core_of(app).metrics_registry
    app.add_middleware(MetricsMiddleware, registry=registry, app_name=settings.app_name)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(RequestContextMiddleware)
