"""Gateway fixtures: the gateway in front of the real service apps (in-process ASGI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.main import create_app
from gateway.settings import Settings
from services.evaluation.main import create_app as create_evaluation
from services.evaluation.settings import Settings as EvaluationSettings
from services.funding.main import create_app as create_funding
from services.funding.settings import Settings as FundingSettings
from services.projects.main import create_app as create_projects
from services.projects.settings import Settings as ProjectsSettings
from shared.state import core_of
from tests.support.clients import TEST_SECRET

ADMIN_KEY = "test-admin-key-0123456789abcdef0123456789"


@pytest.fixture
def service_apps(fresh_database: Callable[[str], str]) -> Iterator[dict[str, FastAPI]]:
    common = {"environment": "test", "identity_secret": TEST_SECRET}
    apps = {
        "projects": create_projects(
            ProjectsSettings(database_url=fresh_database("projects"), **common)
        ),
        "funding": create_funding(
            FundingSettings(database_url=fresh_database("funding"), **common)
        ),
        "evaluation": create_evaluation(
            EvaluationSettings(database_url=fresh_database("evaluation"), **common)
        ),
    }
    yield apps
    # ASGITransport runs no lifespan: release the pools and the services' clients here
    apps["funding"].state.funding.registry.close()
    apps["evaluation"].state.evaluation.backends.close()
    for app in apps.values():
        core_of(app).database.dispose()


@pytest.fixture
def gateway_settings(fresh_database: Callable[[str], str]) -> Settings:
    """Time bounds far beyond what a busy machine needs (tests of a bound set their own): an
    in-process backend on a loaded machine must never look slow, down or out of time."""
    return Settings(
        environment="test",
        database_url=fresh_database("gateway"),
        identity_secret=TEST_SECRET,
        bootstrap_admin_key=ADMIN_KEY,
        request_deadline_seconds=120,
        backend_timeout_seconds=60,
        backend_connect_timeout_seconds=30,
        readiness_probe_seconds=60,
    )


@pytest.fixture
def make_gateway(
    gateway_settings: Settings, service_apps: dict[str, FastAPI]
) -> Callable[..., FastAPI]:
    def make(**overrides: object) -> FastAPI:
        settings = gateway_settings.model_copy(update=overrides)
        transports = {
            name: httpx.ASGITransport(app=app)
            for name, app in service_apps.items()
            if f"{name}_url" not in overrides
        }
        return create_app(settings, transports=transports)

    return make


@pytest.fixture
def gateway(make_gateway: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_gateway()) as client:
        yield client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}
