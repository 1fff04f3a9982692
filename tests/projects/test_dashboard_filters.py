"""What dashboards need: every filter, facet counts for the current filter, stable pages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.projects.facet_cells import rebuild_facet_counts
from services.projects.facets import project_facets
from services.projects.filters import ProjectFilter
from services.projects.models import ActivityStatus, FacetCell
from shared.state import core_of
from tests.projects.conftest import project_body


@pytest.fixture
def registry(client: TestClient) -> dict[str, int]:
    """Three projects across countries, goals, statuses, partners and vocabularies."""
    undp = client.post(
        "/api/v1/organisations", json={"iati_org_id": "XM-DAC-41114", "name": "UNDP", "type": "40"}
    )
    bodies: dict[str, dict[str, Any]] = {
        "data": project_body("DATA", speca_groups=["statistics"], coalitions=["data-statistics"]),
        "water": project_body(
            "WATER",
            title="Transboundary water",
            description="Amu Darya basin cooperation",
            sdg_targets=["6.5"],
            dimensions=["environmental"],
            status="2",
            recipient_countries=[{"code": "AF"}, {"code": "TJ"}],
            speca_groups=["water-energy-environment"],
            lldc_priorities=["4"],
            participants=[{"organisation_id": undp.json()["id"], "role": "implementing"}],
            planned_start="2024-01-01",
            planned_end="2025-06-30",
        ),
        "trade": project_body(
            "TRADE",
            title="Trade facilitation",
            sdg_targets=["17.10", "9.1"],
            dimensions=["economic"],
            status="2",
            recipient_countries=[{"code": "KZ"}],
            lldc_priorities=["2"],
            un_entities=["ECE", "ESCAP"],
            planned_start="2028-01-01",
            planned_end="2029-12-31",
        ),
    }
    ids = {}
    for name, body in bodies.items():
        response = client.post("/api/v1/projects", json=body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    ids["undp"] = undp.json()["id"]
    return ids


def _ids(client: TestClient, **params: Any) -> list[int]:
    response = client.get("/api/v1/projects", params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


def test_each_filter_narrows_the_list(client: TestClient, registry: dict[str, int]) -> None:
    data, water, trade = registry["data"], registry["water"], registry["trade"]
    assert _ids(client, country="KZ") == [data, trade]
    assert _ids(client, goal="6") == [water]
    assert _ids(client, target="17.10") == [trade]
    assert _ids(client, dimension="economic") == [trade]
    assert _ids(client, status="2") == [water, trade]
    assert _ids(client, organisation=registry["undp"], role="implementing") == [water]
    assert _ids(client, organisation=registry["undp"], role="funding") == []
    assert _ids(client, speca_group="statistics") == [data]
    assert _ids(client, lldc_priority="4") == [water]
    assert _ids(client, coalition="data-statistics") == [data]
    assert _ids(client, year_active=2025) == [water]
    assert _ids(client, year_active=2029) == [trade]
    assert _ids(client, q="amu darya") == [water]
    assert _ids(client, q="100%") == []
    assert _ids(client, country="KZ", status="2", goal="17") == [trade]


def test_facets_count_the_current_filter_in_one_call(
    client: TestClient, registry: dict[str, int]
) -> None:
    everything = client.get("/api/v1/projects/facets").json()
    assert everything["total"] == 3
    assert {f["code"]: f["count"] for f in everything["country"]} == {
        "KZ": 2,
        "KG": 1,
        "AF": 1,
        "TJ": 1,
    }
    assert {f["code"]: f["count"] for f in everything["sdg_goal"]} == {"17": 2, "6": 1, "9": 1}
    assert {f["code"]: f["count"] for f in everything["status"]} == {"2": 2, "1": 1}
    filtered = client.get("/api/v1/projects/facets", params={"country": "KZ", "status": "2"})
    body = filtered.json()
    assert body["total"] == 1
    assert body["dimension"] == [{"code": "economic", "count": 1}]


def test_pages_follow_a_stable_order_to_the_end(
    client: TestClient, registry: dict[str, int]
) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/projects", params=params).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(registry[k] for k in ("data", "water", "trade"))


def test_reference_lists_are_served(client: TestClient) -> None:
    goals = client.get("/api/v1/sdg/goals").json()["items"]
    assert len(goals) == 17 and goals[16]["dimensions"] == ["economic", "social", "environmental"]
    targets = client.get("/api/v1/sdg/targets", params={"goal": "17"}).json()["items"]
    assert targets[17]["code"] == "17.18"
    indicators = client.get("/api/v1/sdg/indicators", params={"target": "17.18"}).json()
    assert indicators["items"][0]["code"] == "17.18.1"
    assert client.get("/api/v1/sdg/targets", params={"goal": "18"}).status_code == 422
    programme = client.get("/api/v1/reference/countries", params={"programme": True}).json()
    assert [c["alpha2"] for c in programme["items"]] == ["KZ", "KG", "TJ", "TM", "UZ", "AF"]
    for path in (
        "speca-groups",
        "lldc-priorities",
        "coalitions",
        "dimensions",
        "codelists/ActivityStatus",
    ):
        response = client.get(f"/api/v1/reference/{path}")
        assert response.status_code == 200 and response.json()["items"], path
    assert client.get("/api/v1/reference/codelists/Nope").status_code == 404


def test_precounted_facets_agree_with_live_counts_and_a_rebuild_after_every_kind_of_write(
    client: TestClient, registry: dict[str, int], projects_app: Any
) -> None:
    url = f"/api/v1/projects/{registry['trade']}"
    changed = client.patch(
        url,
        json={
            "recipient_countries": [{"code": "UZ"}, {"code": "KZ"}],
            "sdg_targets": ["8.2"],
            "status": "3",
        },
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    exported = client.get("/api/v1/iati/activities").content
    assert (
        client.post(
            "/api/v1/iati/activities", content=exported, headers={"Content-Type": "application/xml"}
        ).status_code
        == 200
    )
    cuts = [
        ProjectFilter(),
        ProjectFilter(country="KZ"),
        ProjectFilter(sdg_goal="17"),
        ProjectFilter(country="KZ", sdg_goal="8", status=ActivityStatus("3")),
        ProjectFilter(country="AF", status=ActivityStatus("2")),
    ]
    with core_of(projects_app).database.session() as session:
        stored = {
            tuple(getattr(c, k) for k in ("country", "goal", "status", "facet", "code")): c.count
            for c in session.query(FacetCell).filter(FacetCell.count > 0)
        }
        for cut in cuts:
            assert project_facets(db_session=session, filters=cut) == project_facets(
                db_session=session, filters=cut, live=True
            ), cut
        rebuild_facet_counts(session)
        rebuilt = {
            tuple(getattr(c, k) for k in ("country", "goal", "status", "facet", "code")): c.count
            for c in session.query(FacetCell)
        }
        session.rollback()
    assert stored == rebuilt
