"""Funded means funded (issue 16, point 2), against the real ledger and registry: funding
sources are signed or active agreements or live allocations, and tracking compares the budget
with what the ledger allocated and spent for the evaluation on the day asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.evaluation.main import create_app
from services.evaluation.settings import Settings
from services.funding.main import create_app as create_funding_app
from services.funding.settings import Settings as FundingSettings
from tests.evaluation.conftest import Clock, created, schedule
from tests.funding.flow_helpers import agreement_body, contributor, receive, signed_agreement
from tests.support.clients import TEST_SECRET, signed_client, signed_http_client
from tests.support.server import serve_in_thread


@pytest.fixture
def ledger(
    fresh_database: Callable[[str], str], registry: tuple[str, httpx.Client], clock: Clock
) -> Iterator[tuple[str, httpx.Client]]:
    """The real funding ledger (asking the real registry, on the test's "today") on a real
    socket, and a seeder."""
    app = create_funding_app(
        FundingSettings(
            environment="test",
            database_url=fresh_database("funding"),
            identity_secret=TEST_SECRET,
            projects_url=registry[0],
        ),
        clock=clock,
    )
    with serve_in_thread(app) as base_url, signed_http_client(base_url) as seeder:
        yield base_url, seeder


@pytest.fixture
def client(
    evaluation_settings: Settings,
    clock: Clock,
    registry: tuple[str, httpx.Client],
    ledger: tuple[str, httpx.Client],
) -> Iterator[TestClient]:
    settings = evaluation_settings.model_copy(
        update={"projects_url": registry[0], "funding_url": ledger[0]}
    )
    with signed_client(create_app(settings, clock=clock)) as c:
        yield c


def _money(seeder: httpx.Client, registry: httpx.Client) -> dict[str, Any]:
    """A draft agreement, a signed one with cash, a live allocation and a reversed one."""
    project = created(
        registry.post(
            "/api/v1/projects",
            json={
                "local_code": "EV-F",
                "title": "Evaluation support",
                "dimensions": ["social"],
                "recipient_countries": [{"code": "UZ"}],
            },
        )
    )
    donor = contributor(seeder)
    draft = created(seeder.post("/api/v1/agreements", json=agreement_body(donor, reference="D")))
    signed = signed_agreement(seeder, donor, reference="S")
    created(receive(seeder, signed["id"], "600.00"))

    def allocate(amount: str, day: str) -> dict[str, Any]:
        return created(
            seeder.post(
                "/api/v1/allocations",
                json={
                    "fund_id": signed["fund_id"],
                    "project_id": project["id"],
                    "amount": amount,
                    "value_date": day,
                },
            )
        )

    live = allocate("400.00", "2027-02-15")
    gone = allocate("100.00", "2027-02-16")
    created(
        seeder.post(
            f"/api/v1/allocations/{gone['id']}/reversal",
            json={"reason": "wrong fund", "value_date": "2027-03-01"},
        )
    )
    return {"project": project, "draft": draft, "signed": signed, "live": live, "gone": gone}


def _plan(client: TestClient, cycle_id: int, *sources: tuple[str, int]) -> Any:
    return client.post(
        "/api/v1/evaluations",
        json={
            "kind": "independent_centre",
            "title": "Independent evaluation 2028",
            "cycle_id": cycle_id,
            "commissioning_entities": ["UN DESA"],
            "budget": {"amount": "1000.00", "currency": "USD"},
            "funding_sources": [{"kind": k, "id": i} for k, i in sources],
        },
    )


def test_draft_agreement_or_reversed_allocation_is_refused_and_nothing_stored(
    client: TestClient, ledger: tuple[str, httpx.Client], registry: tuple[str, httpx.Client]
) -> None:
    money = _money(ledger[1], registry[1])
    [cycle, *_] = schedule(client)
    for sources, rule in (
        (
            (("agreement", money["signed"]["id"]), ("agreement", money["draft"]["id"])),
            "funding-agreement-not-signed",
        ),
        ((("allocation", money["gone"]["id"]),), "funding-allocation-reversed"),
    ):
        refused = _plan(client, cycle["id"], *sources)
        assert refused.status_code == 422, refused.text
        error = refused.json()["errors"][0]
        assert error["rule"] == rule
        assert error["field"] == f"funding_sources.{len(sources) - 1}.id"
    assert client.get("/api/v1/evaluations").json()["items"] == []
    evaluation = created(
        _plan(
            client,
            cycle["id"],
            ("agreement", money["signed"]["id"]),
            ("allocation", money["live"]["id"]),
        )
    )
    url = f"/api/v1/evaluations/{evaluation['id']}"
    patched = client.patch(
        url,
        json={"funding_sources": [{"kind": "allocation", "id": money["gone"]["id"]}]},
        headers={"If-Match": client.get(url).headers["etag"]},
    )
    assert patched.status_code == 422, patched.text
    assert len(client.get(url).json()["funding_sources"]) == 2


def _funding(client: TestClient, evaluation_id: int, day: str) -> dict[str, Any]:
    return created(
        client.get(
            f"/api/v1/evaluation-tracking/evaluations/{evaluation_id}/funding",
            params={"today": day},
        )
    )


def _funded_in_cycle(client: TestClient, day: str) -> bool:
    [row, *_] = client.get("/api/v1/evaluation-tracking/cycles", params={"today": day}).json()[
        "items"
    ]
    return bool(row["compliance"]["funded_from_voluntary_contributions"])


def test_budget_is_compared_with_what_was_allocated_and_spent_on_the_day_asked(
    client: TestClient, ledger: tuple[str, httpx.Client], registry: tuple[str, httpx.Client]
) -> None:
    _, seeder = ledger
    money = _money(seeder, registry[1])
    [cycle, *_] = schedule(client)
    evaluation = created(
        _plan(
            client,
            cycle["id"],
            ("agreement", money["signed"]["id"]),
            ("allocation", money["live"]["id"]),
        )
    )

    def spend(amount: str, ref: str, project_id: int | None = None) -> dict[str, Any]:
        return created(
            seeder.post(
                "/api/v1/expenditures",
                json={
                    "fund_id": money["signed"]["fund_id"],
                    "project_id": project_id,
                    "category": "evaluation",
                    "amount": amount,
                    "value_date": "2027-03-10",
                    "evaluation_ref": ref,
                },
            )
        )

    ours = spend("150.00", str(evaluation["id"]), project_id=money["project"]["id"])
    spend("20.00", "some other evaluation")  # from the fund's unallocated cash
    now = _funding(client, evaluation["id"], "2028-01-15")
    assert (now["allocated_usd"], now["spent_usd"]) == ("400.00", "150.00")
    assert (now["budget_unallocated_usd"], now["budget_unspent_usd"]) == ("600.00", "850.00")
    assert now["expenditure_ids"] == [ours["id"]]
    assert now["funded_from_voluntary_contributions"] is True
    assert _funded_in_cycle(client, "2028-01-15") is True
    before = _funding(client, evaluation["id"], "2027-02-10")  # allocation not yet made
    assert (before["allocated_usd"], before["spent_usd"]) == ("0.00", "0.00")
    assert before["funded_from_voluntary_contributions"] is False
    assert _funded_in_cycle(client, "2027-02-10") is False

    for what, record, day in (
        ("expenditures", ours["id"], "2027-04-01"),
        ("allocations", money["live"]["id"], "2027-05-01"),
    ):
        created(
            seeder.post(
                f"/api/v1/{what}/{record}/reversal", json={"reason": "moved", "value_date": day}
            )
        )
    after = _funding(client, evaluation["id"], "2028-01-15")
    assert (after["allocated_usd"], after["spent_usd"]) == ("0.00", "0.00")
    assert after["funded_from_voluntary_contributions"] is False
    assert [s["funds_on_day"] for s in after["sources"]] == [True, False]
    assert after["sources"][1]["reversed_on"] == "2027-05-01"
    assert _funded_in_cycle(client, "2028-01-15") is False
    then = _funding(client, evaluation["id"], "2027-03-15")  # both still live that day
    assert (then["allocated_usd"], then["spent_usd"]) == ("400.00", "150.00")
    assert _funded_in_cycle(client, "2027-03-15") is True
