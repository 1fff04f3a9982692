"""Results framework with progress, the Centre profile with history, the action plan."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from services.projects.models import ActionPlan, ActionPlanStatus
from shared.state import core_of
from tests.projects.conftest import project_body
from tests.support.clients import signed_client

FRAMEWORK: dict[str, Any] = {
    "results": [
        {
            "type": "output",
            "title": "National statistical offices trained",
            "indicators": [
                {
                    "title": "NSO staff trained on SDG reporting",
                    "measure": "unit",
                    "sdg_indicator": "17.18.1",
                    "baseline_value": "0",
                    "baseline_year": 2024,
                    "periods": [
                        {
                            "period_start": "2025-01-01",
                            "period_end": "2025-12-31",
                            "target_value": "60",
                            "actual_value": "30",
                        },
                    ],
                },
                {
                    "title": "Share of indicators reported",
                    "measure": "percentage",
                    "baseline_value": "40",
                    "baseline_year": 2024,
                    "periods": [
                        {
                            "period_start": "2025-01-01",
                            "period_end": "2025-12-31",
                            "target_value": "80",
                            "actual_value": "70",
                        },
                    ],
                },
                {
                    "title": "Quality of reporting",
                    "measure": "qualitative",
                    "periods": [
                        {
                            "period_start": "2025-01-01",
                            "period_end": "2025-12-31",
                            "target_comment": "Good",
                            "actual_comment": "Improving",
                        }
                    ],
                },
            ],
        }
    ]
}


def _project(client: TestClient, code: str = "P-001") -> int:
    response = client.post("/api/v1/projects", json=project_body(code))
    assert response.status_code == 201, response.text
    project_id: int = response.json()["id"]
    return project_id


def test_results_framework_computes_progress_per_indicator_and_project(
    client: TestClient,
) -> None:
    url = f"/api/v1/projects/{_project(client)}/results"
    empty = client.get(url)
    assert empty.json()["results"] == [] and empty.json()["progress"] is None
    put = client.put(url, json=FRAMEWORK, headers={"If-Match": empty.headers["etag"]})
    assert put.status_code == 200, put.text
    framework = put.json()
    indicators = framework["results"][0]["indicators"]
    assert [i["progress"] for i in indicators] == ["0.5000", "0.7500", None]
    assert framework["results"][0]["progress"] == "0.6250"
    assert framework["progress"] == "0.6250"
    assert client.get(url).json() == framework


def test_results_of_many_projects_come_in_one_batch(client: TestClient) -> None:
    measured, empty = _project(client, "P-001"), _project(client, "P-002")
    url = f"/api/v1/projects/{measured}/results"
    etag = client.get(url).headers["etag"]
    assert client.put(url, json=FRAMEWORK, headers={"If-Match": etag}).status_code == 200
    batch = client.get("/api/v1/projects/batch/results", params={"ids": f"{empty},{measured},999"})
    assert batch.status_code == 200, batch.text
    items = batch.json()["items"]
    assert [(i["project_id"], i["progress"]) for i in items] == [
        (empty, None),
        (measured, "0.6250"),
    ]


def test_actual_for_a_period_that_has_not_started_is_refused(client: TestClient) -> None:
    url = f"/api/v1/projects/{_project(client)}/results"
    etag = client.get(url).headers["etag"]
    future = {
        "results": [
            {
                "type": "outcome",
                "title": "Later",
                "indicators": [
                    {
                        "title": "Count",
                        "measure": "unit",
                        "periods": [
                            {
                                "period_start": "2090-01-01",
                                "period_end": "2090-12-31",
                                "target_value": "5",
                                "actual_value": "1",
                            }
                        ],
                    }
                ],
            }
        ]
    }
    response = client.put(url, json=future, headers={"If-Match": etag})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["rule"] == "actual-before-period-start"
    assert error["field"] == "results.0.indicators.0.periods.0.actual_value"
    assert client.get(url).json()["results"] == []


def test_unknown_sdg_indicator_in_results_is_refused(client: TestClient) -> None:
    url = f"/api/v1/projects/{_project(client)}/results"
    body = {
        "results": [
            {
                "type": "impact",
                "title": "X",
                "indicators": [{"title": "Y", "measure": "unit", "sdg_indicator": "18.1.1"}],
            }
        ]
    }
    response = client.put(url, json=body, headers={"If-Match": client.get(url).headers["etag"]})
    assert response.json()["errors"][0]["rule"] == "unknown-sdg-indicator"


# ---------------------------------------------------------------------- Centre

CENTRE = {
    "name": "UN Regional Centre for the SDGs for Central Asia and Afghanistan",
    "seat_city": "Almaty",
    "seat_country": "KZ",
    "iati_org_id": "XM-SDGCA",
    "head_name": "A. Head",
    "head_appointed_on": "2026-03-01",
    "terms_of_reference": [
        {
            "title": "Terms of reference",
            "document_date": "2026-01-15",
            "effective_from": "2026-02-01",
        },
    ],
}


def test_centre_has_its_seat_in_almaty_from_the_start(client: TestClient) -> None:
    centre = client.get("/api/v1/centre").json()
    assert (centre["seat_city"], centre["seat_country"]) == ("Almaty", "KZ")
    assert centre["head_appointed_by"] == "Secretary-General of the United Nations"


def test_admin_edits_the_centre_and_history_keeps_every_version(client: TestClient) -> None:
    before = client.get("/api/v1/centre")
    assert client.put("/api/v1/centre", json=CENTRE).status_code == 428
    put = client.put("/api/v1/centre", json=CENTRE, headers={"If-Match": before.headers["etag"]})
    assert put.status_code == 200, put.text
    assert put.json()["head_name"] == "A. Head"
    assert put.json()["terms_of_reference"][0]["document_date"] == "2026-01-15"
    second = client.put(
        "/api/v1/centre",
        json={**CENTRE, "head_name": "B. Head"},
        headers={"If-Match": put.headers["etag"]},
    )
    assert second.status_code == 200
    history = client.get("/api/v1/centre/history").json()["items"]
    assert [(h["revision"], h["snapshot"]["head_name"]) for h in history] == [
        (3, "B. Head"),
        (2, "A. Head"),
        (1, None),
    ]
    assert history[0]["actor"] == "test-user"


def test_only_admins_edit_the_centre(projects_app: FastAPI) -> None:
    with signed_client(projects_app, scopes=["projects:read", "projects:write"]) as writer:
        etag = writer.get("/api/v1/centre").headers["etag"]
        response = writer.put("/api/v1/centre", json=CENTRE, headers={"If-Match": etag})
        assert response.status_code == 403


def test_new_centre_identifier_prefixes_new_projects(client: TestClient) -> None:
    etag = client.get("/api/v1/centre").headers["etag"]
    client.put(
        "/api/v1/centre", json={**CENTRE, "iati_org_id": "XM-NEW"}, headers={"If-Match": etag}
    )
    response = client.post("/api/v1/projects", json=project_body("Z1"))
    assert response.json()["iati_identifier"] == "XM-NEW-Z1"


# ---------------------------------------------------------------- action plans


def _draft(client: TestClient, project_id: int, title: str = "Action plan") -> dict[str, Any]:
    response = client.post(
        "/api/v1/action-plans",
        json={
            "title": title,
            "items": [
                {"project_id": project_id, "priority": "high", "start_year": 2026, "end_year": 2028}
            ],
        },
    )
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


def _adopt(client: TestClient, plan: dict[str, Any], on: str) -> Any:
    etag = client.get(f"/api/v1/action-plans/{plan['id']}").headers["etag"]
    return client.post(
        f"/api/v1/action-plans/{plan['id']}/adopt",
        json={"adopted_on": on},
        headers={"If-Match": etag},
    )


def test_adopting_a_new_version_supersedes_the_previous_one(client: TestClient) -> None:
    project_id = _project(client)
    first = _draft(client, project_id)
    assert first["version_number"] == 1 and first["status"] == "draft"
    assert _adopt(client, first, "2026-06-01").json()["status"] == "adopted"
    second = _draft(client, project_id, "Action plan 2027")
    adopted = _adopt(client, second, "2027-06-01")
    assert adopted.status_code == 200, adopted.text
    plans = {p["version_number"]: p for p in client.get("/api/v1/action-plans").json()["items"]}
    assert plans[1]["status"] == "superseded" and plans[1]["superseded_on"] == "2027-06-01"
    assert plans[2]["status"] == "adopted"
    listed = client.get("/api/v1/action-plans", params={"status": "adopted"}).json()["items"]
    assert [p["version_number"] for p in listed] == [2]
    in_plan = client.get("/api/v1/projects", params={"action_plan_version": 2}).json()["items"]
    assert [p["id"] for p in in_plan] == [project_id]


def test_adopted_version_cannot_be_changed_or_adopted_again(client: TestClient) -> None:
    plan = _draft(client, _project(client))
    adopted = _adopt(client, plan, "2026-06-01")
    again = _adopt(client, plan, "2026-07-01")
    assert again.status_code == 409
    assert again.json()["type"].endswith("action-plan-not-draft")
    changed = client.patch(
        f"/api/v1/action-plans/{plan['id']}",
        json={"title": "x"},
        headers={"If-Match": adopted.headers["etag"]},
    )
    assert changed.status_code == 409


def test_action_plan_item_must_point_to_a_project(client: TestClient) -> None:
    response = client.post(
        "/api/v1/action-plans",
        json={"title": "Plan", "items": [{"project_id": 99, "start_year": 2026, "end_year": 2025}]},
    )
    assert response.status_code == 422
    assert [e["rule"] for e in response.json()["errors"]] == ["unknown-project", "end-before-start"]
    assert client.get("/api/v1/action-plans").json()["items"] == []


def test_partners_consulted_are_listed_with_their_identifiers(client: TestClient) -> None:
    org = client.post(
        "/api/v1/organisations", json={"iati_org_id": "XM-DAC-41119", "name": "ESCAP", "type": "40"}
    ).json()
    plan = client.post(
        "/api/v1/action-plans", json={"title": "Plan", "partners_consulted": [org["id"]]}
    ).json()
    assert plan["partners_consulted"][0]["iati_org_id"] == "XM-DAC-41119"


def test_database_itself_refuses_a_second_adopted_version(
    client: TestClient, projects_app: FastAPI
) -> None:
    _adopt(client, _draft(client, _project(client)), "2026-06-01")
    with core_of(projects_app).database.session() as session:
        session.add(
            ActionPlan(
                version_number=9, title="Rogue", status=ActionPlanStatus.ADOPTED, is_current=True
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_the_head_cannot_be_appointed_before_terms_of_reference(client: TestClient) -> None:
    before = client.get("/api/v1/centre")
    for terms in ([], [{**CENTRE["terms_of_reference"][0], "document_date": "2026-03-02"}]):
        body = {**CENTRE, "terms_of_reference": terms}
        answer = client.put(
            "/api/v1/centre", json=body, headers={"If-Match": before.headers["etag"]}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "head_appointed_on"
        assert answer.json()["errors"][0]["rule"] == "head-appointed-before-terms-of-reference"
    after = client.get("/api/v1/centre")
    assert after.headers["etag"] == before.headers["etag"]  # nothing stored
    assert client.get("/api/v1/centre/history").json()["items"] == []
