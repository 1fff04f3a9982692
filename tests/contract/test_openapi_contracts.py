"""schemathesis against each app's OpenAPI document: no 5xx, every answer matches its schema.

Every app runs under a real uvicorn on loopback with a migrated SQLite database; the services
a service asks over HTTP run for real too. Services are called signed like the gateway signs;
the gateway is called with an admin key and exercised through its merged document, i.e. every
public operation of the suite. Examples per operation are bounded.
"""

from __future__ import annotations

import importlib
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from shared import migrations
from tests.support.clients import TEST_SECRET, SignedRequestsAuth, identity
from tests.support.server import serve_in_thread

MAX_EXAMPLES = 6
ADMIN_KEY = "contract-admin-key-0123456789abcdef0123456789"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# What each app asks over HTTP; those run for real while it is exercised.
BACKENDS = {
    "funding": ("projects",),
    "evaluation": ("projects", "funding"),
    "gateway": ("projects", "funding", "evaluation"),
}


def _build(app_name: str, root: Path, **extra: Any) -> FastAPI:
    url = f"sqlite:///{root / f'{app_name}.db'}"
    migrations.upgrade(app_name, url)
    package = migrations.APPS[app_name]
    settings_class = importlib.import_module(f"{package}.settings").Settings
    if app_name == "gateway":
        extra.update(bootstrap_admin_key=ADMIN_KEY, rate_limit_requests=100_000)
    app_settings = settings_class(
        environment="test", database_url=url, identity_secret=TEST_SECRET, **extra
    )
    app: FastAPI = importlib.import_module(f"{package}.main").create_app(app_settings)
    return app


def _session(app_name: str) -> requests.Session:
    session = requests.Session()
    if app_name == "gateway":
        session.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
    else:
        session.auth = SignedRequestsAuth(identity())
    return session


@pytest.mark.slow
@pytest.mark.parametrize("app_name", list(migrations.APPS))
def test_every_operation_answers_within_its_contract(
    app_name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp(f"contract-{app_name}")
    failures: list[str] = []
    with ExitStack() as stack:
        served: dict[str, str] = {}
        for backend in ("projects", "funding", "evaluation"):  # each after what it asks
            if backend in BACKENDS.get(app_name, ()):
                needs = {f"{b}_url": served[b] for b in BACKENDS.get(backend, ())}
                served[backend] = stack.enter_context(
                    serve_in_thread(_build(backend, root, **needs))
                )
        urls = {f"{b}_url": served[b] for b in BACKENDS.get(app_name, ())}
        app = _build(app_name, root, **urls)
        base_url = stack.enter_context(serve_in_thread(app))
        if app_name == "gateway":
            document = httpx.get(f"{base_url}/openapi.json", timeout=30).json()
            assert "x-missing-services" not in document["info"]
        else:
            document = app.openapi()
        loaded = schemathesis.openapi.from_dict(document)
        session = stack.enter_context(_session(app_name))
        for result in loaded.get_all_operations():
            operation = result.ok()
            if operation.path.startswith(("/health", "/metrics")):
                continue

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def exercise(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)

            try:
                exercise()
            except Exception as exc:  # collect every operation's failure, then report all
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
