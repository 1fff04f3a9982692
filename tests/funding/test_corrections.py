"""Corrections of money records: reversal of a receipt, an in-kind contribution, an allocation
or an expenditure through its record — the journal only ever grows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.funding.flow_helpers import account_balances, contributor, receive, signed_agreement
from tests.funding.ledger_helpers import publish_rate


def _reverse(client: TestClient, what: str, record_id: int, **over: Any) -> Any:
    body = {"reason": "recorded in error", **over}
    return client.post(f"/api/v1/{what}/{record_id}/reversal", json=body)


def _allocate(client: TestClient, fund_id: int, project_id: int, amount: str) -> Any:
    return client.post(
        "/api/v1/allocations",
        json={
            "fund_id": fund_id,
            "project_id": project_id,
            "amount": amount,
            "value_date": "2027-02-15",
        },
    )


def _spend(client: TestClient, fund_id: int, amount: str, **over: Any) -> Any:
    body = {
        "fund_id": fund_id,
        "category": "travel",
        "amount": amount,
        "value_date": "2027-03-01",
        **over,
    }
    return client.post("/api/v1/expenditures", json=body)


def test_receipt_reversal_restores_receivable_and_instalment(client: TestClient) -> None:
    agreement = signed_agreement(client, contributor(client))
    got = receive(client, agreement["id"], "600.00")
    assert got.status_code == 201, got.text
    contribution = got.json()

    reversed_ = _reverse(client, "contributions", contribution["id"], value_date="2027-02-03")
    assert reversed_.status_code == 201, reversed_.text
    txn = reversed_.json()
    assert txn["kind"] == "reversal"
    assert txn["reverses_id"] == contribution["transaction_id"]
    assert txn["reason"] == "recorded in error"
    assert reversed_.headers["Location"] == f"/api/v1/ledger/transactions/{txn['id']}"
    balances = account_balances(client, agreement["fund_id"])
    assert balances["1000/core"] == Decimal("0.00")
    assert balances["1100/core"] == Decimal("1000.00")
    read = client.get(f"/api/v1/contributions/{contribution['id']}").json()
    assert read["reversal"] == {
        "transaction_id": txn["id"],
        "value_date": "2027-02-03",
        "reason": "recorded in error",
    }
    assert (
        client.get("/api/v1/contributions").json()["items"][0]["reversal"]["transaction_id"]
        == (txn["id"])
    )
    terms = client.get(f"/api/v1/agreements/{agreement['id']}").json()
    assert Decimal(terms["received"]) == 0
    assert Decimal(terms["receivable_usd_open"]) == Decimal("1000.00")
    assert Decimal(terms["instalments"][0]["received"]) == 0
    # the instalment is due again in full, and the second reversal is refused
    assert receive(client, agreement["id"], "600.00").status_code == 201
    again = _reverse(client, "contributions", contribution["id"])
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-reversed")
    assert again.json()["reversed_by"] == txn["id"]
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True


def test_receipt_with_exchange_difference_reverses_every_line(client: TestClient) -> None:
    publish_rate(client, "EUR", "2027-01-01", "0.9")
    publish_rate(client, "EUR", "2027-02-01", "0.8")
    agreement = signed_agreement(
        client,
        contributor(client),
        currency="EUR",
        total="900.00",
        instalments=[{"due_date": "2027-02-01", "amount": "900.00"}],
    )
    got = receive(client, agreement["id"], "450.00", currency="EUR", value_date="2027-02-10")
    assert got.status_code == 201, got.text
    assert _reverse(client, "contributions", got.json()["id"]).status_code == 201
    balances = account_balances(client, agreement["fund_id"])
    assert balances["1000/core"] == Decimal("0.00")
    assert balances["1100/core"] == Decimal("1000.00")
    assert balances["4900/core"] == Decimal("0.00")
    full = receive(client, agreement["id"], "900.00", currency="EUR", value_date="2027-02-11")
    assert full.status_code == 201, full.text
    assert account_balances(client, agreement["fund_id"])["1100/core"] == Decimal("0.00")


def test_receipt_already_spent_cannot_be_reversed(client: TestClient) -> None:
    agreement = signed_agreement(client, contributor(client))
    got = receive(client, agreement["id"], "600.00")
    assert _spend(
        client, agreement["fund_id"], "450.00", category="operating_costs"
    ).status_code == (201)
    refused = _reverse(client, "contributions", got.json()["id"])
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("insufficient-funds")
    assert problem["shortfall"] == "450.00"
    assert account_balances(client, agreement["fund_id"])["1000/core"] == Decimal("150.00")
    assert client.get(f"/api/v1/contributions/{got.json()['id']}").json()["reversal"] is None


def test_backdated_receipt_reversal_must_not_leave_a_past_balance_negative(
    client: TestClient,
) -> None:
    """Cash 600 from 1 February, 300 spent on 1 June, 400 more received on 1 July (700 now):
    reversing the first receipt on its own date would leave June at -300, so it is refused
    though today's balance covers it; dated 1 July, when 700 is there from then on, it posts."""
    agreement = signed_agreement(client, contributor(client))
    first = receive(client, agreement["id"], "600.00").json()
    spent = _spend(client, agreement["fund_id"], "300.00", value_date="2027-06-01")
    assert spent.status_code == 201, spent.text
    later = receive(client, agreement["id"], "400.00", instalment=2, value_date="2027-07-01")
    assert later.status_code == 201, later.text
    assert account_balances(client, agreement["fund_id"])["1000/core"] == Decimal("700.00")

    backdated = _reverse(client, "contributions", first["id"])
    assert backdated.status_code == 409
    assert backdated.json()["type"].endswith("insufficient-funds")
    assert backdated.json()["shortfall"] == "300.00"
    assert client.get(f"/api/v1/contributions/{first['id']}").json()["reversal"] is None
    on_july = _reverse(client, "contributions", first["id"], value_date="2027-07-01")
    assert on_july.status_code == 201, on_july.text
    cash = account_balances(client, agreement["fund_id"])["1000/core"]
    assert cash == Decimal("100.00")
    cash_id = next(e for e in on_july.json()["entries"] if e["balance_after_usd"] == "100.00")
    june = client.get(
        f"/api/v1/ledger/accounts/{cash_id['account_id']}/balance", params={"as_of": "2027-06-30"}
    )
    assert june.json()["balance_usd"] == "300.00"


def test_receipt_of_a_closed_agreement_is_not_reversed(client: TestClient) -> None:
    """Reversing reopens the receivable, which only a signed or active agreement can receive."""
    agreement = signed_agreement(client, contributor(client))
    got = receive(client, agreement["id"], "600.00").json()
    url = f"/api/v1/agreements/{agreement['id']}/status"
    assert client.post(url, json={"status": "active"}).status_code == 200
    assert client.post(url, json={"status": "operationally_closed"}).status_code == 200
    refused = _reverse(client, "contributions", got["id"])
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("agreement-not-receiving")
    assert client.get(f"/api/v1/contributions/{got['id']}").json()["reversal"] is None
    assert account_balances(client, agreement["fund_id"])["1000/core"] == Decimal("600.00")


def test_manual_reversal_of_a_record_transaction_points_to_the_record(
    client: TestClient,
) -> None:
    agreement = signed_agreement(client, contributor(client))
    got = receive(client, agreement["id"], "600.00").json()
    refused = client.post(
        f"/api/v1/ledger/transactions/{got['transaction_id']}/reversal",
        json={"reason": "wrong"},
    )
    assert refused.status_code == 409
    assert "/api/v1/contributions/{id}/reversal" in refused.json()["detail"]


def test_reversal_cannot_predate_what_it_corrects(client: TestClient) -> None:
    agreement = signed_agreement(client, contributor(client))
    got = receive(client, agreement["id"], "600.00").json()
    refused = _reverse(client, "contributions", got["id"], value_date="2027-01-31")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "value_date"
    assert client.get(f"/api/v1/contributions/{got['id']}").json()["reversal"] is None


def test_in_kind_recognised_reverses_and_disclosed_only_is_refused(client: TestClient) -> None:
    cid = contributor(client, "Host", "host_country")
    common = {
        "kind": "in_kind",
        "contributor_id": cid,
        "currency": "USD",
        "value_date": "2027-01-01",
        "valuation_basis": "Fair value",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
    }
    premises = client.post(
        "/api/v1/contributions", json={**common, "in_kind_type": "premises", "amount": "900.00"}
    ).json()
    services = client.post(
        "/api/v1/contributions", json={**common, "in_kind_type": "services", "amount": "50.00"}
    ).json()
    assert _reverse(client, "contributions", premises["id"]).status_code == 201
    balances = account_balances(client, premises["fund_id"])
    assert balances["5100/core"] == Decimal("0.00")
    assert balances["4100/core"] == Decimal("0.00")
    refused = _reverse(client, "contributions", services["id"])
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("nothing-posted")
    assert _reverse(client, "contributions", 99999).status_code == 404


def test_allocation_reversal_only_of_what_the_project_has_not_spent(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    p1, _ = registry[1]
    agreement = signed_agreement(
        rclient, contributor(rclient), earmarking={"kind": "thematic", "sdg_goal": 17}
    )
    assert receive(rclient, agreement["id"], "600.00").status_code == 201
    fund_id = agreement["fund_id"]
    allocation = _allocate(rclient, fund_id, p1, "400.00")
    assert allocation.status_code == 201, allocation.text
    spent = _spend(rclient, fund_id, "150.00", project_id=p1)
    assert spent.status_code == 201, spent.text

    refused = _reverse(rclient, "allocations", allocation.json()["id"])
    assert refused.status_code == 409
    assert refused.json()["shortfall"] == "150.00"

    undone = _reverse(rclient, "expenditures", spent.json()["id"], reason="booked twice")
    assert undone.status_code == 201, undone.text
    expenditure = rclient.get(f"/api/v1/expenditures/{spent.json()['id']}").json()
    assert expenditure["reversal"]["reason"] == "booked twice"
    assert _reverse(rclient, "expenditures", spent.json()["id"]).status_code == 409

    assert _reverse(rclient, "allocations", allocation.json()["id"]).status_code == 201
    balances = account_balances(rclient, fund_id)
    assert balances["1000/sdg-17"] == Decimal("600.00")
    assert balances[f"1010/sdg-17/project-{p1}"] == Decimal("0.00")
    assert balances[f"5000/sdg-17/project-{p1}/travel"] == Decimal("0.00")
    listed = rclient.get("/api/v1/allocations").json()["items"]
    assert listed[0]["reversal"]["transaction_id"] > 0
    report = rclient.get("/api/v1/reports/sources-and-uses", params={"year": 2027}).json()
    assert report["reconciles"] is True
    assert report["expenditure_by_project"] in ([], [{"project_id": p1, "amount_usd": "0.00"}])
    # the project's funding no longer counts the reversed allocation nor the reversed spending
    (funding,) = rclient.get("/api/v1/reports/projects", params={"ids": str(p1)}).json()["items"]
    assert (funding["allocated"], funding["spent"], funding["cash_available"]) == (
        "0.00",
        "0.00",
        "0.00",
    )
