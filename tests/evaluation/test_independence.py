"""Independence for every scope (issue 16, point 1), against the real registry: a Centre-wide
evaluation is checked against the implementing partners of every project active in its
period, evaluators keep an employment history with a cooling-off period, and the Centre's own
identifier comes from its profile in the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.evaluation.settings import Settings
from tests.evaluation.conftest import Clock, created, evaluator, independent_evaluation, schedule

ACTIVE_PARTNER = "XM-STEPPE-NGO"  # implements a project active in 2026-2027
OLD_PARTNER = "XM-OLD-NGO"  # implements only a project that ended in 2024


def _seed_registry(seeder: httpx.Client) -> dict[str, int]:
    ids: dict[str, int] = {}
    for org, code, start, end in (
        (ACTIVE_PARTNER, "CW-1", "2025-06-01", "2028-06-30"),
        (OLD_PARTNER, "CW-0", "2021-01-01", "2024-12-31"),
    ):
        created(
            seeder.post(
                "/api/v1/organisations", json={"iati_org_id": org, "name": org, "type": "22"}
            )
        )
        project = created(
            seeder.post(
                "/api/v1/projects",
                json={
                    "local_code": code,
                    "title": f"Project of {org}",
                    "dimensions": ["social"],
                    "planned_start": start,
                    "planned_end": end,
                    "recipient_countries": [{"code": "TJ"}],
                    "participants": [{"iati_org_id": org, "role": "implementing"}],
                },
            )
        )
        ids[org] = int(project["id"])
    return ids


@pytest.fixture
def projects(registry: tuple[str, httpx.Client]) -> dict[str, int]:
    return _seed_registry(registry[1])


def _join(client: TestClient, evaluation_id: int, evaluator_id: int, role: str = "lead") -> Any:
    return client.post(
        f"/api/v1/evaluations/{evaluation_id}/team",
        json={"evaluator_id": evaluator_id, "role": role},
    )


def _team(client: TestClient, evaluation_id: int) -> list[Any]:
    team: list[Any] = client.get(f"/api/v1/evaluations/{evaluation_id}").json()["team"]
    return team


def test_centre_wide_evaluation_checks_partners_of_every_project_active_in_its_period(
    client: TestClient, projects: dict[str, int]
) -> None:
    [cycle, *_] = schedule(client)  # 2028: 2026-01-01 to 2027-12-31
    evaluation = independent_evaluation(client, cycle["id"])  # no project list
    assert evaluation["project_ids"] == []
    insider = evaluator(client, name="Insider", employer_iati_org_id=ACTIVE_PARTNER)
    refused = _join(client, evaluation["id"], insider["id"])
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "urn:sdgc:problem:evaluator-employer-implements-project"
    assert problem["conflicts"][0]["project_id"] == projects[ACTIVE_PARTNER]
    assert _team(client, evaluation["id"]) == []
    # The partner of a project that ended before the period is no conflict for this cycle.
    outsider = evaluator(client, name="Outsider", employer_iati_org_id=OLD_PARTNER)
    assert _join(client, evaluation["id"], outsider["id"]).status_code == 201


def test_independent_evaluation_of_the_centre_checks_every_partner_whatever_it_lists(
    client: TestClient, registry: tuple[str, httpx.Client], projects: dict[str, int]
) -> None:
    _, seeder = registry
    focus = created(
        seeder.post(
            "/api/v1/projects",
            json={
                "local_code": "CW-2",
                "title": "Focus project",
                "dimensions": ["social"],
                "planned_start": "2026-01-01",
                "recipient_countries": [{"code": "AF"}],
            },
        )
    )
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"], project_ids=[focus["id"]])
    insider = evaluator(client, name="Insider", employer_iati_org_id=ACTIVE_PARTNER)
    refused = _join(client, evaluation["id"], insider["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicts"][0]["project_id"] == projects[ACTIVE_PARTNER]
    assert _team(client, evaluation["id"]) == []


def test_centre_wide_evaluation_without_a_cycle_checks_every_registry_project(
    client: TestClient, projects: dict[str, int]
) -> None:
    thematic = created(
        client.post(
            "/api/v1/evaluations",
            json={"kind": "thematic", "title": "Gender", "commissioning_entities": ["UN Women"]},
        )
    )
    old_hand = evaluator(client, name="Old hand", employer_iati_org_id=OLD_PARTNER)
    refused = _join(client, thematic["id"], old_hand["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicts"][0]["project_id"] == projects[OLD_PARTNER]
    assert _team(client, thematic["id"]) == []


def test_former_employment_with_a_partner_counts_until_the_cooling_off_period_ends(
    client: TestClient, projects: dict[str, int]
) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    recent = evaluator(
        client,
        name="Recent",
        employments=[
            {
                "employer_iati_org_id": ACTIVE_PARTNER,
                "started_on": "2019-01-01",
                "ended_on": "2025-06-30",
            }
        ],
    )
    refused = _join(client, evaluation["id"], recent["id"])  # today is 2028-01-15
    assert refused.status_code == 409, refused.text
    [conflict] = refused.json()["conflicts"]
    assert conflict["rule"] == "evaluator-former-employer-implements-project"
    assert (conflict["ended_on"], conflict["cooling_off_until"]) == ("2025-06-30", "2028-06-30")
    assert "cooling-off" in refused.json()["detail"]
    assert _team(client, evaluation["id"]) == []
    cooled = evaluator(
        client,
        name="Cooled off",
        employments=[
            {
                "employer_iati_org_id": ACTIVE_PARTNER,
                "started_on": "2019-01-01",
                "ended_on": "2024-12-31",
            }
        ],
    )
    assert _join(client, evaluation["id"], cooled["id"]).status_code == 201


def test_employment_during_the_period_evaluated_counts_whatever_the_cooling_off(
    evaluation_settings: Settings, clock: Clock, registry: tuple[str, httpx.Client]
) -> None:
    from services.evaluation.main import create_app
    from tests.support.clients import signed_client

    base_url, seeder = registry
    _seed_registry(seeder)
    settings = evaluation_settings.model_copy(
        update={"projects_url": base_url, "cooling_off_years": 0}
    )
    with signed_client(create_app(settings, clock=clock)) as client:
        [cycle, *_] = schedule(client)
        evaluation = independent_evaluation(client, cycle["id"])
        before = evaluator(
            client,
            name="Left before the period",
            employments=[
                {
                    "employer_iati_org_id": ACTIVE_PARTNER,
                    "started_on": "2020-01-01",
                    "ended_on": "2025-12-31",
                }
            ],
        )
        during = evaluator(
            client,
            name="Left during the period",
            employments=[
                {
                    "employer_iati_org_id": ACTIVE_PARTNER,
                    "started_on": "2020-01-01",
                    "ended_on": "2026-03-31",
                }
            ],
        )
        refused = _join(client, evaluation["id"], during["id"], role="member")
        assert refused.status_code == 409, refused.text
        assert "during the period the evaluation covers" in refused.json()["detail"]
        assert _join(client, evaluation["id"], before["id"]).status_code == 201


def test_cooling_off_years_is_a_setting_defaulting_to_three(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().cooling_off_years == 3
    monkeypatch.setenv("EVALUATION_COOLING_OFF_YEARS", "5")
    assert Settings().cooling_off_years == 5


def test_centre_identifier_is_read_from_the_registry_profile(
    client: TestClient, registry: tuple[str, httpx.Client]
) -> None:
    _, seeder = registry
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    centre = seeder.get("/api/v1/centre")
    profile = centre.json()
    renamed = seeder.put(
        "/api/v1/centre",
        json={
            "name": profile["name"],
            "seat_city": profile["seat_city"],
            "seat_country": profile["seat_country"],
            "iati_org_id": "XM-CENTRE-NEW",
        },
        headers={"If-Match": centre.headers["etag"]},
    )
    assert renamed.status_code == 200, renamed.text
    staff = evaluator(client, name="Staff", employer_iati_org_id="XM-CENTRE-NEW")
    refused = _join(client, evaluation["id"], staff["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:sdgc:problem:evaluator-employed-by-centre"
    former = evaluator(
        client,
        name="Former staff",
        employments=[
            {
                "employer_iati_org_id": "XM-CENTRE-NEW",
                "started_on": "2024-01-01",
                "ended_on": "2025-12-31",
            }
        ],
    )
    refused = _join(client, evaluation["id"], former["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:sdgc:problem:evaluator-formerly-employed-by-centre"
    assert _team(client, evaluation["id"]) == []


def test_employment_history_is_kept_through_the_api(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/evaluators",
        json={
            "name": "Backwards",
            "employments": [
                {"employer_name": "UNDP", "started_on": "2020-01-01", "ended_on": "2019-01-01"}
            ],
        },
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "employments.0.ended_on"
    nameless = client.post(
        "/api/v1/evaluators",
        json={"name": "Nameless", "employments": [{"started_on": "2020-01-01"}]},
    )
    assert nameless.status_code == 422
    assert nameless.json()["errors"][0]["rule"] == "employer-required"
    assert client.get("/api/v1/evaluators").json()["items"] == []

    person = evaluator(
        client,
        employments=[
            {"employer_name": "UNDP", "started_on": "2015-03-01", "ended_on": "2019-08-31"}
        ],
    )
    assert [(e["employer_name"], e["ended_on"]) for e in person["employments"]] == [
        ("UNDP", "2019-08-31")
    ]
    url = f"/api/v1/evaluators/{person['id']}/employments"
    added = client.post(
        url,
        json={
            "employer_iati_org_id": "XM-DAC-41114",
            "started_on": "2012-01-01",
            "ended_on": "2015-02-28",
        },
    )
    assert added.status_code == 201, added.text
    assert client.get(added.headers["location"]).json()["employer_iati_org_id"] == "XM-DAC-41114"
    backwards = client.post(
        url, json={"employer_name": "X", "started_on": "2020-01-01", "ended_on": "2019-01-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "ended_on"
    history = client.get(f"/api/v1/evaluators/{person['id']}").json()["employments"]
    assert [e["started_on"] for e in history] == ["2012-01-01", "2015-03-01"]
    assert (
        client.post(
            "/api/v1/evaluators/999/employments",
            json={"employer_name": "X", "started_on": "2020-01-01"},
        ).status_code
        == 404
    )


def test_history_recorded_after_joining_is_caught_at_contracting_and_in_tracking(
    client: TestClient, projects: dict[str, int], clock: Clock
) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    lead = evaluator(client, name="Lead")
    created(_join(client, evaluation["id"], lead["id"]))
    created(
        client.post(
            f"/api/v1/evaluators/{lead['id']}/employments",
            json={
                "employer_iati_org_id": ACTIVE_PARTNER,
                "started_on": "2023-01-01",
                "ended_on": "2026-06-30",
            },
        )
    )
    url = f"/api/v1/evaluations/{evaluation['id']}/transitions"
    created(client.post(url, json={"status": "terms_of_reference_approved"}))
    refused = client.post(url, json={"status": "evaluator_contracted"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:sdgc:problem:evaluator-former-employer-implements-project"
    assert client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["status"] == (
        "terms_of_reference_approved"
    )
    [row, _] = client.get("/api/v1/evaluation-tracking/cycles").json()["items"]
    assert row["compliance"]["independent"] is False
    assert row["compliance"]["independence_conflicts"][0]["evaluator_id"] == lead["id"]
    clock.today = dt.date(2029, 7, 1)  # cooling-off over, but the job reached into 2026
    [row, _] = client.get("/api/v1/evaluation-tracking/cycles").json()["items"]
    assert row["compliance"]["independent"] is False
