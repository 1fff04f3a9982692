"""The annual report is the year's own (issue 16, point 4): each project active in the year, the
regional cuts, spending per programme country to the cent, results and states as of the year's
end, and the same bytes and ETag for a closed year whatever is recorded for later years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import report, report_cuts
from services.evaluation.main import create_app as create_evaluation
from services.evaluation.settings import Settings as EvaluationSettings
from services.funding.main import create_app as create_funding
from services.funding.settings import Settings as FundingSettings
from services.projects.main import create_app as create_projects
from services.projects.settings import Settings as ProjectsSettings
from shared.state import core_of
from tests.projects.conftest import project_body
from tests.support.clients import TEST_SECRET
from tests.support.server import serve_in_thread

Headers = dict[str, str]
YEAR = 2025


class Day:
    """The evaluation service's clock, set by hand (it dates status changes)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
def evaluation_day() -> Day:
    return Day(dt.date(2025, 1, 6))


@pytest.fixture
def service_apps(
    fresh_database: Callable[[str], str], evaluation_day: Day
) -> Iterator[dict[str, FastAPI]]:
    """The real apps, the registry also served on loopback so that the ledger can check the
    projects it allocates to (the gateway still reaches every app in process)."""
    common: dict[str, Any] = {"environment": "test", "identity_secret": TEST_SECRET}
    projects = create_projects(ProjectsSettings(database_url=fresh_database("projects"), **common))
    with serve_in_thread(projects) as registry_url:
        apps = {
            "projects": projects,
            "funding": create_funding(
                FundingSettings(
                    database_url=fresh_database("funding"), projects_url=registry_url, **common
                )
            ),
            "evaluation": create_evaluation(
                EvaluationSettings(
                    database_url=fresh_database("evaluation"), projects_url=registry_url, **common
                ),
                clock=evaluation_day,
            ),
        }
        yield apps
        apps["funding"].state.funding.registry.close()  # no lifespan runs in process
        apps["evaluation"].state.evaluation.backends.close()
        for name in ("funding", "evaluation"):
            core_of(apps[name]).database.dispose()


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def _project(gw: TestClient, h: Headers, code: str, **fields: Any) -> int:
    return int(
        _created(gw.post("/api/v1/projects", json=project_body(code, **fields), headers=h))["id"]
    )


def _fund(gw: TestClient, h: Headers, total: str, signed_on: str, received_on: str) -> int:
    """An unearmarked fund holding ``total`` received on ``received_on``."""
    contributor = _created(
        gw.post(
            "/api/v1/contributors",
            json={"name": "Norway", "type": "member_state", "country": "NO"},
            headers=h,
        )
    )
    draft = _created(
        gw.post(
            "/api/v1/agreements",
            json={
                "reference": f"AGR-{signed_on}",
                "contributor_id": contributor["id"],
                "currency": "USD",
                "total": total,
                "instalments": [{"due_date": received_on, "amount": total}],
                "earmarking": {"kind": "unearmarked"},
                "psc_rate": "7",
            },
            headers=h,
        )
    )
    signed = _created(
        gw.post(
            f"/api/v1/agreements/{draft['id']}/status",
            json={"status": "signed", "on": signed_on},
            headers=h,
        )
    )
    _created(
        gw.post(
            "/api/v1/contributions",
            json={
                "kind": "cash",
                "agreement_id": draft["id"],
                "instalment_number": 1,
                "amount": total,
                "currency": "USD",
                "value_date": received_on,
            },
            headers=h,
        )
    )
    return int(signed["fund_id"])


def _spend(gw: TestClient, h: Headers, fund: int, project: int, amount: str, on: str) -> None:
    allocation = {"fund_id": fund, "project_id": project, "amount": amount, "value_date": on}
    _created(gw.post("/api/v1/allocations", json=allocation, headers=h))
    spending = {**allocation, "category": "operating_costs"}
    _created(gw.post("/api/v1/expenditures", json=spending, headers=h))


def _indicator_periods(*periods: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "results": [
            {
                "type": "output",
                "title": "Statisticians trained",
                "indicators": [
                    {
                        "title": "Staff trained",
                        "measure": "unit",
                        "baseline_value": "0",
                        "baseline_year": 2024,
                        "periods": [
                            {
                                "period_start": start,
                                "period_end": end,
                                "target_value": "100",
                                "actual_value": actual,
                            }
                            for start, end, actual in periods
                        ],
                    }
                ],
            }
        ]
    }


def _put_results(gw: TestClient, h: Headers, project: int, framework: dict[str, Any]) -> None:
    url = f"/api/v1/projects/{project}/results"
    etag = gw.get(url, headers=h).headers["etag"]
    _created(gw.put(url, json=framework, headers={**h, "If-Match": etag}))


@pytest.fixture
def year_2025(gateway: TestClient, admin_headers: Headers) -> dict[str, int]:
    """Two projects active in 2025 with spending in 2025 and results measured in 2025."""
    h = admin_headers
    data = _project(
        gateway,
        h,
        "DATA",
        planned_start="2025-01-01",
        planned_end="2027-12-31",
        speca_groups=["statistics", "trade"],
        lldc_priorities=["2"],
    )
    water = _project(
        gateway,
        h,
        "WATER",
        title="Transboundary water",
        sdg_targets=["6.5"],
        dimensions=["environmental"],
        recipient_countries=[
            {"code": "AF", "percentage": "50"},
            {"code": "TJ", "percentage": "50"},
        ],
        speca_groups=["water-energy-environment"],
        planned_start="2024-06-01",
        planned_end="2025-12-31",
    )
    fund = _fund(gateway, h, "5000.00", "2025-01-10", "2025-02-01")
    _spend(gateway, h, fund, data, "1000.00", "2025-04-01")
    _spend(gateway, h, fund, water, "1000.01", "2025-05-01")
    _put_results(gateway, h, data, _indicator_periods(("2025-01-01", "2025-12-31", "50")))
    return {"data": data, "water": water, "fund": fund}


def _annual(gw: TestClient, h: Headers, year: int = YEAR, **params: str) -> Any:
    response = gw.get(f"/api/v1/reports/annual/{year}", params=params, headers=h)
    assert response.status_code == 200, response.text
    return response


def test_report_lists_each_project_of_the_year_with_its_tags_status_results_and_spending(
    gateway: TestClient, admin_headers: Headers, year_2025: dict[str, int]
) -> None:
    body = _annual(gateway, admin_headers).json()
    assert body["as_of"] == "2025-12-31" and body["final"] is True and body["complete"] is True
    rows = {r["project_id"]: r for r in body["sections"]["projects"]["data"]["items"]}
    assert set(rows) == {year_2025["data"], year_2025["water"]}
    data = rows[year_2025["data"]]
    assert data["countries"] == [  # in the registry's order (by code)
        {"code": "KG", "name": "Kyrgyzstan", "percentage": "40.00"},
        {"code": "KZ", "name": "Kazakhstan", "percentage": "60.00"},
    ]
    assert data["sdg_goals"] == ["17"] and data["sdg_targets"] == ["17.18"]
    assert data["dimensions"] == ["social"]
    assert data["speca_groups"] == ["statistics", "trade"] and data["lldc_priorities"] == ["2"]
    assert data["status_name"] and data["spending_usd"] == "1000.00"
    assert data["results"] == {"progress": "0.5000", "indicators": 1, "indicators_measured": 1}
    assert rows[year_2025["water"]]["spending_usd"] == "1000.01"
    implementation = body["sections"]["implementation"]["data"]
    assert implementation["by_speca_group"] == {
        "statistics": 1,
        "trade": 1,
        "water-energy-environment": 1,
    }
    assert implementation["by_lldc_priority"] == {"2": 1}


def test_regional_cuts_count_projects_and_split_their_spending_to_the_cent(
    gateway: TestClient, admin_headers: Headers, year_2025: dict[str, int]
) -> None:
    cuts = _annual(gateway, admin_headers).json()["sections"]["regional_cuts"]["data"]
    speca = {r["code"]: r for r in cuts["speca_groups"]["rows"]}
    assert len(speca) == 6  # every working group listed, those without projects too
    assert (speca["statistics"]["projects"], speca["statistics"]["spending_usd"]) == (1, "500.00")
    assert (speca["trade"]["projects"], speca["trade"]["spending_usd"]) == (1, "500.00")
    assert speca["water-energy-environment"]["spending_usd"] == "1000.01"
    assert speca["statistics"]["name"]
    assert sum(Decimal(r["spending_usd"]) for r in speca.values()) == Decimal("2000.01")
    lldc = {r["code"]: r for r in cuts["lldc_priorities"]["rows"]}
    assert (lldc["2"]["projects"], lldc["2"]["spending_usd"]) == (1, "1000.00")
    assert lldc["1"]["projects"] == 0 and lldc["1"]["spending_usd"] == "0.00"
    assert cuts["lldc_priorities"]["in_none"] == {"projects": 1, "spending_usd": "1000.01"}


def test_spending_per_programme_country_follows_country_shares_with_afghanistan_on_its_own_line(
    gateway: TestClient, admin_headers: Headers, year_2025: dict[str, int]
) -> None:
    cut = _annual(gateway, admin_headers).json()["sections"]["spending_by_country"]["data"]
    countries = {r["country"]: r for r in cut["countries"]}
    assert [r["country"] for r in cut["countries"]] == ["KZ", "KG", "TJ", "TM", "UZ", "AF"]
    assert countries["KZ"]["spending_usd"] == "600.00"
    assert countries["KG"]["spending_usd"] == "400.00"
    # 1000.01 in halves: the odd cent goes to the first share, so the parts add up exactly
    assert countries["AF"]["spending_usd"] == "500.01"
    assert countries["TJ"]["spending_usd"] == "500.00"
    assert countries["TM"] == {
        "country": "TM",
        "name": countries["TM"]["name"],
        "programme": True,
        "projects": 0,
        "spending_usd": "0.00",
    }
    assert cut["afghanistan_usd"] == "500.01" and cut["central_asia_usd"] == "1500.00"
    assert cut["not_attributed_to_a_country_usd"] == "0.00"


def _later_data(gw: TestClient, h: Headers, seeded: dict[str, int]) -> None:
    """Data for 2026 and 2027: spending, a later results period, a project of 2027 only."""
    _spend(gw, h, seeded["fund"], seeded["data"], "250.00", "2026-03-01")
    _put_results(
        gw,
        h,
        seeded["data"],
        _indicator_periods(("2025-01-01", "2025-12-31", "50"), ("2026-01-01", "2026-12-31", "100")),
    )
    later = _project(gw, h, "LATER", planned_start="2027-01-01", planned_end="2027-12-31")
    fund = _fund(gw, h, "900.00", "2026-12-01", "2026-12-01")
    _spend(gw, h, fund, later, "900.00", "2026-12-01")


def test_closed_year_report_keeps_its_bytes_and_etag_when_later_years_get_data(
    gateway: TestClient, admin_headers: Headers, year_2025: dict[str, int]
) -> None:
    h = admin_headers
    before = _annual(gateway, h)
    before_csv = _annual(gateway, h, format="csv")
    assert before.headers["etag"] and before.headers["etag"] != before_csv.headers["etag"]
    _later_data(gateway, h, year_2025)
    after = _annual(gateway, h)
    after_csv = _annual(gateway, h, format="csv")
    assert after.content == before.content
    assert after.headers["etag"] == before.headers["etag"]
    assert after_csv.content == before_csv.content
    assert after_csv.headers["etag"] == before_csv.headers["etag"]
    unchanged = gateway.get(
        f"/api/v1/reports/annual/{YEAR}", headers={**h, "If-None-Match": before.headers["etag"]}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == before.headers["etag"]
    # the later year's own report does show what was recorded for it
    rows = {
        r["project_id"]: r
        for r in _annual(gateway, h, 2026).json()["sections"]["projects"]["data"]["items"]
    }
    assert rows[year_2025["data"]]["spending_usd"] == "250.00"


def test_results_count_only_the_periods_ended_by_the_years_end(
    gateway: TestClient,
    admin_headers: Headers,
    year_2025: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report, "_today", lambda: dt.date(2027, 1, 5))  # 2026 is closed too
    _later_data(gateway, admin_headers, year_2025)
    data = year_2025["data"]

    def progress(year: int) -> Any:
        results = _annual(gateway, admin_headers, year).json()["sections"]["results"]["data"]
        return {r["project_id"]: r["progress"] for r in results["projects"]}[data]

    assert progress(2025) == "0.5000"
    assert progress(2026) == "1.0000"
    batch = gateway.get(
        "/api/v1/projects/batch/results",
        params={"ids": str(data), "periods_ended_by": "2025-12-31"},
        headers=admin_headers,
    ).json()["items"][0]
    periods = batch["results"][0]["indicators"][0]["periods"]
    assert [p["period_end"] for p in periods] == ["2025-12-31"]


def test_report_of_the_running_year_is_as_of_today_and_not_final(
    gateway: TestClient, admin_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "_today", lambda: dt.date(2026, 6, 30))
    running = _annual(gateway, admin_headers, 2026).json()
    assert (running["as_of"], running["final"]) == ("2026-06-30", False)
    assert running["sections"]["results"]["data"]["periods_ended_by"] == "2026-06-30"
    closed = _annual(gateway, admin_headers, 2025).json()
    assert (closed["as_of"], closed["final"]) == ("2025-12-31", True)


def test_an_if_none_match_naming_no_tag_of_the_report_gets_the_whole_report(
    gateway: TestClient, admin_headers: Headers
) -> None:
    """A weak or empty tag that matches nothing is simply not a match (never an error)."""
    response = gateway.get(
        f"/api/v1/reports/annual/{YEAR}", headers={**admin_headers, "If-None-Match": 'W/"x", ,'}
    )
    assert response.status_code == 200 and response.headers["etag"]


def _thematic_evaluation_completed_in_2025(gw: TestClient, h: Headers) -> dict[str, Any]:
    """A thematic evaluation completed on 1 October 2025 with one accepted recommendation and
    two key actions: one due in November 2025 (left open), one due in 2026."""
    evaluation = _created(
        gw.post(
            "/api/v1/evaluations",
            json={
                "kind": "thematic",
                "title": "Thematic evaluation of SDG data support",
                "commissioning_entities": ["ESCAP"],
            },
            headers=h,
        )
    )
    lead = _created(
        gw.post(
            "/api/v1/evaluators",
            json={
                "name": "Aigerim Sadykova",
                "employer_name": "Independent consultant",
                "employer_iati_org_id": "XM-CONSULT-1",
                "declaration_signed_on": "2025-01-10",
                "declared_interests": "None.",
            },
            headers=h,
        )
    )
    url = f"/api/v1/evaluations/{evaluation['id']}"
    _created(gw.post(f"{url}/team", json={"evaluator_id": lead["id"], "role": "lead"}, headers=h))
    steps = [
        ("terms_of_reference_approved", "2025-02-01"),
        ("evaluator_contracted", "2025-03-01"),
        ("inception", "2025-04-01"),
        ("data_collection", "2025-05-01"),
        ("draft_report", "2025-07-01"),
    ]
    for status, day in steps:
        _created(
            gw.post(f"{url}/transitions", json={"status": status, "effective_on": day}, headers=h)
        )
    recommendation = _created(
        gw.post(
            "/api/v1/recommendations",
            json={
                "evaluation_id": evaluation["id"],
                "text": "Publish the regional SDG data gaps every year.",
                "addressee": "head_of_centre",
                "priority": "high",
                "issued_on": "2025-07-15",
            },
            headers=h,
        )
    )
    _created(
        gw.post(
            f"/api/v1/recommendations/{recommendation['id']}/management-response",
            json={"acceptance": "fully_accepted", "responded_on": "2025-08-15"},
            headers=h,
        )
    )
    actions = [
        _created(
            gw.post(
                "/api/v1/key-actions",
                json={
                    "recommendation_id": recommendation["id"],
                    "description": description,
                    "responsible_unit": "Programme Unit",
                    "due_date": due,
                },
                headers=h,
            )
        )
        for description, due in (("First gaps report", "2025-11-30"), ("Second", "2026-11-30"))
    ]
    for status, day in (("final_report", "2025-08-01"), ("management_response", "2025-08-20")):
        _created(
            gw.post(f"{url}/transitions", json={"status": status, "effective_on": day}, headers=h)
        )
    _created(
        gw.post(
            f"{url}/transitions",
            json={"status": "completed", "effective_on": "2025-10-01"},
            headers=h,
        )
    )
    return {"evaluation": evaluation, "actions": actions}


def test_follow_up_lists_each_evaluation_completed_in_the_year_with_actions_overdue_at_its_end(
    gateway: TestClient, admin_headers: Headers, evaluation_day: Day
) -> None:
    h = admin_headers
    made = _thematic_evaluation_completed_in_2025(gateway, h)
    before = _annual(gateway, h)
    followup = before.json()["sections"]["evaluation_follow_up"]
    assert followup["status"] == "ok"
    [row] = followup["data"]["evaluations"]
    assert row["evaluation_id"] == made["evaluation"]["id"] and row["kind"] == "thematic"
    assert row["completed_on"] == "2025-10-01"
    assert (row["recommendations"], row["responded"], row["accepted"]) == (1, 1, 1)
    assert row["key_actions_due"] == 1
    [overdue] = row["overdue_key_actions"]
    assert overdue["key_action_id"] == made["actions"][0]["id"]
    assert overdue["days_overdue"] == 31  # 30 November to 31 December 2025
    # completing the action in 2026 is 2026's news: the 2025 report keeps its bytes
    evaluation_day.day = dt.date(2026, 1, 20)
    done = gateway.patch(
        f"/api/v1/key-actions/{made['actions'][0]['id']}",
        json={"status": "completed", "completed_on": "2026-01-20"},
        headers={**h, "If-Match": _etag(gateway, h, made["actions"][0]["id"])},
    )
    assert done.status_code == 200, done.text
    after = _annual(gateway, h)
    assert after.content == before.content and after.headers["etag"] == before.headers["etag"]
    assert _annual(gateway, h, 2024).json()["sections"]["evaluation_follow_up"]["data"] == {
        "method": followup["data"]["method"],
        "evaluations": [],
    }


def _etag(gw: TestClient, h: Headers, key_action_id: int) -> str:
    return str(gw.get(f"/api/v1/key-actions/{key_action_id}", headers=h).headers["etag"])


def test_follow_up_is_marked_forbidden_for_a_key_without_evaluation_read_and_the_rest_stands(
    gateway: TestClient, admin_headers: Headers
) -> None:
    issued = gateway.post(
        "/api/v1/api-keys",
        headers=admin_headers,
        json={"name": "reports", "scopes": ["reports:read", "projects:read"]},
    ).json()
    response = _annual(gateway, {"Authorization": f"Bearer {issued['api_key']}"})
    body = response.json()
    assert body["complete"] is True and body["missing_sources"] == []
    assert body["sections"]["evaluation_follow_up"]["status"] == "forbidden"
    assert "evaluation:read" in body["sections"]["evaluation_follow_up"]["detail"]
    assert body["sections"]["evaluation"]["status"] == "ok"


@pytest.mark.parametrize(
    ("amount", "weights", "shares"),
    [
        ("1000.01", ["50", "50"], ["500.01", "500.00"]),
        ("100.00", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
        ("0.10", ["1", "1", "1"], ["0.04", "0.03", "0.03"]),
        ("0.02", ["10", "45", "45"], ["0.00", "0.01", "0.01"]),
        ("-0.05", ["60", "40"], ["-0.03", "-0.02"]),
        ("7.00", ["0", "0"], ["3.50", "3.50"]),
    ],
)
def test_spending_split_by_country_shares_adds_up_to_the_cent_and_never_changes_sign(
    amount: str, weights: list[str], shares: list[str]
) -> None:
    keyed = [(str(n), Decimal(w)) for n, w in enumerate(weights)]
    split = report_cuts.split_by_weights(Decimal(amount), keyed)
    assert [str(v) for v in split.values()] == shares
    assert sum(split.values()) == Decimal(amount)


def test_without_the_ledger_every_money_cut_is_marked_and_the_rest_is_given(
    make_gateway: Callable[..., FastAPI], admin_headers: Headers
) -> None:
    with TestClient(make_gateway(funding_url="http://127.0.0.1:9", retry_attempts=0)) as gw:
        _project(gw, admin_headers, "DATA", planned_start="2025-01-01", planned_end="2025-12-31")
        refused = gw.get(f"/api/v1/reports/annual/{YEAR}", headers=admin_headers)
        marked = _annual(gw, admin_headers, partial="true")
    assert refused.status_code == 503 and refused.json()["missing_sources"] == ["funding"]
    body = marked.json()
    assert body["complete"] is False and marked.headers["etag"]
    sections = body["sections"]
    for name in ("projects", "regional_cuts", "spending_by_country", "sdg_contribution"):
        assert sections[name]["status"] == "unavailable" and sections[name]["data"] is None, name
    assert sections["implementation"]["data"]["projects_active"] == 1
    assert sections["evaluation_follow_up"]["status"] == "ok"
