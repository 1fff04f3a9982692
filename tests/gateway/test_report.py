"""The annual report (paragraph 10) and the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import report
from shared import negotiation
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


def test_report_with_a_reports_only_key_names_the_scope_it_lacks(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    """The registry takes projects:read only: a key with reports:read alone is told so (403),
    never that a service is down; its dashboard marks the registry part forbidden."""
    _seed(gateway, admin_headers)
    issued = gateway.post(
        "/api/v1/api-keys", headers=admin_headers, json={"name": "r", "scopes": ["reports:read"]}
    ).json()
    key = {"Authorization": f"Bearer {issued['api_key']}"}
    response = gateway.get("/api/v1/reports/annual/2026", headers=key)
    assert response.status_code == 403, response.text
    assert response.json()["type"].endswith("missing-scope")
    assert response.json()["required_scopes"] == ["projects:read", "reports:read"]
    marked = gateway.get(
        "/api/v1/reports/annual/2026", params={"partial": "true"}, headers=key
    ).json()
    assert marked["complete"] is False
    assert marked["sections"]["implementation"]["status"] == "forbidden"
    assert marked["sections"]["sources_and_uses"]["status"] == "ok"
    dashboard = gateway.get("/api/v1/dashboard", headers=key)
    assert dashboard.status_code == 200
    assert dashboard.json()["projects"]["status"] == "forbidden"


def test_report_over_more_projects_than_it_reads_is_not_complete(
    gateway: TestClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Figures over part of the year's projects are not the report: 503 unless partial=true,
    then every section built on the project list is marked."""
    monkeypatch.setattr(report, "PAGE", 1)
    monkeypatch.setattr(report, "MAX_PROJECTS", 1)
    for code in ("P-001", "P-002"):
        body = project_body(code)
        assert gateway.post("/api/v1/projects", json=body, headers=admin_headers).status_code == 201
    refused = gateway.get("/api/v1/reports/annual/2026", headers=admin_headers)
    assert refused.status_code == 503
    assert refused.json()["missing_sources"] == ["projects"]
    marked = gateway.get(
        "/api/v1/reports/annual/2026", params={"partial": "true"}, headers=admin_headers
    )
    assert marked.headers["x-sdgc-partial"] == "projects"
    sections = marked.json()["sections"]
    for name in ("implementation", "sdg_contribution", "results"):
        assert sections[name]["status"] == "error" and sections[name]["data"] is None, name
        assert "more than 1 projects" in sections[name]["detail"]
    assert sections["sources_and_uses"]["status"] == "ok"


@pytest.mark.parametrize(
    ("amount", "keys", "shares"),
    [
        ("0.05", 7, ["0.01"] * 5 + ["0.00"] * 2),
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("-0.10", 3, ["-0.04", "-0.03", "-0.03"]),
        ("12.00", 1, ["12.00"]),
    ],
)
def test_spending_split_over_goals_adds_up_and_never_changes_sign(
    amount: str, keys: int, shares: list[str]
) -> None:
    split = report._split(Decimal(amount), [str(k) for k in range(keys)])
    assert [str(v) for v in split.values()] == shares
    assert sum(split.values()) == Decimal(amount)


@pytest.mark.parametrize(
    ("accept", "csv_wanted"),
    [
        ("text/csv", True),
        ("text/csv, application/json;q=0.5", True),
        ("application/json, text/csv", False),
        ("text/csv;q=0", False),
        ("application/json;q=0.2, text/*;q=0.8", True),
        ("*/*", False),
        ("", False),
        ('text/csv;profile="a,b";q=0.1, application/json;q=0.5', False),  # quoted comma
        ('text/csv;profile="a\\",b";q=0.9, application/json;q=0.5', True),  # escaped quote
        ("text/csv;q=inf, application/json", False),  # q beyond 0-1: not acceptable
        ("text/csv;q=nan, application/json;q=0.1", False),
        ("text/csv;q=2", False),
        ("text/csv ; q = 0.8 , application/json; q=0.7", True),
    ],
)
def test_csv_is_chosen_only_when_the_client_prefers_it(accept: str, csv_wanted: bool) -> None:
    assert negotiation.prefers_csv(accept) is csv_wanted


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


def test_accept_sent_as_several_lines_counts_as_one_list(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    """RFC 9110 §5.3: two Accept lines mean the same as one line joining them."""
    headers = [
        *admin_headers.items(),
        ("Accept", "application/json;q=0.1"),
        ("Accept", "text/csv"),
    ]
    response = gateway.get("/api/v1/reports/annual/2027?partial=true", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")


def test_sdg_codes_sort_numbered_targets_before_lettered_ones() -> None:
    codes = ["5.a", "17.18", "5.10", "5", "5.1", "5.c", "5.9"]
    assert sorted(codes, key=report.sdg_order) == ["5", "5.1", "5.9", "5.10", "5.a", "5.c", "17.18"]
