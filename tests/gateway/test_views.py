"""Merged views: the project dossier and enriched project pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.projects.conftest import project_body


def _project(gateway: TestClient, admin: dict[str, str], code: str = "P-001") -> int:
    created = gateway.post("/api/v1/projects", json=project_body(code), headers=admin)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_dossier_merges_registry_funding_and_evaluation(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    project_id = _project(gateway, admin_headers)
    response = gateway.get(f"/api/v1/dossiers/projects/{project_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    dossier = response.json()
    assert dossier["project"]["id"] == project_id
    assert dossier["partial"] is False
    assert "x-sdgc-partial" not in response.headers
    assert {name: part["status"] for name, part in dossier["parts"].items()} == {
        "project": "ok",
        "funding": "ok",
        "evaluation": "ok",
    }
    assert dossier["evaluation"]["source"] == "evaluation"
    timings = _server_timing(response.headers["server-timing"])
    assert list(timings) == ["project", "funding", "evaluation"]
    assert all(ms > 0 for ms in timings.values())


def _server_timing(header: str) -> dict[str, float]:
    parsed = {}
    for metric in header.split(","):
        name, _, duration = metric.strip().partition(";dur=")
        parsed[name] = float(duration)
    return parsed


def test_enriched_page_times_each_of_its_calls(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    _project(gateway, admin_headers)
    response = gateway.get("/api/v1/dossiers/projects", headers=admin_headers)
    assert response.status_code == 200, response.text
    timed = list(_server_timing(response.headers["server-timing"]))
    assert timed[0] == "projects"  # the page first, then its two batch reads at once
    assert sorted(timed[1:]) == ["evaluation", "funding"]


def test_dossier_of_unknown_project_is_404(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    response = gateway.get("/api/v1/dossiers/projects/999", headers=admin_headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_dossier_without_evaluation_service_is_partial_and_says_why(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    with TestClient(make_gateway(evaluation_url="http://127.0.0.1:9", retry_attempts=0)) as gw:
        project_id = _project(gw, admin_headers)
        response = gw.get(f"/api/v1/dossiers/projects/{project_id}", headers=admin_headers)
    assert response.status_code == 200
    dossier = response.json()
    assert dossier["partial"] is True
    assert response.headers["x-sdgc-partial"] == "evaluation"
    assert "evaluation;dur=" in response.headers["server-timing"]
    assert dossier["evaluation"]["status"] == "unavailable"
    assert dossier["evaluation"]["data"] is None
    assert "unavailable" in dossier["evaluation"]["detail"]


def test_dossier_without_registry_is_503(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    with TestClient(make_gateway(projects_url="http://127.0.0.1:9", retry_attempts=0)) as gw:
        response = gw.get("/api/v1/dossiers/projects/1", headers=admin_headers)
    assert response.status_code == 503
    assert response.json()["service"] == "projects"


def test_dossier_marks_parts_the_key_may_not_read(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    project_id = _project(gateway, admin_headers)
    issued = gateway.post(
        "/api/v1/api-keys",
        headers=admin_headers,
        json={"name": "registry-only", "scopes": ["projects:read"]},
    ).json()
    key = {"Authorization": f"Bearer {issued['api_key']}"}
    dossier = gateway.get(f"/api/v1/dossiers/projects/{project_id}", headers=key).json()
    assert dossier["funding"]["status"] == "forbidden"
    assert dossier["evaluation"]["status"] == "forbidden"
    assert dossier["partial"] is True


def test_enriched_page_uses_one_batch_call_per_backend(
    gateway: TestClient, admin_headers: dict[str, str], service_apps: dict[str, FastAPI]
) -> None:
    ids = [_project(gateway, admin_headers, f"P-00{i}") for i in range(1, 4)]
    page = gateway.get("/api/v1/dossiers/projects", params={"limit": 2}, headers=admin_headers)
    assert page.status_code == 200, page.text
    body = page.json()
    assert [item["project"]["id"] for item in body["items"]] == ids[:2]
    assert body["next_cursor"] is not None and body["partial"] is False
    with TestClient(service_apps["evaluation"]) as evaluation:
        metrics = evaluation.get("/metrics").text
    batch_calls = [
        line
        for line in metrics.splitlines()
        if line.startswith("http_requests_total")
        and 'route="/api/v1/evaluation-tracking/projects"' in line
    ]
    assert len(batch_calls) == 1 and batch_calls[0].endswith(" 1.0")
    follow = gateway.get(
        "/api/v1/dossiers/projects",
        params={"limit": 2, "cursor": body["next_cursor"]},
        headers=admin_headers,
    ).json()
    assert [item["project"]["id"] for item in follow["items"]] == ids[2:]


def test_enriched_page_longer_than_a_batch_call_takes_is_read_in_chunks(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    """The registry pages up to 200 projects, the batch reads take 100 ids: a page of 101 is
    enriched in two chunks per backend, complete."""
    ids = [_project(gateway, admin_headers, f"P-{i:03d}") for i in range(101)]
    page = gateway.get("/api/v1/dossiers/projects", params={"limit": 101}, headers=admin_headers)
    assert page.status_code == 200, page.text
    body = page.json()
    assert "x-sdgc-partial" not in page.headers
    assert body["partial"] is False
    assert {p["status"] for p in body["parts"].values()} == {"ok"}
    assert [item["project"]["id"] for item in body["items"]] == ids
    assert sorted(_server_timing(page.headers["server-timing"]))[:4] == [
        "evaluation",
        "evaluation-1",
        "funding",
        "funding-1",
    ]


def test_enriched_page_with_bad_filters_is_the_clients_422(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    """Filters go to the registry as given; what it refuses is the client's error (422 naming
    the field), not a bad gateway."""
    cases = (({"limit": "0"}, "limit"), ({"country": "kz"}, "country"), ({"cursor": "x"}, "cursor"))
    for params, field in cases:
        response = gateway.get("/api/v1/dossiers/projects", params=params, headers=admin_headers)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field]
