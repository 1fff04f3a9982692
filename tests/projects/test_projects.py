"""Projects: registration, reads for other services, batch, update, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.projects.conftest import CENTRE_PREFIX, project_body
from tests.support.clients import signed_client


def _create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/projects", json=project_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _stored_count(client: TestClient) -> int:
    return len(client.get("/api/v1/projects", params={"limit": 200}).json()["items"])


def test_project_is_created_with_identifier_from_the_centre_and_read_back(
    client: TestClient,
) -> None:
    created = client.post("/api/v1/projects", json=project_body())
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["iati_identifier"] == f"{CENTRE_PREFIX}-P-001"
    assert created.headers["location"] == f"/api/v1/projects/{project['id']}"
    assert project["status"] == "1"
    assert project["status_name"] == "Pipeline/identification"
    assert project["sdg_goals"] == ["17"]  # implied by target 17.18
    assert project["planned_budget"] == {"amount": "500000.00", "currency": "USD"}
    read = client.get(created.headers["location"])
    assert read.status_code == 200
    assert read.json() == project
    assert read.headers["etag"] == created.headers["etag"]


def test_centre_is_the_accountable_organisation_by_default(client: TestClient) -> None:
    project = _create(client)
    assert [(p["iati_org_id"], p["role"], p["role_code"]) for p in project["participants"]] == [
        (CENTRE_PREFIX, "accountable", "2")
    ]


def test_read_lists_participants_with_iati_identifiers_and_roles(client: TestClient) -> None:
    org = client.post(
        "/api/v1/organisations", json={"iati_org_id": "XM-DAC-41114", "name": "UNDP", "type": "40"}
    )
    assert org.status_code == 201, org.text
    project = _create(
        client,
        participants=[
            {"iati_org_id": "XM-DAC-41114", "role": "implementing"},
            {"organisation_id": org.json()["id"], "role": "funding"},
        ],
    )
    read = client.get(f"/api/v1/projects/{project['id']}").json()
    assert {(p["iati_org_id"], p["role"]) for p in read["participants"]} == {
        (CENTRE_PREFIX, "accountable"),
        ("XM-DAC-41114", "implementing"),
        ("XM-DAC-41114", "funding"),
    }


def test_unknown_project_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/projects/999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_batch_returns_known_projects_in_order_and_skips_unknown_ids(client: TestClient) -> None:
    first = _create(client, local_code="A")
    second = _create(client, local_code="B")
    response = client.get(
        "/api/v1/projects/batch", params={"ids": f"{second['id']},999,{first['id']}"}
    )
    assert response.status_code == 200, response.text
    assert [p["id"] for p in response.json()["items"]] == [second["id"], first["id"]]


def test_batch_is_bounded(client: TestClient) -> None:
    ids = ",".join(str(i) for i in range(1, 102))
    response = client.get("/api/v1/projects/batch", params={"ids": ids})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ids"
    assert client.get("/api/v1/projects/batch", params={"ids": "1,x"}).status_code == 422


def test_list_filters_by_country_goal_and_status(client: TestClient) -> None:
    _create(client, local_code="KZ-DATA")
    _create(
        client,
        local_code="AF-WATER",
        sdg_targets=["6.5"],
        dimensions=["environmental"],
        recipient_countries=[{"code": "AF"}],
        status="2",
    )
    by_country = client.get("/api/v1/projects", params={"country": "AF"}).json()["items"]
    assert [p["iati_identifier"] for p in by_country] == [f"{CENTRE_PREFIX}-AF-WATER"]
    by_goal = client.get("/api/v1/projects", params={"goal": "17"}).json()["items"]
    assert [p["iati_identifier"] for p in by_goal] == [f"{CENTRE_PREFIX}-KZ-DATA"]
    both = client.get("/api/v1/projects", params={"goal": "6", "status": "2", "country": "AF"})
    assert len(both.json()["items"]) == 1
    assert client.get("/api/v1/projects", params={"goal": "6", "status": "1"}).json()["items"] == []


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"sdg_targets": ["18.1"]}, "sdg_targets.0", "unknown-sdg-target"),
        (
            {
                "recipient_countries": [
                    {"code": "KZ", "percentage": "60"},
                    {"code": "KG", "percentage": "30"},
                ]
            },
            "recipient_countries",
            "shares-must-sum-to-100",
        ),
        (
            {"recipient_countries": [{"code": "DE"}]},
            "recipient_countries",
            "programme-country-required",
        ),
        (
            {"planned_start": "2027-01-01", "planned_end": "2026-01-01"},
            "planned_end",
            "end-before-start",
        ),
        (
            {"planned_budget": {"amount": "10", "currency": "XQZ"}},
            "planned_budget.currency",
            "unknown-currency",
        ),
        (
            {"recipient_countries": [{"code": "QQ"}, {"code": "KZ"}]},
            "recipient_countries.0",
            "unknown-country",
        ),
        ({"speca_groups": ["nope"]}, "speca_groups.0", "unknown-speca-group"),
        ({"dimensions": [], "sdg_targets": []}, "dimensions", "dimension-required"),
    ],
)
def test_bad_project_is_refused_naming_field_and_rule_and_nothing_is_stored(
    client: TestClient, overrides: dict[str, Any], field: str, rule: str
) -> None:
    response = client.post("/api/v1/projects", json=project_body(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert (errors[0]["field"], errors[0]["rule"]) == (field, rule)
    assert _stored_count(client) == 0


def test_every_broken_rule_is_listed_at_once(client: TestClient) -> None:
    body = project_body(sdg_targets=["18.1"], planned_start="2027-01-01", planned_end="2026-01-01")
    rules = {e["rule"] for e in client.post("/api/v1/projects", json=body).json()["errors"]}
    assert {"unknown-sdg-target", "end-before-start"} <= rules


def test_duplicate_iati_identifier_is_a_conflict_and_stores_nothing(client: TestClient) -> None:
    _create(client)
    again = client.post(
        "/api/v1/projects",
        json=project_body(iati_identifier=f"{CENTRE_PREFIX}-P-001", local_code=None, title="Other"),
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "iati_identifier"
    assert again.json()["errors"][0]["rule"] == "duplicate-iati-identifier"
    assert _stored_count(client) == 1


def test_identifier_must_carry_the_centre_prefix(client: TestClient) -> None:
    response = client.post(
        "/api/v1/projects", json=project_body(local_code=None, iati_identifier="XM-OTHER-1")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "identifier-prefix"


def test_illegal_status_change_is_refused_and_nothing_changes(client: TestClient) -> None:
    created = client.post("/api/v1/projects", json=project_body(status="2"))
    url, etag = created.headers["location"], created.headers["etag"]
    closed = client.patch(url, json={"status": "3"}, headers={"If-Match": etag})
    assert closed.status_code == 200, closed.text
    closed = client.patch(url, json={"status": "4"}, headers={"If-Match": closed.headers["etag"]})
    assert closed.status_code == 200, closed.text
    reopened = client.patch(
        url, json={"status": "2", "title": "Reopened"}, headers={"If-Match": closed.headers["etag"]}
    )
    assert reopened.status_code == 409
    assert reopened.json()["errors"][0] == {
        **reopened.json()["errors"][0],
        "field": "status",
        "rule": "illegal-status-change",
    }
    current = client.get(url).json()
    assert (current["status"], current["title"]) == ("4", "Regional SDG data capacity")


def test_update_needs_if_match_and_refuses_stale_versions(client: TestClient) -> None:
    created = client.post("/api/v1/projects", json=project_body())
    url, etag = created.headers["location"], created.headers["etag"]
    assert client.patch(url, json={"title": "New"}).status_code == 428
    updated = client.patch(
        url,
        json={
            "title": "New",
            "sdg_targets": ["17.18", "9.1"],
            "dimensions": ["economic", "social"],
        },
        headers={"If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["sdg_goals"] == ["9", "17"]
    assert client.patch(url, json={"title": "Stale"}, headers={"If-Match": etag}).status_code == 412
    assert client.get(url).json()["title"] == "New"


def test_invalid_update_changes_nothing(client: TestClient) -> None:
    created = client.post("/api/v1/projects", json=project_body())
    url, etag = created.headers["location"], created.headers["etag"]
    bad = client.patch(
        url,
        json={"title": "X", "recipient_countries": [{"code": "FR"}]},
        headers={"If-Match": etag},
    )
    assert bad.status_code == 422
    assert client.get(url).headers["etag"] == etag


def test_project_writes_are_audited(client: TestClient) -> None:
    _create(client)
    events = client.get("/api/v1/audit-events", params={"entity": "project_goals"}).json()
    assert [e["action"] for e in events["items"]] == ["create"]


def test_reader_cannot_create_projects(projects_app: FastAPI) -> None:
    with signed_client(projects_app, scopes=["projects:read"]) as reader:
        assert reader.post("/api/v1/projects", json=project_body()).status_code == 403


def test_retried_creation_with_same_idempotency_key_creates_one_project(
    client: TestClient,
) -> None:
    headers = {"Idempotency-Key": "project-p-001"}
    first = client.post("/api/v1/projects", json=project_body(), headers=headers)
    second = client.post("/api/v1/projects", json=project_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json() == second.json()
    assert _stored_count(client) == 1


def test_organisations_are_searched_by_name_and_type(client: TestClient) -> None:
    for body in (
        {"iati_org_id": "XM-DAC-41114", "name": "UNDP", "type": "40"},
        {
            "iati_org_id": "KZ-BIN-000000000001",
            "name": "Ministry of National Economy of Kazakhstan",
            "type": "10",
            "country": "KZ",
        },
    ):
        assert client.post("/api/v1/organisations", json=body).status_code == 201
    by_name = client.get("/api/v1/organisations", params={"q": "ministry"}).json()["items"]
    assert [o["iati_org_id"] for o in by_name] == ["KZ-BIN-000000000001"]
    by_type = client.get("/api/v1/organisations", params={"type": "40"}).json()["items"]
    assert [o["name"] for o in by_type] == ["UNDP"]
    bad = client.post("/api/v1/organisations", json={"name": "X", "type": "99"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "type"
    again = client.post(
        "/api/v1/organisations",
        json={"iati_org_id": "XM-DAC-41114", "name": "UNDP 2", "type": "40"},
    )
    assert again.status_code == 409


def test_openapi_document_lists_the_registry_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/projects",
        "/api/v1/projects/{project_id}",
        "/api/v1/projects/batch",
        "/api/v1/projects/facets",
        "/api/v1/iati/activities",
        "/api/v1/centre",
        "/api/v1/action-plans",
        "/api/v1/organisations",
        "/api/v1/sdg/goals",
    ):
        assert path in paths, path
    assert "application/xml" in paths["/api/v1/iati/activities"]["post"]["requestBody"]["content"]
