"""Fixtures of the voluntary-funding ledger tests: the app on a fresh database per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.main import create_app
from services.funding.settings import Settings
from tests.support.clients import TEST_SECRET, signed_client, signed_http_client


@pytest.fixture
def funding_settings(fresh_database: Callable[[str], str]) -> Settings:
    return Settings(
        environment="test",
        database_url=fresh_database("funding"),
        identity_secret=TEST_SECRET,
        projects_url="http://127.0.0.1:9",
    )


class ManualClock:
    """The app's "today", set by the test: the date rules and reports read it, never the
    machine's calendar (the scenarios are dated 2027)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.date(2027, 12, 31))


@pytest.fixture
def funding_app(funding_settings: Settings, clock: ManualClock) -> FastAPI:
    return create_app(funding_settings, clock=clock)


@pytest.fixture
def client(funding_app: FastAPI) -> Iterator[TestClient]:
    with signed_client(funding_app) as c:
        yield c


@pytest.fixture
def registry(fresh_database: Callable[[str], str]) -> Iterator[tuple[str, list[int]]]:
    """The real project registry served on loopback, with projects P-001 and P-002."""
    from services.projects.main import create_app as create_projects_app
    from services.projects.settings import Settings as ProjectsSettings
    from tests.projects.conftest import project_body
    from tests.support.server import serve_in_thread

    app = create_projects_app(
        ProjectsSettings(
            environment="test",
            database_url=fresh_database("projects"),
            identity_secret=TEST_SECRET,
        )
    )
    with serve_in_thread(app) as url, signed_http_client(url) as projects:
        ids = []
        for code in ("P-001", "P-002"):
            made = projects.post("/api/v1/projects", json=project_body(code))
            assert made.status_code == 201, made.text
            ids.append(int(made.json()["id"]))
        yield url, ids


@pytest.fixture
def rclient(
    funding_settings: Settings, registry: tuple[str, list[int]], clock: ManualClock
) -> Iterator[TestClient]:
    """A funding client whose registry is the real projects app."""
    settings = funding_settings.model_copy(update={"projects_url": registry[0]})
    with signed_client(create_app(settings, clock=clock)) as c:
        yield c
