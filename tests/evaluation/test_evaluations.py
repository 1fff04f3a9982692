"""Evaluators and evaluations: kinds, the status machine, independence and bad input."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.evaluation.conftest import (
    REPORT_STEPS,
    contracted_evaluation,
    created,
    evaluator,
    independent_evaluation,
    move,
    schedule,
)
from tests.support.clients import signed_client


def _count(client: TestClient, path: str) -> int:
    return len(client.get(path, params={"limit": 200}).json()["items"])


def _team(client: TestClient, evaluation_id: int, evaluator_id: int, role: str = "lead") -> Any:
    return client.post(
        f"/api/v1/evaluations/{evaluation_id}/team",
        json={"evaluator_id": evaluator_id, "role": role},
    )


# --------------------------------------------------------------------------- evaluators


def test_evaluator_is_registered_read_back_and_updated_with_if_match(client: TestClient) -> None:
    response = client.post(
        "/api/v1/evaluators",
        json={"name": "Timur Aliev", "declaration_signed_on": "2027-11-02"},
    )
    assert response.status_code == 201, response.text
    url, etag = response.headers["location"], response.headers["etag"]
    assert client.get(url).json()["declaration_signed_on"] == "2027-11-02"
    assert client.patch(url, json={"employer_name": "Firm"}).status_code == 428
    updated = client.patch(url, json={"employer_name": "Firm"}, headers={"If-Match": etag})
    assert updated.status_code == 200
    assert client.patch(url, json={"name": "X"}, headers={"If-Match": etag}).status_code == 412


def test_evaluator_with_bad_employer_identifier_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/evaluators", json={"name": "A", "employer_iati_org_id": "no spaces allowed"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "employer_iati_org_id"
    assert _count(client, "/api/v1/evaluators") == 0


# --------------------------------------------------------------------------- evaluations


def test_independent_evaluation_is_planned_in_its_cycle(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    response = client.post(
        "/api/v1/evaluations",
        json={
            "kind": "independent_centre",
            "title": "Independent evaluation 2028",
            "cycle_id": cycle["id"],
            "commissioning_entities": ["UN DESA"],
            "budget": {"amount": "95000.50", "currency": "USD"},
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "planned"
    assert body["cycle_year"] == 2028
    assert body["budget"] == {"amount": "95000.50", "currency": "USD"}
    assert body["history"] == [
        {"from_status": None, "to_status": "planned", "reason": None, "effective_on": "2028-01-15"}
    ]
    read = client.get(response.headers["location"])
    assert read.headers["etag"] == response.headers["etag"]


def test_independent_evaluation_needs_a_cycle(client: TestClient) -> None:
    response = client.post(
        "/api/v1/evaluations",
        json={"kind": "independent_centre", "title": "T", "commissioning_entities": ["ESCAP"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] | {"message": ""} == {
        "field": "cycle_id",
        "location": "body",
        "pointer": "/cycle_id",
        "rule": "cycle-required",
        "message": "",
    }
    assert _count(client, "/api/v1/evaluations") == 0


def test_unknown_cycle_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/evaluations",
        json={
            "kind": "thematic",
            "title": "T",
            "cycle_id": 77,
            "commissioning_entities": ["ESCAP"],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "unknown-cycle"


def test_second_independent_evaluation_in_a_cycle_is_a_conflict(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    first = independent_evaluation(client, cycle["id"])
    again = client.post(
        "/api/v1/evaluations",
        json={
            "kind": "independent_centre",
            "title": "Another",
            "cycle_id": cycle["id"],
            "commissioning_entities": ["ESCAP"],
        },
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:sdgc:problem:one-independent-evaluation-per-cycle"
    assert _count(client, "/api/v1/evaluations") == 1
    # once the first is cancelled, the cycle may have a new one
    client.post(
        f"/api/v1/evaluations/{first['id']}/transitions",
        json={"status": "cancelled", "reason": "procurement failed"},
    )
    assert independent_evaluation(client, cycle["id"])["status"] == "planned"


def test_project_evaluation_needs_projects_in_scope(client: TestClient) -> None:
    response = client.post(
        "/api/v1/evaluations",
        json={"kind": "project", "title": "P", "commissioning_entities": ["UNDP"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "scope-required"


def test_bad_budget_and_repeated_projects_name_their_fields(client: TestClient) -> None:
    base = {"kind": "thematic", "title": "T", "commissioning_entities": ["ESCAP"]}
    bad_currency = client.post(
        "/api/v1/evaluations", json={**base, "budget": {"amount": "10", "currency": "XYZ"}}
    )
    assert bad_currency.status_code == 422
    assert bad_currency.json()["errors"][0]["field"] == "budget.currency"
    negative = client.post(
        "/api/v1/evaluations", json={**base, "budget": {"amount": "-1", "currency": "USD"}}
    )
    assert negative.json()["errors"][0]["field"] == "budget.amount"
    repeated = client.post("/api/v1/evaluations", json={**base, "project_ids": [3, 3]})
    assert repeated.json()["errors"][0]["field"] == "project_ids"
    no_entities = client.post("/api/v1/evaluations", json={**base, "commissioning_entities": []})
    assert no_entities.json()["errors"][0]["field"] == "commissioning_entities"
    assert _count(client, "/api/v1/evaluations") == 0


def test_evaluations_are_listed_by_cycle_kind_and_status(client: TestClient) -> None:
    cycles = schedule(client)
    for cycle in cycles:
        independent_evaluation(client, cycle["id"])
    created(
        client.post(
            "/api/v1/evaluations",
            json={"kind": "thematic", "title": "Gender", "commissioning_entities": ["UN Women"]},
        )
    )
    by_cycle = client.get("/api/v1/evaluations", params={"cycle_id": cycles[1]["id"]}).json()
    assert [e["cycle_year"] for e in by_cycle["items"]] == [2030]
    thematic = client.get("/api/v1/evaluations", params={"kind": "thematic"}).json()["items"]
    assert [e["title"] for e in thematic] == ["Gender"]
    page = client.get("/api/v1/evaluations", params={"limit": 2}).json()
    rest = client.get("/api/v1/evaluations", params={"cursor": page["next_cursor"]}).json()
    assert len(page["items"]) + len(rest["items"]) == 3


# --------------------------------------------------------------------------- status machine


def test_evaluation_walks_the_whole_status_machine(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = contracted_evaluation(client, cycle["id"])
    body = move(client, evaluation["id"], *REPORT_STEPS, "final_report", "management_response")
    body = move(client, evaluation["id"], "completed")
    assert body["status"] == "completed"
    assert [h["to_status"] for h in body["history"]] == [
        "planned",
        "terms_of_reference_approved",
        "evaluator_contracted",
        "inception",
        "data_collection",
        "draft_report",
        "final_report",
        "management_response",
        "completed",
    ]


def test_skipping_a_status_is_a_409_and_changes_nothing(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    response = client.post(
        f"/api/v1/evaluations/{evaluation['id']}/transitions", json={"status": "draft_report"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:sdgc:problem:illegal-status-transition"
    assert problem["allowed"] == ["cancelled", "postponed", "terms_of_reference_approved"]
    after = client.get(f"/api/v1/evaluations/{evaluation['id']}").json()
    assert after["status"] == "planned"
    assert len(after["history"]) == 1


def test_cancelling_or_postponing_needs_a_reason(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/transitions"
    for status in ("cancelled", "postponed"):
        response = client.post(url, json={"status": status})
        assert response.status_code == 422
        assert response.json()["errors"][0] == {
            "field": "reason",
            "location": "body",
            "pointer": "/reason",
            "rule": "reason-required",
            "message": f"a reason is required to mark it {status}",
        }
    assert client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["status"] == "planned"


def test_postponed_evaluation_resumes_where_it_stopped(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    move(client, evaluation["id"], "terms_of_reference_approved")
    url = f"/api/v1/evaluations/{evaluation['id']}/transitions"
    postponed = client.post(url, json={"status": "postponed", "reason": "budget not released"})
    assert postponed.json()["status_reason"] == "budget not released"
    assert client.post(url, json={"status": "planned"}).status_code == 409
    resumed = client.post(url, json={"status": "terms_of_reference_approved"})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status_reason"] is None


def test_cancelled_evaluation_is_final(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/transitions"
    created(client.post(url, json={"status": "cancelled", "reason": "merged into 2030"}))
    response = client.post(url, json={"status": "terms_of_reference_approved"})
    assert response.status_code == 409
    assert response.json()["allowed"] == []


def test_status_dates_must_not_go_backwards(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    response = client.post(
        f"/api/v1/evaluations/{evaluation['id']}/transitions",
        json={"status": "terms_of_reference_approved", "effective_on": "2027-12-31"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "status-dates-in-order"


def test_transition_retried_with_same_idempotency_key_is_replayed(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/transitions"
    headers = {"Idempotency-Key": "tor-1"}
    body = {"status": "terms_of_reference_approved"}
    first = client.post(url, json=body, headers=headers)
    second = client.post(url, json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert len(client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["history"]) == 2


# --------------------------------------------------------------------------- independence


def test_independent_evaluation_cannot_be_contracted_without_a_lead(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    move(client, evaluation["id"], "terms_of_reference_approved")
    member = evaluator(client)
    created(_team(client, evaluation["id"], member["id"], role="member"))
    response = client.post(
        f"/api/v1/evaluations/{evaluation['id']}/transitions",
        json={"status": "evaluator_contracted"},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:sdgc:problem:independent-lead-required"
    assert client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["status"] == (
        "terms_of_reference_approved"
    )


def test_evaluator_employed_by_the_centre_is_refused(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    staff = evaluator(client, name="Centre staff", employed_by_centre=True)
    response = _team(client, evaluation["id"], staff["id"])
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:sdgc:problem:evaluator-employed-by-centre"
    assert "Centre staff is employed by the Centre" in problem["detail"]
    by_identifier = evaluator(client, name="Seconded", employer_iati_org_id="XM-SDGCA")
    assert _team(client, evaluation["id"], by_identifier["id"]).status_code == 409
    assert client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["team"] == []


def test_evaluator_without_signed_declaration_is_refused(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    unsigned = evaluator(client, declaration_signed_on=None)
    response = _team(client, evaluation["id"], unsigned["id"])
    assert response.status_code == 409
    assert response.json()["type"] == "urn:sdgc:problem:declaration-of-interests-unsigned"


def test_only_one_lead_and_no_duplicate_team_members(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    lead = evaluator(client)
    other = evaluator(client, name="Second")
    created(_team(client, evaluation["id"], lead["id"]))
    assert (
        _team(client, evaluation["id"], other["id"])
        .json()["type"]
        .endswith("single-lead-evaluator")
    )
    duplicate = _team(client, evaluation["id"], lead["id"], role="member")
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "evaluator_id"
    unknown = _team(client, evaluation["id"], 999)
    assert unknown.status_code == 422
    team = client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["team"]
    assert [(m["name"], m["role"]) for m in team] == [("Aigerim Sadykova", "lead")]


def test_scope_change_is_checked_in_the_registry_and_refused_when_it_is_down(
    evaluation_app: FastAPI,
) -> None:
    with signed_client(evaluation_app) as client:  # the registry at a port nobody listens on
        [cycle, *_] = schedule(client)
        evaluation = independent_evaluation(client, cycle["id"])
        url = f"/api/v1/evaluations/{evaluation['id']}"
        etag = client.get(url).headers["etag"]
        response = client.patch(url, json={"project_ids": [1]}, headers={"If-Match": etag})
        assert response.status_code == 503
        assert response.json()["service"] == "projects"
        assert client.get(url).json()["project_ids"] == []


def test_title_and_budget_change_with_if_match(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}"
    etag = client.get(url).headers["etag"]
    response = client.patch(
        url,
        json={"title": "Renamed", "budget": {"amount": "1000", "currency": "EUR"}},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    assert response.json()["budget"] == {"amount": "1000.00", "currency": "EUR"}
    assert client.patch(url, json={"title": "X"}, headers={"If-Match": etag}).status_code == 412


def test_read_scope_cannot_plan_evaluations(evaluation_app: FastAPI) -> None:
    with signed_client(evaluation_app, scopes=["evaluation:read"]) as reader:
        response = reader.post(
            "/api/v1/evaluations",
            json={"kind": "thematic", "title": "T", "commissioning_entities": ["ESCAP"]},
        )
        assert response.status_code == 403
        assert reader.get("/api/v1/evaluations").json()["items"] == []


def test_evaluation_writes_are_audited(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    move(client, evaluation["id"], "terms_of_reference_approved")
    events = client.get("/api/v1/audit-events", params={"entity": "evaluations"}).json()["items"]
    assert [e["action"] for e in events] == ["update", "create"]
    assert events[0]["entity_id"] == str(evaluation["id"])
    assert events[0]["after"]["status"] == "terms_of_reference_approved"
    assert events[1]["after"]["title"] == evaluation["title"]
    changes = client.get(
        "/api/v1/audit-events", params={"entity": "evaluation_status_changes"}
    ).json()["items"]
    assert [e["after"]["to_status"] for e in changes] == ["terms_of_reference_approved", "planned"]


def test_evaluation_created_once_per_idempotency_key(client: TestClient) -> None:
    body = {"kind": "thematic", "title": "Gender", "commissioning_entities": ["UN Women"]}
    headers = {"Idempotency-Key": "eval-gender-1"}
    first = client.post("/api/v1/evaluations", json=body, headers=headers)
    second = client.post("/api/v1/evaluations", json=body, headers=headers)
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert _count(client, "/api/v1/evaluations") == 1


def test_unsigned_request_is_refused(evaluation_app: FastAPI) -> None:
    with TestClient(evaluation_app) as anonymous:
        assert anonymous.get("/api/v1/evaluations").status_code == 401
