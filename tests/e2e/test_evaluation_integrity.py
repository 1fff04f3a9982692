"""Issue 16, points 1-3, through the gateway as the Centre's programme officers would: the
independence of a Centre-wide evaluation, its voluntary funding and follow-up dates that can be.

The evaluation process runs on the real clock, so every date here is either far from today
(2020, 2099) or computed from it with a day to spare; none depends on how long a call takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

PARTNER = "XM-E2E-STEPPE"
CENTRE = "XM-SDGCA"  # the Centre's IATI identifier in the registry's seeded profile


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def world(suite: Any) -> dict[str, Any]:
    """A partner implementing a project active in 2026-2027, an old project, cycle 2028."""
    from tests.support.suite import ADMIN_KEY

    with httpx.Client(
        base_url=suite.gateway_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=20
    ) as admin:
        _ok(
            admin.post(
                "/api/v1/organisations",
                json={"iati_org_id": PARTNER, "name": "Steppe", "type": "22"},
            )
        )

        def project(code: str, start: str, end: str, **extra: Any) -> int:
            body = {
                "local_code": code,
                "title": f"Project {code}",
                "dimensions": ["economic"],
                "planned_start": start,
                "planned_end": end,
                "recipient_countries": [{"code": "KG"}],
                **extra,
            }
            return int(_ok(admin.post("/api/v1/projects", json=body))["id"])

        active = project(
            "E2E-1",
            "2026-02-01",
            "2028-12-31",
            participants=[{"iati_org_id": PARTNER, "role": "implementing"}],
        )
        ended = project("E2E-0", "2021-01-01", "2024-12-31")
        cycles = _ok(admin.post("/api/v1/evaluation-cycles/schedule", json={"through_year": 2028}))
        [cycle] = [c for c in cycles["items"] if c["year"] == 2028]
        return {"active": active, "ended": ended, "cycle": cycle["id"]}


def _evaluator(admin: httpx.Client, name: str, **extra: Any) -> int:
    body = {"name": name, "declaration_signed_on": "2026-01-10", **extra}
    return int(_ok(admin.post("/api/v1/evaluators", json=body))["id"])


def test_centre_wide_evaluation_is_independent_of_every_partner_and_of_the_centre(
    admin: httpx.Client, world: dict[str, Any]
) -> None:
    evaluation = _ok(
        admin.post(
            "/api/v1/evaluations",
            json={
                "kind": "independent_centre",
                "title": "Independent evaluation of the Centre, 2026-2027",
                "cycle_id": world["cycle"],
                "commissioning_entities": ["UN DESA"],
            },
        )
    )
    team = f"/api/v1/evaluations/{evaluation['id']}/team"
    insider = _evaluator(admin, "Insider", employer_iati_org_id=PARTNER)
    problem = _refused(admin.post(team, json={"evaluator_id": insider, "role": "lead"}), 409)
    assert problem["type"] == "urn:sdgc:problem:evaluator-employer-implements-project"
    assert problem["conflicts"][0]["project_id"] == world["active"]

    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    former = _evaluator(
        admin,
        "Former staff",
        employments=[
            {
                "employer_iati_org_id": CENTRE,
                "started_on": "2020-01-01",
                "ended_on": yesterday.isoformat(),
            }
        ],
    )
    problem = _refused(admin.post(team, json={"evaluator_id": former, "role": "lead"}), 409)
    assert problem["type"] == "urn:sdgc:problem:evaluator-formerly-employed-by-centre"
    assert admin.get(f"/api/v1/evaluations/{evaluation['id']}").json()["team"] == []

    outsider = _evaluator(admin, "Outsider", employer_name="Independent consultant")
    _ok(admin.post(team, json={"evaluator_id": outsider, "role": "lead"}))


def test_evaluation_is_funded_only_by_signed_agreements_on_the_day_asked(
    admin: httpx.Client, world: dict[str, Any]
) -> None:
    donor = _ok(
        admin.post(
            "/api/v1/contributors", json={"name": "Norway", "type": "member_state", "country": "NO"}
        )
    )
    agreement = _ok(
        admin.post(
            "/api/v1/agreements",
            json={
                "reference": "E2E-EVAL",
                "contributor_id": donor["id"],
                "currency": "USD",
                "total": "50000.00",
                "instalments": [{"due_date": "2026-03-01", "amount": "50000.00"}],
                "earmarking": {"kind": "unearmarked"},
                "psc_rate": "7",
            },
        )
    )
    plan = {
        "kind": "thematic",
        "title": "Transport connectivity",
        "commissioning_entities": ["ESCAP"],
        "budget": {"amount": "40000.00", "currency": "USD"},
        "funding_sources": [{"kind": "agreement", "id": agreement["id"]}],
    }
    before = len(admin.get("/api/v1/evaluations", params={"limit": 200}).json()["items"])
    problem = _refused(admin.post("/api/v1/evaluations", json=plan), 422)
    assert problem["errors"][0]["field"] == "funding_sources.0.id"
    assert problem["errors"][0]["rule"] == "funding-agreement-not-signed"
    assert len(admin.get("/api/v1/evaluations", params={"limit": 200}).json()["items"]) == before

    _ok(
        admin.post(
            f"/api/v1/agreements/{agreement['id']}/status",
            json={"status": "signed", "on": "2026-01-05"},
        )
    )
    evaluation = _ok(admin.post("/api/v1/evaluations", json=plan))
    url = f"/api/v1/evaluation-tracking/evaluations/{evaluation['id']}/funding"
    signed = _ok(admin.get(url, params={"today": "2026-06-01"}))
    assert signed["funded_from_voluntary_contributions"] is True
    assert signed["budget"] == {"amount": "40000.00", "currency": "USD"}
    unsigned = _ok(admin.get(url, params={"today": "2025-12-31"}))
    assert unsigned["funded_from_voluntary_contributions"] is False


def test_follow_up_dates_and_scope_that_cannot_be_are_refused(
    admin: httpx.Client, world: dict[str, Any]
) -> None:
    outside = {
        "kind": "thematic",
        "title": "Old water projects",
        "cycle_id": world["cycle"],
        "project_ids": [world["ended"]],
        "commissioning_entities": ["UNDP"],
    }
    problem = _refused(admin.post("/api/v1/evaluations", json=outside), 422)
    assert problem["errors"][0]["rule"] == "project-outside-cycle-period"

    evaluation = _ok(
        admin.post(
            "/api/v1/evaluations",
            json={"kind": "thematic", "title": "SDG data", "commissioning_entities": ["UNSD"]},
        )
    )
    lead = _evaluator(admin, "Data lead", employer_name="University of Bishkek")
    _ok(
        admin.post(
            f"/api/v1/evaluations/{evaluation['id']}/team",
            json={"evaluator_id": lead, "role": "lead"},
        )
    )
    for status in (
        "terms_of_reference_approved",
        "evaluator_contracted",
        "inception",
        "data_collection",
        "draft_report",
    ):
        _ok(
            admin.post(
                f"/api/v1/evaluations/{evaluation['id']}/transitions", json={"status": status}
            )
        )
    recommendation = _ok(
        admin.post(
            "/api/v1/recommendations",
            json={
                "evaluation_id": evaluation["id"],
                "text": "Publish the data.",
                "addressee": "head_of_centre",
                "priority": "high",
            },
        )
    )
    response_url = f"/api/v1/recommendations/{recommendation['id']}/management-response"
    problem = _refused(
        admin.post(
            response_url, json={"acceptance": "fully_accepted", "responded_on": "2020-01-01"}
        ),
        422,
    )
    assert problem["errors"][0]["rule"] == "before-recommendation-issued"
    assert (
        admin.get(f"/api/v1/recommendations/{recommendation['id']}").json()["management_response"]
        is None
    )
    _ok(admin.post(response_url, json={"acceptance": "fully_accepted"}))

    action = {
        "recommendation_id": recommendation["id"],
        "description": "Open the portal",
        "responsible_unit": "Data",
    }
    problem = _refused(
        admin.post("/api/v1/key-actions", json={**action, "due_date": "2020-01-01"}), 422
    )
    assert problem["errors"][0]["field"] == "due_date"
    key_action = _ok(admin.post("/api/v1/key-actions", json={**action, "due_date": "2099-01-01"}))
    url = f"/api/v1/key-actions/{key_action['id']}"
    _ok(
        admin.patch(
            url,
            json={"status": "completed", "completed_on": "2099-03-01"},
            headers={"If-Match": admin.get(url).headers["etag"]},
        )
    )
    assert admin.get(url, params={"today": "2099-02-15"}).json()["overdue"] is True
    assert admin.get(url, params={"today": "2099-03-02"}).json()["overdue"] is False
    overdue = admin.get(
        "/api/v1/evaluation-tracking/overdue-actions", params={"today": "2099-02-15"}
    )
    assert key_action["id"] in [a["id"] for a in _ok(overdue)["items"]]
