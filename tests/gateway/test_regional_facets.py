"""Registry facets for the regional cuts (paragraphs 4-5), read through the gateway."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.projects.conftest import project_body


def _post(gateway: TestClient, headers: dict[str, str], code: str, **fields: Any) -> int:
    response = gateway.post("/api/v1/projects", json=project_body(code, **fields), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _counts(body: dict[str, Any], facet: str) -> list[tuple[str, int]]:
    return [(f["code"], f["count"]) for f in body[facet]]


def test_facets_count_projects_per_speca_group_and_lldc_priority_for_the_filter(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    _post(gateway, admin_headers, "A", speca_groups=["statistics", "trade"], lldc_priorities=["2"])
    _post(
        gateway,
        admin_headers,
        "B",
        speca_groups=["trade"],
        lldc_priorities=["2", "3"],
        recipient_countries=[{"code": "AF"}],
    )
    _post(gateway, admin_headers, "C")  # in no group, under no priority
    everything = gateway.get("/api/v1/projects/facets", headers=admin_headers)
    assert everything.status_code == 200, everything.text
    assert _counts(everything.json(), "speca_group") == [("trade", 2), ("statistics", 1)]
    assert _counts(everything.json(), "lldc_priority") == [("2", 2), ("3", 1)]
    afghanistan = gateway.get(
        "/api/v1/projects/facets", params={"country": "AF"}, headers=admin_headers
    ).json()
    assert afghanistan["total"] == 1
    assert _counts(afghanistan, "speca_group") == [("trade", 1)]
    assert _counts(afghanistan, "lldc_priority") == [("2", 1), ("3", 1)]
    in_trade = gateway.get(
        "/api/v1/projects/facets", params={"speca_group": "trade"}, headers=admin_headers
    ).json()
    assert in_trade["total"] == 2
    assert _counts(in_trade, "country") == [("AF", 1), ("KG", 1), ("KZ", 1)]
    assert _counts(in_trade, "lldc_priority") == [("2", 2), ("3", 1)]


def test_facets_refuse_an_unknown_lldc_priority_filter_naming_it(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    response = gateway.get(
        "/api/v1/projects/facets", params={"lldc_priority": "123"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "lldc_priority"
