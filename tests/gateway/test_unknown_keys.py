"""Unknown keys are limited too: failed authentications per client address, and a key cache
that a flood of random tokens cannot empty."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import keys
from gateway.deps import gateway_of
from gateway.resilience import MemoryRateLimiter


def test_an_address_over_the_failure_limit_gets_429_without_lookups(
    make_gateway: Callable[..., FastAPI],
    admin_headers: dict[str, str],
) -> None:
    """Counted in a window that cannot end during the test (a clock at a window's start), with
    keys cached for longer than the test may take on a busy machine."""
    app = make_gateway(
        auth_failure_limit=5, rate_limit_window_seconds=3600, api_key_cache_seconds=3600
    )
    with TestClient(app) as gateway:
        limiter = gateway_of(app).failed_authentications.limiter
        assert isinstance(limiter, MemoryRateLimiter)
        limiter.clock = lambda: 3600.0 * 500_000
        assert gateway.get("/api/v1/projects", headers=admin_headers).status_code == 200
        lookups = []
        verifier = gateway_of(app).key_verifier
        real_lookup = verifier._lookup

        def counting_lookup(token: str) -> object:
            lookups.append(token)
            return real_lookup(token)

        verifier._lookup = counting_lookup
        statuses = []
        for _ in range(12):
            bad = {"Authorization": f"Bearer sdgc_{secrets.token_hex(8)}_{secrets.token_hex(8)}"}
            answer = gateway.get("/api/v1/projects", headers=bad)
            statuses.append(answer.status_code)
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429] * 7
        assert len(lookups) == 6  # the sixth failure is the one that blocks the address
        limited = gateway.get("/api/v1/projects", headers={"Authorization": "Bearer nope"})
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["retry-after"]) >= 1
        # a key this replica already knows still works from the blocked address
        assert gateway.get("/api/v1/projects", headers=admin_headers).status_code == 200
        # another address is not affected
        other = TestClient(app, client=("198.51.100.7", 50000))
        answer = other.get("/api/v1/projects", headers={"Authorization": "Bearer nope"})
        assert answer.status_code == 401


def test_a_flood_of_random_tokens_does_not_evict_valid_keys(
    make_gateway: Callable[..., FastAPI],
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keys, "CACHE_SIZE", 20)
    app = make_gateway(auth_failure_limit=1_000_000, api_key_cache_seconds=3600)
    with TestClient(app) as gateway:
        assert gateway.get("/api/v1/projects", headers=admin_headers).status_code == 200
        verifier = gateway_of(app).key_verifier
        admin_token = admin_headers["Authorization"].split(" ", 1)[1]
        assert verifier.cached(admin_token) is not None
        for _ in range(60):
            flood = {"Authorization": f"Bearer {secrets.token_urlsafe(24)}"}
            assert gateway.get("/api/v1/projects", headers=flood).status_code == 401
        assert verifier.cached(admin_token) is not None
        assert len(verifier._unknown) == 20
        # an unknown token is cached as unknown: asked again, no second lookup
        lookups = []
        real_lookup = verifier._lookup

        def counting_lookup(token: str) -> object:
            lookups.append(token)
            return real_lookup(token)

        verifier._lookup = counting_lookup
        for _ in range(3):
            gateway.get("/api/v1/projects", headers={"Authorization": "Bearer same-unknown"})
        assert len(lookups) == 1
