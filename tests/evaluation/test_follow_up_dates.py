"""Follow-up dates that can be (issue 16, point 3): a recommendation's issue date bounds its
management response and its key actions, and "overdue on a day" is the state on that day."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.evaluation.conftest import Clock, created
from tests.evaluation.test_follow_up import action, recommend, reporting_evaluation, respond


def test_recommendation_cannot_be_issued_before_the_draft_report(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)  # draft report reached on 2028-01-15
    early = client.post(
        "/api/v1/recommendations",
        json={
            "evaluation_id": evaluation["id"],
            "text": "Adopt a results framework.",
            "addressee": "head_of_centre",
            "priority": "high",
            "issued_on": "2028-01-14",
        },
    )
    assert early.status_code == 422, early.text
    assert early.json()["errors"][0]["field"] == "issued_on"
    assert early.json()["errors"][0]["rule"] == "recommendation-before-report"
    assert client.get("/api/v1/recommendations").json()["items"] == []
    issued = recommend(client, evaluation["id"], issued_on="2028-02-01")
    assert issued["issued_on"] == "2028-02-01"


def test_management_response_before_the_issue_date_is_refused_and_not_stored(
    client: TestClient,
) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"], issued_on="2028-03-01")
    early = respond(client, recommendation["id"], responded_on="2028-02-28")
    assert early.status_code == 422, early.text
    error = early.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("responded_on", "before-recommendation-issued")
    assert "2028-03-01" in early.json()["detail"]
    url = f"/api/v1/recommendations/{recommendation['id']}"
    assert client.get(url).json()["management_response"] is None
    same_day = respond(client, recommendation["id"], responded_on="2028-03-01")
    assert same_day.status_code == 201, same_day.text


def test_key_action_cannot_fall_due_before_the_issue_date(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"], issued_on="2028-03-01")
    created(respond(client, recommendation["id"], responded_on="2028-03-10"))
    body = {
        "recommendation_id": recommendation["id"],
        "description": "Draft the results framework",
        "responsible_unit": "Programme Unit",
        "due_date": "2028-02-15",
    }
    early = client.post("/api/v1/key-actions", json=body)
    assert early.status_code == 422, early.text
    error = early.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("due_date", "before-recommendation-issued")
    assert client.get("/api/v1/key-actions").json()["items"] == []

    key_action = action(client, recommendation["id"], due="2028-06-30")
    url = f"/api/v1/key-actions/{key_action['id']}"
    etag = client.get(url).headers["etag"]
    moved = client.patch(url, json={"due_date": "2028-02-29"}, headers={"If-Match": etag})
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"][0]["field"] == "due_date"
    completed_early = client.patch(
        url,
        json={"status": "completed", "completed_on": "2028-02-01"},
        headers={"If-Match": etag},
    )
    assert completed_early.status_code == 422, completed_early.text
    assert completed_early.json()["errors"][0]["field"] == "completed_on"
    unchanged = client.get(url)
    assert unchanged.json()["due_date"] == "2028-06-30"
    assert unchanged.json()["status"] == "not_initiated"
    assert unchanged.headers["etag"] == etag


def test_action_completed_late_was_overdue_on_the_days_in_between(client: TestClient) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    respond(client, recommendation["id"])
    key_action = action(client, recommendation["id"], due="2029-06-30")
    url = f"/api/v1/key-actions/{key_action['id']}"
    done = client.patch(
        url,
        json={"status": "completed", "completed_on": "2029-08-15"},
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    assert done.status_code == 200, done.text
    assert done.json()["closed_on"] == "2029-08-15"

    def overdue_on(day: str) -> tuple[bool, int]:
        read = client.get(url, params={"today": day}).json()
        return read["overdue"], read["days_overdue"]

    assert overdue_on("2029-06-30") == (False, 0)
    assert overdue_on("2029-07-10") == (True, 10)
    assert overdue_on("2029-08-14") == (True, 45)
    assert overdue_on("2029-08-15") == (False, 0)
    for path, params in (
        ("/api/v1/key-actions", {"overdue": "true"}),
        ("/api/v1/evaluation-tracking/overdue-actions", {}),
    ):
        then = client.get(path, params={**params, "today": "2029-07-10"}).json()["items"]
        assert [a["id"] for a in then] == [key_action["id"]]
        assert then[0]["status"] == "completed" and then[0]["overdue"] is True
        later = client.get(path, params={**params, "today": "2029-09-01"}).json()["items"]
        assert later == []


def test_action_no_longer_applicable_stops_being_overdue_from_that_day(
    client: TestClient, clock: Clock
) -> None:
    evaluation = reporting_evaluation(client)
    recommendation = recommend(client, evaluation["id"])
    respond(client, recommendation["id"])
    key_action = action(client, recommendation["id"], due="2028-02-01")
    url = f"/api/v1/key-actions/{key_action['id']}"
    clock.today = dt.date(2028, 3, 1)
    dropped = client.patch(
        url,
        json={"status": "no_longer_applicable"},
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    assert dropped.json()["closed_on"] == "2028-03-01"  # the app's clock
    assert client.get(url, params={"today": "2028-02-29"}).json()["overdue"] is True
    assert client.get(url, params={"today": "2028-03-01"}).json()["overdue"] is False
