"""Authentication at the gateway: Bearer API keys → an :class:`Identity`.

Keys are verified against their SHA-256 in the gateway database (in a worker thread, never on
the event loop) and cached for a few seconds; revoking a key clears this replica's cache at
once, other replicas within the cache time.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from gateway import keys
from gateway.resilience import enforce_rate_limit
from shared.auth import Identity
from shared.db import Database
from shared.problems import ProblemError

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="sdgc"'}


class KeyVerifier:
    def __init__(self, database: Database, cache_seconds: float) -> None:
        self.database = database
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Identity | None]] = {}

    def clear(self) -> None:
        self._cache.clear()

    def _lookup(self, token: str) -> Identity | None:
        with self.database.session() as session:
            return keys.identity_for_token(db_session=session, token=token)

    async def verify(self, token: str) -> Identity | None:
        now = time.monotonic()
        digest = keys.hash_secret(token)
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        identity = await run_in_threadpool(self._lookup, token)
        if self.cache_seconds > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now + self.cache_seconds, identity)
        return identity


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


async def authenticate(request: Request) -> Identity:
    verifier: KeyVerifier = request.app.state.key_verifier
    identity = await verifier.verify(bearer_token(request))
    if identity is None:
        raise ProblemError(
            401,
            "the API key is unknown or revoked",
            type_="invalid-api-key",
            headers=_UNAUTHORIZED_HEADERS,
        )
    settings = request.app.state.settings
    await enforce_rate_limit(
        request.app.state.rate_limiter, identity.key_id, settings.rate_limit_requests
    )
    request.state.identity = identity
    return identity


Authenticated = Annotated[Identity, Depends(authenticate)]
