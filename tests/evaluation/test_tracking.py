"""Tracking views: deadlines ahead, overdue actions, per-cycle rates and paragraph-11
compliance, and the batch view by project (scopes: evaluation:read or reports:read)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.evaluation.conftest import created, independent_evaluation, move, schedule
from tests.evaluation.test_follow_up import action, recommend, reporting_evaluation, respond
from tests.support.clients import signed_client


def test_deadlines_in_the_next_days_list_unmet_cycle_milestones(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    window = client.get(
        "/api/v1/evaluation-tracking/deadlines",
        params={"today": "2028-03-01", "within_days": 95},
    ).json()["items"]
    assert [(d["milestone"], d["due_date"], d["days_left"]) for d in window] == [
        ("terms_of_reference", "2028-03-31", 30),
        ("evaluator_contracted", "2028-05-31", 91),
    ]
    assert window[0]["evaluation_id"] == evaluation["id"]
    move(client, evaluation["id"], "terms_of_reference_approved")
    after = client.get(
        "/api/v1/evaluation-tracking/deadlines",
        params={"today": "2028-03-01", "within_days": 95},
    ).json()["items"]
    assert [d["milestone"] for d in after] == ["evaluator_contracted"]


def test_deadlines_include_responses_and_key_actions(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    answered = recommend(client, evaluation["id"])
    pending = recommend(client, evaluation["id"])
    respond(client, answered["id"])
    key_action = action(client, answered["id"], due="2029-01-20")
    items = client.get(
        "/api/v1/evaluation-tracking/deadlines",
        params={"today": "2029-01-01", "within_days": 30},
    ).json()["items"]
    kinds = [(d["kind"], d["due_date"], d["recommendation_id"]) for d in items]
    assert ("key_action", "2029-01-20", answered["id"]) in kinds
    assert ("management_response", "2029-01-29", pending["id"]) in kinds
    assert all(d["recommendation_id"] != answered["id"] or d["kind"] == "key_action" for d in items)
    assert [d["key_action_id"] for d in items if d["kind"] == "key_action"] == [key_action["id"]]


def test_overdue_actions_are_listed_oldest_first(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    respond(client, recommendation["id"])
    later = action(client, recommendation["id"], due="2029-05-01")
    earlier = action(client, recommendation["id"], due="2029-03-01")
    action(client, recommendation["id"], due="2030-01-01")
    page = client.get(
        "/api/v1/evaluation-tracking/overdue-actions", params={"today": "2029-06-01", "limit": 1}
    ).json()
    assert [a["id"] for a in page["items"]] == [earlier["id"]]
    rest = client.get(
        "/api/v1/evaluation-tracking/overdue-actions",
        params={"today": "2029-06-01", "cursor": page["next_cursor"]},
    ).json()
    assert [a["id"] for a in rest["items"]] == [later["id"]]
    assert rest["next_cursor"] is None


def test_cycle_rates_timeliness_and_paragraph_11_compliance(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    accepted = recommend(client, evaluation["id"])
    partly = recommend(client, evaluation["id"])
    rejected = recommend(client, evaluation["id"])
    respond(client, accepted["id"])
    respond(client, partly["id"], acceptance="partially_accepted")
    respond(client, rejected["id"], acceptance="rejected", justification="Outside the mandate.")
    done = action(client, accepted["id"])
    url = f"/api/v1/key-actions/{done['id']}"
    client.patch(
        url, json={"status": "completed"}, headers={"If-Match": client.get(url).headers["etag"]}
    )
    move(client, evaluation["id"], "final_report", "management_response", "completed")

    cycles = client.get(
        "/api/v1/evaluation-tracking/cycles", params={"today": "2029-02-01"}
    ).json()["items"]
    first, second = cycles
    assert first["year"] == 2028
    assert (first["recommendations"], first["accepted"], first["implemented"]) == (3, 2, 1)
    assert first["acceptance_rate"] == 0.6667
    assert first["implementation_rate"] == 0.5
    assert first["finished_on_time"] is True
    assert first["compliance"] == {
        "held": True,
        "independent": True,
        "independence_conflicts": [],
        "funded_from_voluntary_contributions": False,
        "completed": True,
        "compliant": False,
        "gaps": ["funded_from_voluntary_contributions"],
    }
    assert second["year"] == 2030
    assert second["compliance"]["gaps"] == [
        "held",
        "independent",
        "funded_from_voluntary_contributions",
        "completed",
    ]
    assert second["acceptance_rate"] is None
    assert second["finished_on_time"] is None


def test_unfinished_cycle_past_its_deadline_did_not_finish_on_time(client: TestClient) -> None:
    [cycle, *_] = schedule(client, 2028)
    independent_evaluation(client, cycle["id"])
    [row] = client.get("/api/v1/evaluation-tracking/cycles", params={"today": "2029-03-01"}).json()[
        "items"
    ]
    assert row["finished_on_time"] is False
    assert row["contracting"]["state"] == "overdue"


def test_projects_batch_view_answers_every_asked_project(client: TestClient) -> None:
    response = client.get("/api/v1/evaluation-tracking/projects", params={"ids": "3,1,3"})
    assert response.status_code == 200
    assert response.json()["items"] == [
        {"project_id": 3, "evaluations": []},
        {"project_id": 1, "evaluations": []},
    ]


def test_projects_batch_view_refuses_bad_ids(client: TestClient) -> None:
    for ids in ("1,x", "0", "", ",".join(str(i) for i in range(1, 102))):
        response = client.get("/api/v1/evaluation-tracking/projects", params={"ids": ids})
        assert response.status_code == 422, ids
        assert response.json()["errors"][0]["field"] == "ids"


def test_tracking_views_accept_the_reports_scope(evaluation_app: FastAPI) -> None:
    with signed_client(evaluation_app, scopes=["reports:read"]) as reporter:
        assert reporter.get("/api/v1/evaluation-tracking/cycles").status_code == 200
        assert reporter.get("/api/v1/evaluation-tracking/deadlines").status_code == 200
        assert reporter.get("/api/v1/evaluations").status_code == 403
    with signed_client(evaluation_app, scopes=["projects:read"]) as other:
        assert other.get("/api/v1/evaluation-tracking/overdue-actions").status_code == 403


def test_today_parameter_must_be_a_date(client: TestClient) -> None:
    response = client.get("/api/v1/evaluation-tracking/cycles", params={"today": "soon"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "today"
    created(client.get("/api/v1/evaluation-tracking/cycles"))


def test_lead_who_later_joins_the_centre_makes_the_cycle_not_independent(
    client: TestClient,
) -> None:
    evaluation = reporting_evaluation(client)
    lead_id = evaluation["team"][0]["evaluator_id"]
    url = f"/api/v1/evaluators/{lead_id}"
    client.patch(
        url,
        json={"employer_iati_org_id": "XM-SDGCA"},  # the registry's Centre
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    [row, _] = client.get("/api/v1/evaluation-tracking/cycles").json()["items"]
    assert row["compliance"]["independent"] is False
    assert "independent" in row["compliance"]["gaps"]
