"""Nonces of signed state-changing requests, each accepted once (replay protection).

The gateway signs every call to a service with a fresh random nonce (``shared.auth``). A
service remembers the nonce of each state-changing request (POST, PUT, PATCH, DELETE) for as
long as its signature could still be accepted, and refuses the same nonce again: a request seen
on the wire cannot be sent a second time. The store is shared by the replicas of a service:
Redis where one is configured (``<APP>_REDIS_URL``), else the service's own database (table
``identity_nonces``, whose expired rows are purged as new ones arrive).

A store that cannot answer is a 503 (the request is not run), never an accepted replay.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Protocol

import anyio.to_thread
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import Engine, Table, delete, insert
from sqlalchemy.exc import IntegrityError, OperationalError

from shared.problems import ProblemError

logger = logging.getLogger("sdgc.nonces")


class NonceStore(Protocol):
    async def first_use(self, nonce: str, *, expires_at: float) -> bool:
        """True the first time ``nonce`` is offered before ``expires_at`` (a Unix time)."""
        ...

    async def aclose(self) -> None: ...


def _store_unavailable() -> ProblemError:
    return ProblemError(
        503,
        "the service cannot check the request's nonce right now; nothing was done, send it again",
        type_="nonce-store-unavailable",
        headers={"Retry-After": "1"},
    )


class DatabaseNonceStore:
    """Nonces in the service's own database (one row each, primary key = the nonce)."""

    # Expired rows are deleted at most this often (seconds), by whichever request comes next.
    PURGE_INTERVAL = 60.0

    def __init__(self, engine: Engine, table: Table) -> None:
        self._engine = engine
        self._table = table
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def _record(self, nonce: str, expires_at: float) -> bool:
        expires = dt.datetime.fromtimestamp(expires_at, dt.UTC)
        now = time.time()
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(self._table).values(nonce=nonce, expires_at=expires))
                if self._purge_due(now):
                    stale = dt.datetime.fromtimestamp(now, dt.UTC)
                    conn.execute(delete(self._table).where(self._table.c.expires_at < stale))
        except IntegrityError:
            return False
        except OperationalError as exc:
            logger.warning("nonce store unavailable: %s", exc)
            raise _store_unavailable() from None
        return True

    def _purge_due(self, now: float) -> bool:
        with self._lock:
            if now < self._next_purge:
                return False
            self._next_purge = now + self.PURGE_INTERVAL
            return True

    async def first_use(self, nonce: str, *, expires_at: float) -> bool:
        return await anyio.to_thread.run_sync(self._record, nonce, expires_at)

    async def aclose(self) -> None:
        return None


class RedisNonceStore:
    """Nonces in Redis (``SET NX`` with the signature's remaining lifetime as expiry)."""

    def __init__(self, url: str, *, namespace: str) -> None:
        self._redis = aioredis.from_url(url)
        self._namespace = namespace

    async def first_use(self, nonce: str, *, expires_at: float) -> bool:
        ttl_ms = max(1, int((expires_at - time.time()) * 1000))
        try:
            stored = await self._redis.set(
                f"sdgc:nonce:{self._namespace}:{nonce}", b"1", nx=True, px=ttl_ms
            )
        except RedisError as exc:
            logger.warning("nonce store unavailable: %s", exc)
            raise _store_unavailable() from None
        return bool(stored)

    async def aclose(self) -> None:
        await self._redis.aclose()
