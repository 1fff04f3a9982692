"""Fixtures of the evaluation tests: the app on a fresh database per test, with a fixed clock.

``client`` asks the real registry, served on a socket (the Centre's profile and the projects
in scope are read over HTTP); ``evaluation_app`` and the ledger point at a port nobody listens
on unless a test serves the real app (see ``test_cross_service.py``): any unplanned backend
call is a 503.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.evaluation.main import create_app
from services.evaluation.settings import Settings
from services.projects.main import create_app as create_projects_app
from services.projects.settings import Settings as ProjectsSettings
from tests.support.clients import TEST_SECRET, signed_client, signed_http_client
from tests.support.server import serve_in_thread

NOBODY_LISTENS = "http://127.0.0.1:9"
TODAY = dt.date(2028, 1, 15)


class Clock:
    """A settable "today" for the app (``create_app(settings, clock=...)``)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def evaluation_settings(fresh_database: Callable[[str], str]) -> Settings:
    return Settings(
        environment="test",
        database_url=fresh_database("evaluation"),
        identity_secret=TEST_SECRET,
        projects_url=NOBODY_LISTENS,
        funding_url=NOBODY_LISTENS,
        projects_timeout_seconds=10.0,
        funding_timeout_seconds=10.0,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def evaluation_app(evaluation_settings: Settings, clock: Clock) -> FastAPI:
    app = create_app(evaluation_settings, clock=clock)
    return app


@pytest.fixture
def registry(fresh_database: Callable[[str], str]) -> Iterator[tuple[str, httpx.Client]]:
    """The real projects app on a real socket, plus a signed client to seed it."""
    app = create_projects_app(
        ProjectsSettings(
            environment="test",
            database_url=fresh_database("projects"),
            identity_secret=TEST_SECRET,
        )
    )
    with serve_in_thread(app) as base_url, signed_http_client(base_url) as seeder:
        yield base_url, seeder


@pytest.fixture
def client(
    evaluation_settings: Settings, clock: Clock, registry: tuple[str, httpx.Client]
) -> Iterator[TestClient]:
    """The app asking the real registry (the Centre's profile, projects in scope)."""
    base_url, _ = registry
    app = create_app(evaluation_settings.model_copy(update={"projects_url": base_url}), clock=clock)
    with signed_client(app) as c:
        yield c


# --------------------------------------------------------------------------- helpers


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def schedule(client: TestClient, through_year: int = 2030) -> list[dict[str, Any]]:
    body = created(
        client.post("/api/v1/evaluation-cycles/schedule", json={"through_year": through_year})
    )
    items: list[dict[str, Any]] = body["items"]
    return items


def evaluator(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Aigerim Sadykova",
        "employer_name": "Independent consultant",
        "employer_iati_org_id": "XM-CONSULT-1",
        "declaration_signed_on": "2027-12-01",
        "declared_interests": "None.",
        **overrides,
    }
    return created(client.post("/api/v1/evaluators", json=body))


def independent_evaluation(client: TestClient, cycle_id: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "independent_centre",
        "title": "Independent evaluation of the Centre, 2026-2027",
        "cycle_id": cycle_id,
        "commissioning_entities": ["UN DESA", "ESCAP"],
        "budget": {"amount": "120000.00", "currency": "USD"},
        **overrides,
    }
    return created(client.post("/api/v1/evaluations", json=body))


def move(
    client: TestClient, evaluation_id: int, *statuses: str, effective_on: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for status in statuses:
        payload: dict[str, Any] = {"status": status}
        if effective_on:
            payload["effective_on"] = effective_on
        body = created(
            client.post(f"/api/v1/evaluations/{evaluation_id}/transitions", json=payload)
        )
    return body


def contracted_evaluation(client: TestClient, cycle_id: int) -> dict[str, Any]:
    """An independent evaluation with an independent lead, moved to evaluator_contracted."""
    evaluation = independent_evaluation(client, cycle_id)
    lead = evaluator(client)
    created(
        client.post(
            f"/api/v1/evaluations/{evaluation['id']}/team",
            json={"evaluator_id": lead["id"], "role": "lead"},
        )
    )
    return move(client, evaluation["id"], "terms_of_reference_approved", "evaluator_contracted")


REPORT_STEPS = ("inception", "data_collection", "draft_report")
