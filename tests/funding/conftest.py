"""Fixtures of the voluntary-funding ledger tests: the app on a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.main import create_app
from services.funding.settings import Settings
from tests.support.clients import TEST_SECRET, signed_client


@pytest.fixture
def funding_settings(fresh_database: Callable[[str], str]) -> Settings:
    return Settings(
        environment="test",
        database_url=fresh_database("funding"),
        identity_secret=TEST_SECRET,
        projects_url="http://127.0.0.1:9",
    )


@pytest.fixture
def funding_app(funding_settings: Settings) -> FastAPI:
    return create_app(funding_settings)


@pytest.fixture
def client(funding_app: FastAPI) -> Iterator[TestClient]:
    with signed_client(funding_app) as c:
        yield c
