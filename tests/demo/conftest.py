"""A real suite (four uvicorn processes) of its own for the demo, which needs empty databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdgc import Client
from tests.support.suite import ADMIN_KEY, Suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    running = Suite(tmp_path_factory.mktemp("demo-suite"))
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def client(suite: Suite) -> Iterator[Client]:
    with Client(suite.gateway_url, api_key=ADMIN_KEY) as sdgc:
        yield sdgc
