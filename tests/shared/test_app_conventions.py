"""What every app answers, proven on one: problems for 404/405/500, request ids, JSON logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from services.funding.main import create_app
from services.funding.settings import Settings
from shared.deps import SessionDep
from shared.routing import api_router
from tests.support.clients import TEST_SECRET, signed_client


@pytest.fixture
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    database = tmp_path_factory.mktemp("conventions") / "funding.db"
    from shared import migrations

    migrations.upgrade("funding", f"sqlite:///{database}")
    return create_app(
        Settings(
            environment="test", database_url=f"sqlite:///{database}", identity_secret=TEST_SECRET
        )
    )


def test_unknown_path_is_404_problem(app: FastAPI) -> None:
    with signed_client(app) as client:
        response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_wrong_method_is_405_problem(app: FastAPI) -> None:
    with signed_client(app) as client:
        response = client.put("/api/v1/contributors")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_unexpected_error_is_500_without_internals(app: FastAPI) -> None:
    boom = api_router()

    @boom.get("/api/v1/boom")
    def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(boom)
    with signed_client(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert response.json()["request_id"] == "boom-1"


@pytest.mark.parametrize(("sqlstate", "status"), [("40P01", 503), ("40001", 503), ("XX000", 500)])
def test_a_transaction_postgresql_gave_up_is_503_to_send_again(
    postgres_only: None,
    fresh_database: Callable[..., str],
    sqlstate: str,
    status: int,
) -> None:
    """PostgreSQL breaks a deadlock or a serialization conflict by rolling one transaction back
    (raised here for real by the server with that SQLSTATE): nothing was stored and the same
    request may be sent again, so 503 with Retry-After; any other database error stays a 500."""
    url = fresh_database("funding")
    app = create_app(Settings(environment="test", database_url=url, identity_secret=TEST_SECRET))
    conflict = api_router()

    @conflict.get("/api/v1/conflict")
    def given_up(session: SessionDep) -> None:
        session.execute(
            text(f"DO $$ BEGIN RAISE EXCEPTION 'given up' USING ERRCODE = '{sqlstate}'; END $$")
        )

    app.include_router(conflict)
    with signed_client(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/conflict")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if status == 503:
        assert response.json()["type"].endswith("concurrent-conflict")
        assert response.headers["retry-after"] == "1"


def test_request_id_is_created_when_absent_and_echoed_when_given(app: FastAPI) -> None:
    with signed_client(app) as client:
        created = client.get("/health/live")
        given = client.get("/health/live", headers={"X-Request-ID": "abc-123"})
        invalid = client.get("/health/live", headers={"X-Request-ID": "bad id with spaces"})
    assert len(created.headers["x-request-id"]) == 32
    assert given.headers["x-request-id"] == "abc-123"
    assert invalid.headers["x-request-id"] != "bad id with spaces"


def test_access_log_is_json_with_the_request_id(app: FastAPI) -> None:
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_sdgc", False))
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        with signed_client(app) as client:
            client.get("/api/v1/contributors", headers={"X-Request-ID": "log-me"})
    finally:
        handler.setStream(previous)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    access = [line for line in lines if line.get("logger") == "sdgc.access"]
    assert any(
        line["request_id"] == "log-me" and line["status"] == 200 and line["method"] == "GET"
        for line in access
    )


def test_openapi_documents_problem_answers(app: FastAPI) -> None:
    with TestClient(app) as client:
        spec = client.get("/openapi.json")
    # the document itself needs the gateway's signature like any other path
    assert spec.status_code == 401
    document = app.openapi()
    post = document["paths"]["/api/v1/contributors"]["post"]["responses"]
    for status in ("401", "403", "409", "413", "415", "422", "500"):
        assert "application/problem+json" in post[status]["content"], status
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "Problem" in document["components"]["schemas"]


def test_every_update_under_if_match_documents_its_412_and_428(app: FastAPI) -> None:
    updates = [
        (path, method, operation)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if any(p["name"].lower() == "if-match" for p in operation.get("parameters", []))
    ]
    assert updates
    for path, method, operation in updates:
        assert {"412", "428"} <= set(operation["responses"]), (method, path)
