"""``make demo`` against a real suite: what it loads, and that a second run creates nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scripts import demo
from sdgc import Client
from shared.auth import SCOPES
from tests.support.suite import ADMIN_KEY, Suite


def counts(client: Client) -> dict[str, int]:
    """How many records of each kind the suite holds."""
    return {
        "projects": sum(1 for _ in client.projects.list()),
        "organisations": sum(1 for _ in client.organisations.list()),
        "action plans": sum(1 for _ in client.action_plans.list()),
        "centre revisions": sum(1 for _ in client.centre.history()),
        "rates": sum(1 for _ in client.rates.list()),
        "contributors": sum(1 for _ in client.contributors.list()),
        "pledges": sum(1 for _ in client.pledges.list()),
        "agreements": sum(1 for _ in client.agreements.list()),
        "contributions": sum(1 for _ in client.contributions.list()),
        "allocations": sum(1 for _ in client.allocations.list()),
        "expenditures": sum(1 for _ in client.expenditures.list()),
        "funds": sum(1 for _ in client.ledger.funds()),
        "journal transactions": sum(1 for _ in client.ledger.transactions()),
        "evaluation cycles": sum(1 for _ in client.evaluation_cycles.list()),
        "evaluators": sum(1 for _ in client.evaluators.list()),
        "evaluations": sum(1 for _ in client.evaluations.list()),
        "recommendations": sum(1 for _ in client.recommendations.list()),
        "key actions": sum(1 for _ in client.key_actions.list()),
    }


def test_a_second_run_creates_nothing(client: Client, suite: Suite) -> None:
    demo.run(client, out=lambda _: None)
    after_first = counts(client)
    again = demo.run(client, out=lambda _: None)

    assert after_first["projects"] == 40
    assert sum(again.created.values()) == 0, again.summary()
    assert counts(client) == after_first


def test_a_run_with_another_key_creates_nothing(client: Client, suite: Suite) -> None:
    """A restarted `make run` generates another admin key, whose Idempotency-Keys are its
    own: the demo finds its records by their natural keys instead."""
    demo.run(client, out=lambda _: None)
    before = counts(client)
    issued = client.api_keys.create({"name": "demo rerun", "scopes": list(SCOPES)})

    with Client(suite.gateway_url, api_key=issued["api_key"]) as other:
        again = demo.run(other, out=lambda _: None)

    assert sum(again.created.values()) == 0, again.summary()
    assert counts(client) == before


def test_make_demo_reports_what_it_did(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], suite: Suite
) -> None:
    monkeypatch.setenv("SDGC_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("SDGC_URL", suite.gateway_url)

    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert "project:" in out and "The demo data is loaded" in out


def test_the_registry_is_living(client: Client) -> None:
    demo.run(client, out=lambda _: None)

    projects = list(client.projects.list())
    assert 35 <= len(projects) <= 45
    assert {c["code"] for p in projects for c in p["recipient_countries"]} == {
        "KZ",
        "KG",
        "TJ",
        "TM",
        "UZ",
        "AF",
    }
    assert {d for p in projects for d in p["dimensions"]} == {"economic", "social", "environmental"}
    assert len({g for p in projects for g in p["speca_groups"]}) == 6
    assert {p for project in projects for p in project["lldc_priorities"]} == {
        "1",
        "2",
        "3",
        "4",
        "5",
    }
    assert len({t for p in projects for t in p["sdg_targets"]}) >= 20
    assert all(p["participants"] for p in projects)
    running = next(p for p in projects if p["status"] == "2")
    assert client.projects.results(running["id"])["results"]
    adopted = [plan for plan in client.action_plans.list() if plan["status"] == "adopted"]
    assert len(adopted) == 1 and adopted[0]["items"]
    assert client.centre.get()["head_name"] == demo.CENTRE["head_name"]


def test_without_a_key_it_says_which_key_to_export(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    suite: Suite,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("SDGC_API_KEY", raising=False)
    monkeypatch.setenv("SDGC_KEY_FILE", str(tmp_path / "no-key-here"))
    monkeypatch.setenv("SDGC_URL", suite.gateway_url)

    assert demo.main([]) == 2
    assert "export SDGC_API_KEY" in capsys.readouterr().err


def test_the_ledger_is_living(client: Client) -> None:
    demo.run(client, out=lambda _: None)

    contributors = list(client.contributors.list())
    types = {c["type"] for c in contributors}
    assert {"host_country", "member_state", "private_sector"} <= types
    assert [c["country"] for c in contributors if c["type"] == "host_country"] == ["KZ"]
    agreements = list(client.agreements.list())
    assert len({a["currency"] for a in agreements}) >= 5
    assert all(a["status"] == "signed" for a in agreements)
    contributions = list(client.contributions.list())
    premises = [c for c in contributions if c["in_kind_type"] == "premises"]
    assert premises and all(c["recognised"] for c in premises)
    assert {p["status"] for p in client.pledges.list()} >= {"converted", "announced"}
    assert list(client.allocations.list()) and list(client.expenditures.list())
    assert client.ledger.verify()["valid"] is True
    totals = client.reports.sources_and_uses(year=2026)["totals"]
    assert totals


def test_the_2028_evaluation_is_followed_up(client: Client) -> None:
    demo.run(client, out=lambda _: None)

    (evaluation,) = client.evaluations.list()
    assert evaluation["cycle_year"] == 2028
    assert evaluation["status"] == "management_response"
    assert {m["role"] for m in evaluation["team"]} == {"lead", "member"}
    recommendations = list(client.recommendations.list(evaluation_id=evaluation["id"]))
    assert len(recommendations) == 3
    assert {r["management_response"]["acceptance"] for r in recommendations} == {
        "fully_accepted",
        "partially_accepted",
        "rejected",
    }
    # The evaluation service dates everything from the day it was recorded (its today): the
    # key action due that day is overdue from the next day on.
    recorded_on = dt.date.fromisoformat(str(evaluation["history"][0]["effective_on"]))
    next_day = recorded_on + dt.timedelta(days=1)
    overdue = list(client.evaluation_tracking.overdue_actions(today=next_day))
    assert len(overdue) == 1
    assert len(list(client.key_actions.list())) == 3


def test_a_key_the_gateway_refuses_is_told_like_a_missing_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], suite: Suite
) -> None:
    monkeypatch.setenv("SDGC_API_KEY", "not-the-key-make-run-printed")
    monkeypatch.setenv("SDGC_URL", suite.gateway_url)

    assert demo.main([]) == 2
    assert "export SDGC_API_KEY" in capsys.readouterr().err


def test_the_annual_report_covers_the_demo_year(client: Client) -> None:
    demo.run(client, out=lambda _: None)

    report = client.reports.annual(2026)

    assert report["complete"] is True, report["missing_sources"]
    assert report["sections"]["sdg_contribution"]["data"]["targets"]
