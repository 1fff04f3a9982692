"""Fixtures of the project registry tests: the app on a fresh database per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.projects.main import create_app
from services.projects.settings import Settings
from tests.support.clients import TEST_SECRET, signed_client

CENTRE_PREFIX = "XM-SDGCA"


@pytest.fixture
def projects_settings(fresh_database: Callable[[str], str]) -> Settings:
    return Settings(
        environment="test", database_url=fresh_database("projects"), identity_secret=TEST_SECRET
    )


@pytest.fixture
def projects_app(projects_settings: Settings) -> FastAPI:
    return create_app(projects_settings)


@pytest.fixture
def client(projects_app: FastAPI) -> Iterator[TestClient]:
    with signed_client(projects_app) as c:
        yield c


def project_body(code: str = "P-001", **overrides: Any) -> dict[str, Any]:
    """A valid project: a regional SDG data project in Kazakhstan and Kyrgyzstan."""
    body: dict[str, Any] = {
        "local_code": code,
        "title": "Regional SDG data capacity",
        "description": "Strengthening national SDG indicator reporting.",
        "dimensions": ["social"],
        "sdg_targets": ["17.18"],
        "recipient_countries": [
            {"code": "KZ", "percentage": "60"},
            {"code": "KG", "percentage": "40"},
        ],
        "planned_start": "2026-01-01",
        "planned_end": "2027-12-31",
        "planned_budget": {"amount": "500000.00", "currency": "USD"},
    }
    body.update(overrides)
    return body
