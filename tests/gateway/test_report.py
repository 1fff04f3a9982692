"""The annual report (paragraph 10) and the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.projects.conftest import project_body


def _seed(gateway: TestClient, admin: dict[str, str]) -> None:
    body = project_body("P-001")
    assert gateway.post("/api/v1/projects", json=body, headers=admin).status_code == 201


def test_report_without_the_ledger_is_503_naming_it(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    with TestClient(make_gateway(funding_url="http://127.0.0.1:9", retry_attempts=0)) as gw:
        _seed(gw, admin_headers)
        response = gw.get("/api/v1/reports/annual/2026", headers=admin_headers)
    assert response.status_code == 503
    assert response.json()["missing_sources"] == ["funding"]


def test_partial_report_marks_every_section_that_needs_the_missing_source(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    with TestClient(make_gateway(funding_url="http://127.0.0.1:9", retry_attempts=0)) as gw:
        _seed(gw, admin_headers)
        response = gw.get(
            "/api/v1/reports/annual/2026", params={"partial": "true"}, headers=admin_headers
        )
        as_csv = gw.get(
            "/api/v1/reports/annual/2026",
            params={"partial": "true"},
            headers={**admin_headers, "Accept": "text/csv"},
        )
    assert response.status_code == 200
    assert response.headers["x-sdgc-partial"] == "funding"
    report = response.json()
    assert report["complete"] is False and report["missing_sources"] == ["funding"]
    sections = report["sections"]
    assert sections["sources_and_uses"]["status"] == "unavailable"
    assert sections["sources_and_uses"]["data"] is None
    assert sections["sdg_contribution"]["status"] == "unavailable"
    assert sections["sdg_contribution"]["data"] is None
    assert sections["implementation"]["status"] == "ok"
    assert sections["implementation"]["data"]["projects_active"] >= 0
    assert sections["results"]["status"] == "ok"
    assert sections["evaluation"]["status"] == "ok"
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert rows[0] == ["section", "status", "field", "value"]
    assert ["report", "partial", "year", "2026"] in rows
    assert any(r[0] == "sources_and_uses" and r[1] == "unavailable" for r in rows)


def test_report_needs_the_reports_scope(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    issued = gateway.post(
        "/api/v1/api-keys",
        headers=admin_headers,
        json={"name": "reader", "scopes": ["projects:read"]},
    ).json()
    response = gateway.get(
        "/api/v1/reports/annual/2026", headers={"Authorization": f"Bearer {issued['api_key']}"}
    )
    assert response.status_code == 403


def test_report_year_is_validated(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    response = gateway.get("/api/v1/reports/annual/1900", headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"


def test_dashboard_marks_a_missing_source(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    with TestClient(make_gateway(evaluation_url="http://127.0.0.1:9", retry_attempts=0)) as gw:
        _seed(gw, admin_headers)
        response = gw.get("/api/v1/dashboard", headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["partial"] is True
    assert "evaluation" in response.headers["x-sdgc-partial"]
    assert body["projects"]["status"] == "ok" and body["projects"]["data"]["total"] == 1
    assert body["evaluation"]["status"] == "unavailable"
