"""The gateway's typed state — its backends, routing table, key verifier and limiters — built
in its lifespan and read through :func:`gateway_of` / :data:`GatewayStateDep` (never as untyped
``request.app.state`` attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, Request
from starlette.applications import Starlette

from gateway.clients import Backends
from gateway.keys import KeyVerifier
from gateway.resilience import (
    FailedAuthentications,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from gateway.routes import RoutingTable
from gateway.settings import Settings
from shared.db import Database


@dataclass(frozen=True, slots=True)
class GatewayState:
    settings: Settings
    backends: Backends
    routing_table: RoutingTable
    key_verifier: KeyVerifier
    rate_limiter: RateLimiter
    failed_authentications: FailedAuthentications

    @classmethod
    def build(
        cls,
        settings: Settings,
        database: Database,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None,
    ) -> GatewayState:
        window = settings.rate_limit_window_seconds
        return cls(
            settings=settings,
            backends=Backends.from_settings(settings, transports),
            routing_table=RoutingTable(),
            key_verifier=KeyVerifier(database, settings.api_key_cache_seconds),
            rate_limiter=_limiter(settings, settings.rate_limit_requests, window),
            failed_authentications=FailedAuthentications(
                _limiter(settings, settings.auth_failure_limit, window),
                settings.auth_failure_limit,
            ),
        )

    async def aclose(self) -> None:
        await self.backends.aclose()
        await self.rate_limiter.aclose()
        await self.failed_authentications.limiter.aclose()


def _limiter(settings: Settings, limit: int, window: int) -> RateLimiter:
    """Counted in Redis (shared by every replica) when configured, else in this process."""
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url, limit, window)
    return MemoryRateLimiter(limit, window)


def gateway_of(app: Starlette) -> GatewayState:
    state = app.state.gateway
    assert isinstance(state, GatewayState)
    return state


async def gateway_state(request: Request) -> GatewayState:
    return gateway_of(request.app)


GatewayStateDep = Annotated[GatewayState, Depends(gateway_state)]
