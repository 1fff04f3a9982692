"""Idempotency-Key under real concurrency: one record, identical answers (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from services.funding.main import create_app
from services.funding.settings import Settings
from shared.auth import SignedIdentityAuth
from tests.support.clients import TEST_SECRET, identity
from tests.support.server import serve_in_thread

BODY = {"name": "Acme Foundation", "type": "foundation"}


@pytest.mark.usefixtures("postgres_only")
def test_concurrent_duplicates_create_one_record(fresh_database: Callable[..., str]) -> None:
    app = create_app(
        Settings(
            environment="test", database_url=fresh_database("funding"), identity_secret=TEST_SECRET
        )
    )
    auth = SignedIdentityAuth(TEST_SECRET, identity())
    with (
        serve_in_thread(app) as base_url,
        httpx.Client(base_url=base_url, auth=auth, timeout=30) as client,
    ):

        def post(_: int) -> httpx.Response:
            return client.post(
                "/api/v1/contributors", json=BODY, headers={"Idempotency-Key": "same-key"}
            )

        with ThreadPoolExecutor(max_workers=16) as pool:
            responses = list(pool.map(post, range(32)))
        listing = client.get("/api/v1/contributors").json()["items"]

    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    assert sum(1 for r in responses if r.headers.get("idempotent-replayed") == "true") == 31
    assert len(listing) == 1
