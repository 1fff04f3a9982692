"""How the gateway survives its backends: circuit breakers, retries, deadlines, rate limits.

- A **circuit breaker** per backend opens after consecutive failures (transport errors,
  timeouts, 502/503/504) and answers 503 at once while open; one trial request is let through
  (half-open) as soon as the backend's readiness probe answers again (``Backend`` probes it while
  the circuit is open), or after the cool-down at the latest, and its outcome closes or re-opens
  the circuit. ``/health/ready`` shows each breaker's state.
- **Retries** with full-jitter exponential backoff, only for idempotent methods and for POSTs
  that carry an ``Idempotency-Key`` (a retry of those cannot create twice).
- A **deadline** per public request bounds every attempt and every backoff.
- **Rate limits** per API key: a fixed window counted in memory, or in Redis when
  ``GATEWAY_REDIS_URL`` is set so that all gateway replicas share the count; failed
  authentications per client address the same way (:class:`FailedAuthentications`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as redis_asyncio
from cachetools import TTLCache
from redis.exceptions import RedisError

from shared.problems import ProblemError

logger = logging.getLogger("sdgc.gateway.resilience")

RETRYABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})


def may_retry(method: str, has_idempotency_key: bool) -> bool:
    method = method.upper()
    return method in RETRYABLE_METHODS or (method == "POST" and has_idempotency_key)


@dataclass
class CircuitBreaker:
    """Consecutive-failure breaker: closed → open → half-open → closed/open."""

    name: str
    failure_threshold: int = 5
    reset_seconds: float = 10.0
    failures: int = 0
    opened_at: float | None = None
    trial_in_flight: bool = False
    clock: object = field(default=time.monotonic, repr=False)

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator,no-any-return]

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self._now() - self.opened_at >= self.reset_seconds:
            return "half-open"
        return "open"

    def retry_after(self) -> int:
        if self.opened_at is None:
            return 0
        return max(1, math.ceil(self.reset_seconds - (self._now() - self.opened_at)))

    def before_call(self) -> None:
        """Raise 503 while open; in half-open let exactly one trial through."""
        state = self.state
        if state == "open" or (state == "half-open" and self.trial_in_flight):
            raise ProblemError(
                503,
                f"the {self.name} service is failing; the gateway stopped calling it for now",
                type_="circuit-open",
                service=self.name,
                headers={"Retry-After": str(self.retry_after())},
            )
        if state == "half-open":
            self.trial_in_flight = True

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self.trial_in_flight = False

    def record_inconclusive(self) -> None:
        """The call ended without saying anything about the backend (cancelled, or cut short by
        the caller's own deadline): a half-open trial may be made again."""
        self.trial_in_flight = False

    def record_failure(self) -> None:
        self.trial_in_flight = False
        self.failures += 1
        if self.opened_at is not None or self.failures >= self.failure_threshold:
            self.opened_at = self._now()

    def record_reachable(self) -> None:
        """The backend answered its readiness probe: an open circuit goes half-open at once, so
        the next call is the trial (recovery after a restart need not wait out the cool-down)."""
        if self.opened_at is not None and self.state == "open":
            self.opened_at = self._now() - self.reset_seconds


def backoff_delay(attempt: int, base: float = 0.05, cap: float = 1.0) -> float:
    """Full-jitter exponential backoff for retry number ``attempt`` (1-based)."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))  # noqa: S311


@dataclass
class Deadline:
    """The time left for one public request, shared by all its backend calls."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    async def sleep(self, delay: float) -> bool:
        """Sleep ``delay`` if the deadline allows it; False when it does not."""
        if delay >= self.remaining():
            return False
        await asyncio.sleep(delay)
        return True


class RateLimiter(Protocol):
    async def hit(self, key: str) -> tuple[bool, int]:
        """Count one request for ``key``: (allowed, seconds until the window resets)."""
        ...

    async def aclose(self) -> None: ...


class MemoryRateLimiter:
    """Fixed-window counter per key in this process (one gateway replica)."""

    def __init__(
        self, limit: int, window_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._counts: dict[tuple[str, int], int] = {}

    async def hit(self, key: str) -> tuple[bool, int]:
        now = self.clock()
        window = int(now // self.window)
        if len(self._counts) > 50_000:
            self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
        count = self._counts.get((key, window), 0) + 1
        self._counts[(key, window)] = count
        reset = max(1, math.ceil((window + 1) * self.window - now))
        return count <= self.limit, reset

    async def aclose(self) -> None:
        return None


class RedisRateLimiter:
    """Fixed-window counter per key in Redis, shared by every gateway replica."""

    def __init__(self, url: str, limit: int, window_seconds: int) -> None:
        self.client = redis_asyncio.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.limit = limit
        self.window = window_seconds
        # If Redis fails, limit per replica rather than not at all (or refusing everyone).
        self.fallback = MemoryRateLimiter(limit, window_seconds)

    async def hit(self, key: str) -> tuple[bool, int]:
        try:
            return await self._hit(key)
        except (RedisError, OSError) as exc:
            logger.warning("rate-limit store unavailable (%s); counting locally", exc)
            return await self.fallback.hit(key)

    async def _hit(self, key: str) -> tuple[bool, int]:
        now = time.time()
        window = int(now // self.window)
        redis_key = f"sdgc:ratelimit:{key}:{window}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, self.window + 1)
            count, _ = await pipe.execute()
        reset = max(1, math.ceil((window + 1) * self.window - now))
        return int(count) <= self.limit, reset

    async def aclose(self) -> None:
        await self.client.aclose()


async def enforce_rate_limit(limiter: RateLimiter, key_id: str, limit: int) -> None:
    allowed, reset = await limiter.hit(key_id)
    if not allowed:
        raise ProblemError(
            429,
            f"rate limit of {limit} requests per window exceeded for this API key",
            type_="rate-limited",
            headers={"Retry-After": str(reset)},
            retry_after_seconds=reset,
        )


class FailedAuthentications:
    """Counts failed authentications per client address and blocks an address over the limit
    until its window ends (counted in the shared limiter, blocked locally)."""

    def __init__(self, limiter: RateLimiter, limit: int) -> None:
        self.limiter = limiter
        self.limit = limit
        self._blocked: TTLCache[str, float] = TTLCache(10_000, 3600, timer=time.monotonic)

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
