"""Evaluation against the REAL registry in a uvicorn thread: scope checks, the implementing-
organisation conflict, and 503 when a backend is down (a port nobody listens on)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.evaluation.main import create_app
from services.evaluation.settings import Settings
from tests.evaluation.conftest import Clock, created, evaluator, schedule
from tests.support.clients import TEST_SECRET, signed_client, signed_http_client
from tests.support.server import serve_in_thread

IMPLEMENTER = "XM-IMPL-NGO"


@pytest.fixture
def project_id(registry: tuple[str, httpx.Client]) -> int:
    _, seeder = registry
    created(
        seeder.post(
            "/api/v1/organisations",
            json={"iati_org_id": IMPLEMENTER, "name": "Steppe NGO", "type": "22"},
        )
    )
    project = created(
        seeder.post(
            "/api/v1/projects",
            json={
                "local_code": "EV-1",
                "title": "Regional water data",
                "dimensions": ["environmental"],
                "planned_start": "2026-03-01",
                "planned_end": "2028-06-30",
                "recipient_countries": [{"code": "KZ"}, {"code": "UZ"}],
                "participants": [{"iati_org_id": IMPLEMENTER, "role": "implementing"}],
            },
        )
    )
    return int(project["id"])


def _project_evaluation(client: TestClient, project_ids: list[int]) -> Any:
    return client.post(
        "/api/v1/evaluations",
        json={
            "kind": "project",
            "title": "Evaluation of regional water data",
            "project_ids": project_ids,
            "commissioning_entities": ["UNDP"],
        },
    )


def test_project_scope_is_checked_in_the_registry(client: TestClient, project_id: int) -> None:
    response = _project_evaluation(client, [project_id])
    assert response.status_code == 201, response.text
    assert response.json()["project_ids"] == [project_id]
    unknown = _project_evaluation(client, [project_id, 4040])
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "project_ids.1"
    assert unknown.json()["errors"][0]["rule"] == "unknown-project"
    assert len(client.get("/api/v1/evaluations").json()["items"]) == 1


def test_evaluator_employed_by_an_implementer_in_scope_is_refused(
    client: TestClient, project_id: int
) -> None:
    evaluation = created(_project_evaluation(client, [project_id]))
    insider = evaluator(client, name="Insider", employer_iati_org_id=IMPLEMENTER)
    response = client.post(
        f"/api/v1/evaluations/{evaluation['id']}/team",
        json={"evaluator_id": insider["id"], "role": "lead"},
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:sdgc:problem:evaluator-employer-implements-project"
    assert problem["conflicts"][0]["project_id"] == project_id
    assert IMPLEMENTER in problem["detail"] and "Insider" in problem["detail"]
    assert client.get(f"/api/v1/evaluations/{evaluation['id']}").json()["team"] == []
    outsider = evaluator(client, name="Outsider")
    ok = client.post(
        f"/api/v1/evaluations/{evaluation['id']}/team",
        json={"evaluator_id": outsider["id"], "role": "lead"},
    )
    assert ok.status_code == 201, ok.text


def test_widening_scope_to_a_project_the_team_implements_is_refused(
    client: TestClient, registry: tuple[str, httpx.Client], project_id: int
) -> None:
    _, seeder = registry
    other = created(
        seeder.post(
            "/api/v1/projects",
            json={
                "local_code": "EV-2",
                "title": "Regional statistics",
                "dimensions": ["social"],
                "planned_start": "2026-01-01",
                "recipient_countries": [{"code": "KG"}],
            },
        )
    )
    evaluation = created(_project_evaluation(client, [other["id"]]))
    insider = evaluator(client, name="Insider", employer_iati_org_id=IMPLEMENTER)
    created(
        client.post(
            f"/api/v1/evaluations/{evaluation['id']}/team",
            json={"evaluator_id": insider["id"], "role": "lead"},
        )
    )
    url = f"/api/v1/evaluations/{evaluation['id']}"
    response = client.patch(
        url,
        json={"project_ids": [other["id"], project_id]},
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    assert response.status_code == 409
    assert client.get(url).json()["project_ids"] == [other["id"]]


def test_batch_projects_view_shows_evaluations_covering_each_project(
    client: TestClient, project_id: int
) -> None:
    evaluation = created(_project_evaluation(client, [project_id]))
    body = client.get(
        "/api/v1/evaluation-tracking/projects", params={"ids": f"{project_id},999"}
    ).json()
    first, other = body["items"]
    assert [e["id"] for e in first["evaluations"]] == [evaluation["id"]]
    assert first["evaluations"][0]["open_recommendations"] == []
    assert other == {"project_id": 999, "evaluations": []}


def test_registry_down_is_503_and_nothing_is_stored(evaluation_app: Any) -> None:
    with signed_client(evaluation_app) as client:
        response = _project_evaluation(client, [1])
        assert response.status_code == 503
        assert response.json()["type"] == "urn:sdgc:problem:backend-unavailable"
        assert response.json()["service"] == "projects"
        assert client.get("/api/v1/evaluations").json()["items"] == []


def test_funding_ledger_down_is_503_and_nothing_is_stored(evaluation_app: Any) -> None:
    with signed_client(evaluation_app) as client:
        response = client.post(
            "/api/v1/evaluations",
            json={
                "kind": "thematic",
                "title": "Gender",
                "commissioning_entities": ["UN Women"],
                "funding_sources": [{"kind": "agreement", "id": 1}],
            },
        )
        assert response.status_code == 503
        assert response.json()["service"] == "funding"
        assert client.get("/api/v1/evaluations").json()["items"] == []


@pytest.fixture
def ledger(
    fresh_database: Callable[[str], str], clock: Clock
) -> Iterator[tuple[str, httpx.Client]]:
    """The real funding ledger on a real socket (on the test's "today"), plus a signed client
    to seed it."""
    from services.funding.main import create_app as create_funding_app
    from services.funding.settings import Settings as FundingSettings

    app = create_funding_app(
        FundingSettings(
            environment="test",
            database_url=fresh_database("funding"),
            identity_secret=TEST_SECRET,
        ),
        clock=clock,
    )
    with serve_in_thread(app) as base_url, signed_http_client(base_url) as seeder:
        yield base_url, seeder


def test_funding_sources_are_checked_in_the_real_ledger(
    evaluation_settings: Settings, clock: Clock, ledger: tuple[str, httpx.Client]
) -> None:
    from tests.funding.flow_helpers import agreement_body, contributor

    base_url, seeder = ledger
    donor = contributor(seeder)
    agreement = seeder.post("/api/v1/agreements", json=agreement_body(donor))
    assert agreement.status_code == 201, agreement.text
    signed = seeder.post(  # a draft funds nothing (see test_funding.py)
        f"/api/v1/agreements/{agreement.json()['id']}/status",
        json={"status": "signed", "on": "2027-01-05"},
    )
    assert signed.status_code == 200, signed.text
    app = create_app(evaluation_settings.model_copy(update={"funding_url": base_url}), clock=clock)

    def evaluation(source_id: int) -> Any:
        return client.post(
            "/api/v1/evaluations",
            json={
                "kind": "thematic",
                "title": "Gender and the SDGs",
                "commissioning_entities": ["UN Women"],
                "funding_sources": [{"kind": "agreement", "id": source_id}],
            },
        )

    with signed_client(app) as client:
        unknown = evaluation(999)
        assert unknown.status_code == 422, unknown.text
        assert unknown.json()["errors"][0]["field"].startswith("funding_sources")
        assert client.get("/api/v1/evaluations").json()["items"] == []
        accepted = evaluation(agreement.json()["id"])
        assert accepted.status_code == 201, accepted.text


def test_project_outside_the_cycle_period_is_refused_and_nothing_is_stored(
    client: TestClient, registry: tuple[str, httpx.Client], project_id: int
) -> None:
    _, seeder = registry
    ended = created(
        seeder.post(
            "/api/v1/projects",
            json={
                "local_code": "EV-OLD",
                "title": "Water data, first phase",
                "dimensions": ["environmental"],
                "planned_start": "2022-01-01",
                "planned_end": "2025-12-31",
                "recipient_countries": [{"code": "KZ"}],
            },
        )
    )
    [cycle, *_] = schedule(client)  # 2028 covers 2026-01-01 to 2027-12-31

    def plan(ids: list[int]) -> Any:
        return client.post(
            "/api/v1/evaluations",
            json={
                "kind": "project",
                "title": "Water data in cycle 2028",
                "cycle_id": cycle["id"],
                "project_ids": ids,
                "commissioning_entities": ["UNDP"],
            },
        )

    refused = plan([project_id, ended["id"]])
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("project_ids.1", "project-outside-cycle-period")
    assert "2025-12-31" in refused.json()["detail"]
    assert client.get("/api/v1/evaluations").json()["items"] == []
    evaluation = created(plan([project_id]))
    url = f"/api/v1/evaluations/{evaluation['id']}"
    widened = client.patch(
        url,
        json={"project_ids": [ended["id"]]},
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    assert widened.status_code == 422, widened.text
    assert widened.json()["errors"][0]["rule"] == "project-outside-cycle-period"
    assert client.get(url).json()["project_ids"] == [project_id]
