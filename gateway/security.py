"""Authentication at the gateway: Bearer API keys → an :class:`Identity`.

Keys are verified against their SHA-256 in the gateway database (in a worker thread, never on
the event loop) and cached for a few seconds; revoking a key clears this replica's cache at
once, other replicas within the cache time. Known and unknown tokens are cached apart, each an
LRU with a time to live, so a flood of random tokens only ever evicts other unknown tokens.

Failed authentications are limited per client address (``GATEWAY_AUTH_FAILURE_LIMIT`` per
rate-limit window; the address is the one uvicorn takes from ``X-Forwarded-For`` when the peer
is a trusted proxy, i.e. the Ingress): once over the limit, an address gets 429 for the rest of
the window without a database lookup, except for a key already known to this replica.
"""

from __future__ import annotations

import time
from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from gateway import keys
from gateway.resilience import RateLimiter, enforce_rate_limit
from shared.auth import Identity
from shared.db import Database
from shared.problems import ProblemError

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="sdgc"'}
CACHE_SIZE = 10_000


class KeyVerifier:
    def __init__(self, database: Database, cache_seconds: float) -> None:
        self.database = database
        self.cache_seconds = cache_seconds
        ttl = max(cache_seconds, 1e-9)
        self._known: TTLCache[str, Identity] = TTLCache(CACHE_SIZE, ttl, timer=time.monotonic)
        self._unknown: TTLCache[str, bool] = TTLCache(CACHE_SIZE, ttl, timer=time.monotonic)

    def clear(self) -> None:
        self._known.clear()
        self._unknown.clear()

    def _lookup(self, token: str) -> Identity | None:
        with self.database.session() as session:
            return keys.identity_for_token(db_session=session, token=token)

    def cached(self, token: str) -> Identity | None:
        """The identity of a key this replica verified within the cache time, if any."""
        return self._known.get(keys.hash_secret(token))

    async def verify(self, token: str) -> Identity | None:
        digest = keys.hash_secret(token)
        known = self._known.get(digest)
        if known is not None:
            return known
        if digest in self._unknown:
            return None
        identity = await run_in_threadpool(self._lookup, token)
        if self.cache_seconds > 0:
            if identity is None:
                self._unknown[digest] = True
            else:
                self._known[digest] = identity
        return identity


class FailedAuthentications:
    """Counts failed authentications per client address and blocks an address over the limit
    until its window ends (counted in the shared limiter, blocked locally)."""

    def __init__(self, limiter: RateLimiter, limit: int) -> None:
        self.limiter = limiter
        self.limit = limit
        self._blocked: TTLCache[str, float] = TTLCache(CACHE_SIZE, 3600, timer=time.monotonic)

    def check(self, address: str) -> None:
        until = self._blocked.get(address)
        if until is not None and until > time.monotonic():
            raise self._problem(max(1, round(until - time.monotonic())))

    async def record(self, address: str) -> None:
        allowed, reset = await self.limiter.hit(f"authfail:{address}")
        if not allowed:
            self._blocked[address] = time.monotonic() + reset
            raise self._problem(reset)

    def _problem(self, reset: int) -> ProblemError:
        return ProblemError(
            429,
            f"more than {self.limit} failed authentications from this address in this window",
            type_="too-many-failed-authentications",
            headers={"Retry-After": str(reset)},
            retry_after_seconds=reset,
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "send an API key as 'Authorization: Bearer <key>'",
            type_="missing-api-key",
            headers=_UNAUTHORIZED_HEADERS,
        )
    return token.strip()


async def _identify(request: Request) -> Identity:
    """The key's identity, or 401 (429 for an address with too many failures)."""
    verifier: KeyVerifier = request.app.state.key_verifier
    failures: FailedAuthentications = request.app.state.failed_authentications
    address = client_address(request)
    token = bearer_token(request)  # no key at all costs no lookup: a plain 401
    identity = verifier.cached(token)
    if identity is not None:
        return identity
    failures.check(address)
    identity = await verifier.verify(token)
    if identity is None:
        await failures.record(address)
        raise ProblemError(
            401,
            "the API key is unknown or revoked",
            type_="invalid-api-key",
            headers=_UNAUTHORIZED_HEADERS,
        )
    return identity


async def authenticate(request: Request) -> Identity:
    identity = await _identify(request)
    settings = request.app.state.settings
    await enforce_rate_limit(
        request.app.state.rate_limiter, identity.key_id, settings.rate_limit_requests
    )
    request.state.identity = identity
    return identity


Authenticated = Annotated[Identity, Depends(authenticate)]
