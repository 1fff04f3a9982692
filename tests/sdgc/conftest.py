"""One running suite (four uvicorn processes) per test worker, and clients on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdgc import Client
from tests.support.suite import ADMIN_KEY, Suite


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(tmp_path_factory.mktemp("sdgc-suite"))
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def client(suite: Suite) -> Iterator[Client]:
    with Client(suite.gateway_url, api_key=ADMIN_KEY) as sdgc:
        yield sdgc
