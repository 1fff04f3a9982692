"""Biennial cycles (paragraph 11): generated from 2028, deadlines, at risk then overdue."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.evaluation.main import create_app
from services.evaluation.settings import Settings
from tests.evaluation.conftest import Clock, contracted_evaluation, schedule
from tests.support.clients import signed_client


def test_cycles_are_generated_every_two_years_from_2028(client: TestClient) -> None:
    response = client.post("/api/v1/evaluation-cycles/schedule", json={"through_year": 2032})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [c["year"] for c in body["items"]] == [2028, 2030, 2032]
    assert body["created_years"] == [2028, 2030, 2032]
    first = body["items"][0]
    assert (first["period_start"], first["period_end"]) == ("2026-01-01", "2027-12-31")
    assert first["deadlines"] == {
        "terms_of_reference": "2028-03-31",
        "evaluator_contracted": "2028-05-31",
        "inception": "2028-07-15",
        "draft_report": "2028-10-15",
        "final_report": "2028-11-30",
        "management_response": "2029-01-29",
    }


def test_scheduling_again_keeps_existing_cycles_and_adds_only_new_ones(
    client: TestClient,
) -> None:
    first = schedule(client, 2030)
    again = client.post("/api/v1/evaluation-cycles/schedule", json={"through_year": 2034}).json()
    assert again["created_years"] == [2032, 2034]
    assert [c["id"] for c in again["items"][:2]] == [c["id"] for c in first]
    listed = client.get("/api/v1/evaluation-cycles").json()["items"]
    assert [c["year"] for c in listed] == [2028, 2030, 2032, 2034]


def test_odd_or_early_cycle_year_is_refused_and_nothing_is_stored(client: TestClient) -> None:
    odd = client.post("/api/v1/evaluation-cycles/schedule", json={"through_year": 2031})
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["rule"] == "biennial-cycle-year"
    early = client.post("/api/v1/evaluation-cycles/schedule", json={"through_year": 2026})
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "through_year"
    far = client.post("/api/v1/evaluation-cycles/schedule", json={"through_year": 2102})
    assert far.json()["errors"][0]["rule"] == "cycle-year-too-far"
    assert client.get("/api/v1/evaluation-cycles").json()["items"] == []


def test_cycles_are_never_deleted(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    response = client.delete(f"/api/v1/evaluation-cycles/{cycle['id']}")
    assert response.status_code == 405
    assert client.get(f"/api/v1/evaluation-cycles/{cycle['id']}").status_code == 200


def test_uncontracted_cycle_goes_on_track_then_at_risk_then_overdue(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    url = f"/api/v1/evaluation-cycles/{cycle['id']}"
    states = {
        day: client.get(url, params={"today": day}).json()["contracting"]
        for day in ("2028-01-15", "2028-04-15", "2028-05-31", "2028-06-01")
    }
    assert states["2028-01-15"]["state"] == "on_track"
    assert states["2028-04-15"]["state"] == "at_risk"
    assert states["2028-05-31"]["state"] == "at_risk"
    assert states["2028-05-31"]["days_to_deadline"] == 0
    assert states["2028-06-01"]["state"] == "overdue"


def test_contracted_cycle_is_no_longer_at_risk(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = contracted_evaluation(client, cycle["id"])
    read = client.get(
        f"/api/v1/evaluation-cycles/{cycle['id']}", params={"today": "2028-07-01"}
    ).json()
    assert read["independent_evaluation_id"] == evaluation["id"]
    assert read["contracting"]["state"] == "contracted"
    assert read["contracting"]["contracted_on"] == "2028-01-15"


def test_deadlines_follow_the_settings(evaluation_settings: Settings, clock: Clock) -> None:
    settings = evaluation_settings.model_copy(
        update={"evaluator_contracted_deadline": "04-30", "management_response_days": 30}
    )
    app = create_app(settings, clock=clock)
    with signed_client(app) as client:
        [cycle] = schedule(client, 2028)
    assert cycle["deadlines"]["evaluator_contracted"] == "2028-04-30"
    assert cycle["deadlines"]["management_response"] == "2028-12-30"


def test_cycle_read_has_an_etag_and_honours_if_none_match(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    url = f"/api/v1/evaluation-cycles/{cycle['id']}"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert client.get("/api/v1/evaluation-cycles/999").status_code == 404
