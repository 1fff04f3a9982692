"""One running suite (four uvicorn processes) shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.suite import ADMIN_KEY, Suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(tmp_path_factory.mktemp("e2e"))
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def admin(suite: Suite) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=suite.gateway_url,
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        timeout=20,
    ) as client:
        yield client
