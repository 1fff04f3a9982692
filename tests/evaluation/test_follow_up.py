"""Recommendations, their one management response, key actions and computed overdue."""

from __future__ import annotations

from typing import Any

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


def reporting_evaluation(client: TestClient) -> dict[str, Any]:
    [cycle, *_] = schedule(client)
    evaluation = contracted_evaluation(client, cycle["id"])
    return move(client, evaluation["id"], *REPORT_STEPS)


def recommend(client: TestClient, evaluation_id: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "evaluation_id": evaluation_id,
        "text": "Adopt a results framework for the action plan.",
        "addressee": "head_of_centre",
        "priority": "high",
        **overrides,
    }
    return created(client.post("/api/v1/recommendations", json=body))


def respond(client: TestClient, recommendation_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/v1/recommendations/{recommendation_id}/management-response",
        json={"acceptance": "fully_accepted", **body},
    )


def action(client: TestClient, recommendation_id: int, due: str = "2029-06-30") -> dict[str, Any]:
    return created(
        client.post(
            "/api/v1/key-actions",
            json={
                "recommendation_id": recommendation_id,
                "description": "Draft the results framework",
                "responsible_unit": "Programme Unit",
                "due_date": due,
            },
        )
    )


def test_recommendations_are_numbered_and_due_by_the_cycle_deadline(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    first = recommend(client, evaluation["id"])
    second = recommend(client, evaluation["id"], addressee="governing_body", priority="low")
    assert (first["number"], second["number"]) == (1, 2)
    assert first["response_due"] == "2029-01-29"
    assert first["management_response"] is None
    assert first["implementation_status"] == "not_started"
    listed = client.get("/api/v1/recommendations", params={"evaluation_id": evaluation["id"]})
    assert [r["addressee"] for r in listed.json()["items"]] == ["head_of_centre", "governing_body"]


def test_recommendation_before_the_report_is_a_conflict(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    response = client.post(
        "/api/v1/recommendations",
        json={
            "evaluation_id": evaluation["id"],
            "text": "x",
            "addressee": "head_of_centre",
            "priority": "high",
        },
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:sdgc:problem:recommendations-need-report"
    unknown = client.post(
        "/api/v1/recommendations",
        json={"evaluation_id": 999, "text": "x", "addressee": "head_of_centre", "priority": "high"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "evaluation_id"
    bad_addressee = client.post(
        "/api/v1/recommendations",
        json={
            "evaluation_id": evaluation["id"],
            "text": "x",
            "addressee": "donors",
            "priority": "high",
        },
    )
    assert bad_addressee.json()["errors"][0]["field"] == "addressee"
    assert client.get("/api/v1/recommendations").json()["items"] == []


def test_one_management_response_per_recommendation(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    first = respond(client, recommendation["id"], responded_on="2029-01-10")
    assert first.status_code == 201, first.text
    response = first.json()["management_response"]
    assert response["acceptance"] == "fully_accepted"
    assert (response["due_date"], response["on_time"]) == ("2029-01-29", True)
    again = respond(client, recommendation["id"], acceptance="rejected", justification="x")
    assert again.status_code == 409
    assert again.json()["type"] == "urn:sdgc:problem:one-management-response"
    read = client.get(f"/api/v1/recommendations/{recommendation['id']}").json()
    assert read["management_response"]["acceptance"] == "fully_accepted"


def test_rejection_needs_a_justification(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    response = respond(client, recommendation["id"], acceptance="rejected")
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "justification-required-for-rejection"
    read = client.get(f"/api/v1/recommendations/{recommendation['id']}").json()
    assert read["management_response"] is None
    rejected = respond(
        client, recommendation["id"], acceptance="rejected", justification="Outside the mandate."
    )
    assert rejected.status_code == 201


def test_key_action_needs_an_accepted_recommendation(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    body = {
        "recommendation_id": recommendation["id"],
        "description": "x",
        "responsible_unit": "Unit",
        "due_date": "2029-03-01",
    }
    unanswered = client.post("/api/v1/key-actions", json=body)
    assert unanswered.status_code == 409
    respond(client, recommendation["id"], acceptance="rejected", justification="No.")
    rejected = client.post("/api/v1/key-actions", json=body)
    assert rejected.status_code == 409
    assert rejected.json()["type"] == "urn:sdgc:problem:key-action-needs-accepted-recommendation"
    assert client.get("/api/v1/key-actions").json()["items"] == []


def test_key_action_overdue_is_computed_from_its_due_date(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    respond(client, recommendation["id"], acceptance="partially_accepted")
    key_action = action(client, recommendation["id"], due="2029-06-30")
    url = f"/api/v1/key-actions/{key_action['id']}"
    assert client.get(url, params={"today": "2029-06-30"}).json()["overdue"] is False
    late = client.get(url, params={"today": "2029-07-10"}).json()
    assert (late["overdue"], late["days_overdue"]) == (True, 10)
    overdue = client.get("/api/v1/key-actions", params={"overdue": "true", "today": "2029-07-10"})
    assert [a["id"] for a in overdue.json()["items"]] == [key_action["id"]]


def test_key_action_moves_forward_and_closes(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    respond(client, recommendation["id"])
    key_action = action(client, recommendation["id"])
    url = f"/api/v1/key-actions/{key_action['id']}"
    etag = client.get(url).headers["etag"]
    initiated = client.patch(url, json={"status": "initiated"}, headers={"If-Match": etag})
    assert initiated.status_code == 200, initiated.text
    back = client.patch(
        url, json={"status": "not_initiated"}, headers={"If-Match": initiated.headers["etag"]}
    )
    assert back.status_code == 409
    assert back.json()["type"] == "urn:sdgc:problem:illegal-status-transition"
    done = client.patch(
        url,
        json={"status": "completed", "completed_on": "2029-05-01"},
        headers={"If-Match": initiated.headers["etag"]},
    )
    assert done.json()["completed_on"] == "2029-05-01"
    assert client.get(url, params={"today": "2030-01-01"}).json()["overdue"] is False
    closed = client.patch(
        url, json={"description": "y"}, headers={"If-Match": done.headers["etag"]}
    )
    assert closed.status_code == 409
    read = client.get(f"/api/v1/recommendations/{recommendation['id']}").json()
    assert read["implementation_status"] == "implemented"
    assert [a["number"] for a in read["key_actions"]] == [1]


def test_evaluation_completes_only_when_every_recommendation_has_a_response(
    client: TestClient,
) -> None:
    evaluation = reporting_evaluation(client)
    first = recommend(client, evaluation["id"])
    second = recommend(client, evaluation["id"])
    move(client, evaluation["id"], "final_report", "management_response")
    respond(client, first["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/transitions"
    refused = client.post(url, json={"status": "completed"})
    assert refused.status_code == 409
    assert refused.json()["recommendations"] == [second["number"]]
    respond(client, second["id"], acceptance="partially_accepted")
    assert client.post(url, json={"status": "completed"}).json()["status"] == "completed"


def test_late_management_response_is_recorded_as_not_on_time(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    late = respond(client, recommendation["id"], responded_on="2029-03-01").json()
    assert late["management_response"]["on_time"] is False


def test_response_to_a_standalone_evaluation_is_due_days_after_its_final_report(
    client: TestClient,
) -> None:
    evaluation = created(
        client.post(
            "/api/v1/evaluations",
            json={"kind": "thematic", "title": "Gender", "commissioning_entities": ["UN Women"]},
        )
    )
    lead = evaluator(client)
    created(
        client.post(
            f"/api/v1/evaluations/{evaluation['id']}/team",
            json={"evaluator_id": lead["id"], "role": "lead"},
        )
    )
    move(client, evaluation["id"], "terms_of_reference_approved", "evaluator_contracted")
    move(client, evaluation["id"], *REPORT_STEPS)
    recommendation = recommend(client, evaluation["id"])
    assert recommendation["response_due"] is None
    move(client, evaluation["id"], "final_report", effective_on="2028-06-01")
    read = client.get(f"/api/v1/recommendations/{recommendation['id']}").json()
    assert read["response_due"] == "2028-07-31"
