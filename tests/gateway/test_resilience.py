"""Circuit breakers, retries, deadlines and rate limits of the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from gateway.clients import Backend
from gateway.deps import gateway_of
from gateway.resilience import CircuitBreaker, Deadline, MemoryRateLimiter, may_retry
from shared.problems import ProblemError
from tests.gateway.conftest import ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_half_opens_after_cool_down() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("funding", failure_threshold=3, reset_seconds=10, clock=clock)
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(ProblemError) as refused:
        breaker.before_call()
    assert refused.value.status == 503 and refused.value.headers["Retry-After"] == "10"
    clock.now += 10
    assert breaker.state == "half-open"
    breaker.before_call()  # the single trial
    with pytest.raises(ProblemError):
        breaker.before_call()  # a second caller waits for the trial's outcome
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 10
    breaker.before_call()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.failures == 0


def test_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker("projects", failure_threshold=2)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


@pytest.mark.parametrize(
    ("method", "has_key", "expected"),
    [
        ("GET", False, True),
        ("DELETE", False, True),
        ("PUT", False, True),
        ("POST", False, False),
        ("POST", True, True),
        ("PATCH", True, False),
    ],
)
def test_only_idempotent_requests_are_retried(method: str, has_key: bool, expected: bool) -> None:
    assert may_retry(method, has_key) is expected


def test_memory_limiter_counts_per_key_within_a_window() -> None:
    async def scenario() -> None:
        limiter = MemoryRateLimiter(limit=2, window_seconds=60)
        assert (await limiter.hit("a"))[0] and (await limiter.hit("a"))[0]
        allowed, reset = await limiter.hit("a")
        assert not allowed and 1 <= reset <= 60
        assert (await limiter.hit("b"))[0]

    asyncio.run(scenario())


def _flaky_backend(failures: int) -> tuple[FastAPI, list[str]]:
    """A backend answering 503 to the first ``failures`` calls of each path."""
    calls: list[str] = []
    app = FastAPI()

    @app.api_route("/api/v1/{path:path}", methods=["GET", "POST"])
    async def answer(request: Request, path: str) -> JSONResponse:
        calls.append(request.method)
        if len(calls) <= failures:
            return JSONResponse({"status": 503}, status_code=503)
        return JSONResponse({"items": [], "next_cursor": None})

    return app, calls


@pytest.fixture
def flaky_gateway(
    make_gateway: Callable[..., FastAPI],
) -> Iterator[Callable[[int], tuple[TestClient, list[str]]]]:
    clients: list[TestClient] = []

    def build(failures: int) -> tuple[TestClient, list[str]]:
        app = make_gateway()
        backend, calls = _flaky_backend(failures)
        original = app.router.lifespan_context

        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def lifespan(a: FastAPI):  # type: ignore[no-untyped-def]
            async with original(a):
                transport = httpx.ASGITransport(app=backend)
                gateway_of(a).backends["funding"].transport = transport
                gateway_of(a).backends["funding"].client = httpx.AsyncClient(
                    base_url="http://funding", transport=transport
                )
                yield

        app.router.lifespan_context = lifespan
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client, calls

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def test_get_is_retried_through_transient_backend_failures(flaky_gateway) -> None:  # type: ignore[no-untyped-def]
    client, calls = flaky_gateway(2)
    response = client.get("/api/v1/contributors", headers=ADMIN)
    assert response.status_code == 200
    assert calls == ["GET", "GET", "GET"]


def test_post_without_idempotency_key_is_not_retried(flaky_gateway) -> None:  # type: ignore[no-untyped-def]
    client, calls = flaky_gateway(1)
    response = client.post("/api/v1/contributors", json={}, headers=ADMIN)
    assert response.status_code == 503
    assert calls == ["POST"]


def test_post_with_idempotency_key_is_retried(flaky_gateway) -> None:  # type: ignore[no-untyped-def]
    client, calls = flaky_gateway(1)
    response = client.post(
        "/api/v1/contributors", json={}, headers={**ADMIN, "Idempotency-Key": "retry-me"}
    )
    assert response.status_code == 200
    assert calls == ["POST", "POST"]


def test_unreachable_backend_opens_its_circuit(make_gateway: Callable[..., FastAPI]) -> None:
    app = make_gateway(
        funding_url="http://127.0.0.1:9", breaker_failure_threshold=2, retry_attempts=0
    )
    with TestClient(app) as client:
        first = client.get("/api/v1/contributors", headers=ADMIN)
        second = client.get("/api/v1/contributors", headers=ADMIN)
        third = client.get("/api/v1/contributors", headers=ADMIN)
        ready = client.get("/health/ready").json()
        other = client.get("/api/v1/evaluation-cycles", headers=ADMIN)
    assert first.json()["type"].endswith("backend-unavailable")
    assert second.status_code == 503
    assert third.status_code == 503 and third.json()["type"].endswith("circuit-open")
    assert int(third.headers["retry-after"]) >= 1
    assert ready["checks"]["funding_circuit"] == "open"
    assert ready["checks"]["projects_circuit"] == "closed"
    assert other.status_code != 503


def test_rate_limit_answers_429_with_retry_after(make_gateway: Callable[..., FastAPI]) -> None:
    app = make_gateway(rate_limit_requests=3)
    with TestClient(app) as client:
        statuses = [client.get("/api/v1/contributors", headers=ADMIN).status_code for _ in range(4)]
        limited = client.get("/api/v1/contributors", headers=ADMIN)
    assert statuses == [200, 200, 200, 429]
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1


def test_redis_rate_limit_is_shared_between_gateway_replicas(
    make_gateway: Callable[..., FastAPI],
) -> None:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Redis unreachable: {exc}")
    # Two replicas on one gateway database (so one admin key id) and one Redis.
    settings = {"rate_limit_requests": 3, "redis_url": "redis://127.0.0.1:6379/15"}
    one, two = make_gateway(**settings), make_gateway(**settings)
    with TestClient(one) as a, TestClient(two) as b:
        statuses = [c.get("/api/v1/contributors", headers=ADMIN).status_code for c in (a, b, a, b)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("deadline_seconds", [3.0, 2.0, 1.5])
def test_a_connect_timeout_counts_against_the_breaker_whatever_the_deadline(
    deadline_seconds: float,
) -> None:
    """A host that never answers the connection (firewalled) fails every attempt at the connect
    timeout, long before the request's deadline: each is a failure of the backend, so its
    circuit opens — also when the deadline is no longer than the backend's own timeout (the
    connect timeout is simulated: loopback refuses or accepts, it cannot drop a SYN)."""
    connect = 0.05

    async def unanswered(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(connect)
        raise httpx.ConnectTimeout("timed out", request=request)

    async def run() -> tuple[list[str], str]:
        breaker = CircuitBreaker("funding", failure_threshold=2, reset_seconds=30)
        backend = _simulated_backend(
            unanswered, breaker, timeout_seconds=2.0, connect_timeout_seconds=connect
        )
        types = []
        for _ in range(3):
            with pytest.raises(ProblemError) as refused:
                await backend.call(
                    "GET", "/api/v1/contributors", deadline=Deadline(deadline_seconds)
                )
            types.append(refused.value.type)
        return types, breaker.state

    types, state = asyncio.run(run())
    assert state == "open"
    assert types[-1].endswith("circuit-open")


def test_a_circuit_opened_between_retries_returns_what_the_call_saw() -> None:
    """The backend answers 503 (its own dependency down); before the retry, other calls open
    its circuit: the caller gets that 503 relayed, not a circuit-open it never ran into."""
    breaker = CircuitBreaker("funding", failure_threshold=1, reset_seconds=30)
    calls = []

    async def dependency_down(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        # Another request's failure opens the circuit while this call waits to retry (the
        # callback runs at the call's first suspension: its backoff before the retry).
        asyncio.get_running_loop().call_soon(breaker.record_failure)
        return httpx.Response(503, json={"detail": "database down"})

    backend = _simulated_backend(dependency_down, breaker)
    response = asyncio.run(backend.call("GET", "/api/v1/contributors", deadline=Deadline(5)))
    assert response.status_code == 503
    assert response.json() == {"detail": "database down"}
    assert len(calls) == 1 and breaker.state == "open"


def _simulated_backend(
    handler: Callable[[httpx.Request], Any], breaker: CircuitBreaker, **options: Any
) -> Backend:
    """A funding backend whose every attempt is answered by ``handler`` (two retries)."""
    transport = httpx.MockTransport(handler)
    return Backend(
        "funding",
        "http://funding",
        httpx.AsyncClient(transport=transport),
        breaker,
        retry_attempts=2,
        transport=transport,
        **options,
    )
