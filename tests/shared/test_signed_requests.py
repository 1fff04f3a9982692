"""The gateway's signature binds the whole request, and a state-changing request is accepted
once: what is seen on the wire cannot be sent again, nor with another body or query."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from services.projects.main import create_app
from services.projects.settings import Settings
from shared.auth import sign_identity
from tests.support.clients import TEST_SECRET, identity

UNDP = {"iati_org_id": "XM-DAC-41114", "name": "UNDP", "type": "40"}


@pytest.fixture
def client(fresh_database: Callable[[str], str]) -> Iterator[TestClient]:
    settings = Settings(
        environment="test", database_url=fresh_database("projects"), identity_secret=TEST_SECRET
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _signed(method: str, path: str, *, query: str = "", body: bytes = b"") -> dict[str, str]:
    headers = sign_identity(TEST_SECRET, method, path, identity(), query=query, body=body)
    return {**headers, "Content-Type": "application/json"}


def _count(client: TestClient) -> int:
    headers = _signed("GET", "/api/v1/organisations")
    return len(client.get("/api/v1/organisations", headers=headers).json()["items"])


def test_a_replayed_post_is_refused_and_stores_nothing(client: TestClient) -> None:
    body = json.dumps(UNDP).encode()
    headers = _signed("POST", "/api/v1/organisations", body=body)
    assert client.post("/api/v1/organisations", content=body, headers=headers).status_code == 201
    replay = client.post("/api/v1/organisations", content=body, headers=headers)
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("replayed-request")
    assert _count(client) == 1


def test_a_changed_body_is_refused(client: TestClient) -> None:
    headers = _signed("POST", "/api/v1/organisations", body=json.dumps(UNDP).encode())
    other = json.dumps({**UNDP, "name": "Someone else"}).encode()
    answer = client.post("/api/v1/organisations", content=other, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("bad-signature")
    assert _count(client) == 0


@pytest.mark.parametrize(
    ("signed", "sent"),
    [
        ("limit=1", "limit=2"),  # changed
        ("limit=1", ""),  # dropped
        ("", "limit=1"),  # added
        ("limit=1&cursor=a", "cursor=a&limit=1"),  # reordered
    ],
)
def test_a_changed_query_is_refused(client: TestClient, signed: str, sent: str) -> None:
    headers = _signed("GET", "/api/v1/organisations", query=signed)
    answer = client.get(f"/api/v1/organisations?{sent}", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("bad-signature")


def test_the_signed_query_is_accepted_however_it_is_quoted(client: TestClient) -> None:
    headers = _signed("GET", "/api/v1/organisations", query="q=a b&limit=1")
    answer = client.get("/api/v1/organisations?q=a%20b&limit=1", headers=headers)
    assert answer.status_code != 401, answer.text


def test_two_posts_signed_apart_are_both_accepted(client: TestClient) -> None:
    for name in ("UNDP", "UNICEF"):
        body = json.dumps({"name": name, "type": "40"}).encode()
        headers = _signed("POST", "/api/v1/organisations", body=body)
        answer = client.post("/api/v1/organisations", content=body, headers=headers)
        assert answer.status_code == 201, answer.text
    assert _count(client) == 2


def test_a_nul_in_body_text_is_422_naming_the_field(client: TestClient) -> None:
    body = json.dumps({**UNDP, "name": "UN\x00DP"}).encode()
    answer = client.post(
        "/api/v1/organisations",
        content=body,
        headers=_signed("POST", "/api/v1/organisations", body=body),
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["location"], e["rule"]) for e in answer.json()["errors"]] == [
        ("name", "body", "no-nul")
    ]
    assert _count(client) == 0


def test_a_nul_in_a_query_parameter_is_422_naming_it(client: TestClient) -> None:
    headers = _signed("GET", "/api/v1/projects", query="q=a%00b")
    answer = client.get("/api/v1/projects?q=a%00b", headers=headers)
    assert answer.status_code == 422
    assert [(e["field"], e["location"]) for e in answer.json()["errors"]] == [("q", "query")]


def test_an_over_long_query_or_header_is_a_problem(client: TestClient) -> None:
    long_query = client.get("/api/v1/organisations?q=" + "a" * 9000)
    assert long_query.status_code == 414
    assert long_query.headers["content-type"] == "application/problem+json"
    long_header = client.get("/api/v1/organisations", headers={"X-Note": "b" * 9000})
    assert long_header.status_code == 431
    assert long_header.json()["header"] == "x-note"


@pytest.mark.parametrize("day", ["0", "1700000000", "2026-1-1", "yesterday"])
def test_a_day_in_a_query_is_written_yyyy_mm_dd(client: TestClient, day: str) -> None:
    query = f"periods_ended_by={day}&ids=1"
    headers = _signed("GET", "/api/v1/projects/batch/results", query=query)
    answer = client.get(f"/api/v1/projects/batch/results?{query}", headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "periods_ended_by"
