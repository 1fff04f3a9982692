"""Allocations to registry projects and expenditures: never beyond what was received."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.funding.flow_helpers import account_balances, contributor, receive, signed_agreement


def _funded(client: TestClient, amount: str = "600.00", **over: object) -> dict[str, object]:
    cid = contributor(client)
    agreement = signed_agreement(client, cid, **over)
    assert receive(client, agreement["id"], amount).status_code == 201
    return agreement


def _spend(client: TestClient, fund_id: object, amount: str, **over: object) -> object:
    body = {
        "fund_id": fund_id,
        "category": "operating_costs",
        "amount": amount,
        "value_date": "2027-03-01",
    }
    body.update(over)
    return client.post("/api/v1/expenditures", json=body)


def test_core_operating_costs_within_cash_and_shortfall_named(client: TestClient) -> None:
    fund_id = _funded(client)["fund_id"]
    ok = _spend(client, fund_id, "500.00")
    assert ok.status_code == 201, ok.text
    assert ok.json()["is_evaluation_cost"] is False
    refused = _spend(client, fund_id, "100.01")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("insufficient-funds")
    assert problem["fund_id"] == fund_id
    assert problem["shortfall"] == "0.01"
    assert len(client.get("/api/v1/expenditures").json()["items"]) == 1
    assert account_balances(client, fund_id)["1000/core"] == Decimal("100.00")


def test_backdated_spending_cannot_use_cash_received_later(client: TestClient) -> None:
    """600 received on 1 February, 400 on 1 July: 700 dated 1 March would leave March at -100
    though 1,000 is there now; dated 1 July it is covered on that day and every later one."""
    agreement = _funded(client)
    fund_id = agreement["fund_id"]
    later = receive(client, agreement["id"], "400.00", instalment=2, value_date="2027-07-01")
    assert later.status_code == 201, later.text
    refused = _spend(client, fund_id, "700.00")
    assert refused.status_code == 409
    assert refused.json()["available"] == "600.00"
    assert refused.json()["shortfall"] == "100.00"
    ok = _spend(client, fund_id, "700.00", value_date="2027-07-01")
    assert ok.status_code == 201, ok.text
    assert account_balances(client, fund_id)["1000/core"] == Decimal("300.00")


def test_earmarked_fund_spends_only_allocated_money(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    p1, p2 = registry[1]
    agreement = _funded(rclient, earmarking={"kind": "thematic", "sdg_goal": 17}, reference="AGR-T")
    fund_id = agreement["fund_id"]
    no_project = _spend(rclient, fund_id, "10.00")
    assert no_project.status_code == 422
    assert no_project.json()["errors"][0]["field"] == "project_id"
    unallocated = _spend(rclient, fund_id, "10.00", project_id=p1)
    assert unallocated.status_code == 409
    assert unallocated.json()["shortfall"] == "10.00"
    alloc = rclient.post(
        "/api/v1/allocations",
        json={"fund_id": fund_id, "project_id": p1, "amount": "400.00", "value_date": "2027-02-15"},
    )
    assert alloc.status_code == 201, alloc.text
    assert rclient.get(f"/api/v1/allocations/{alloc.json()['id']}").status_code == 200
    assert rclient.get("/api/v1/allocations/999").status_code == 404
    too_much = rclient.post(
        "/api/v1/allocations",
        json={"fund_id": fund_id, "project_id": p2, "amount": "200.01", "value_date": "2027-02-15"},
    )
    assert too_much.status_code == 409
    assert too_much.json()["shortfall"] == "0.01"
    unknown = rclient.post(
        "/api/v1/allocations",
        json={
            "fund_id": fund_id,
            "project_id": 99999,
            "amount": "1.00",
            "value_date": "2027-02-15",
        },
    )
    assert unknown.status_code == 422
    evaluation = _spend(rclient, fund_id, "150.00", project_id=p1, category="evaluation")
    assert evaluation.status_code == 201, evaluation.text
    assert evaluation.json()["is_evaluation_cost"] is True
    over = _spend(rclient, fund_id, "250.01", project_id=p1, category="travel")
    assert over.status_code == 409
    assert over.json()["shortfall"] == "0.01"
    assert _spend(rclient, fund_id, "250.00", project_id=p1, category="travel").status_code == 201
    balances = account_balances(rclient, fund_id)
    assert balances[f"1010/sdg-17/project-{p1}"] == Decimal("0.00")
    assert balances["1000/sdg-17"] == Decimal("200.00")
    listed = rclient.get("/api/v1/expenditures", params={"is_evaluation_cost": "true"}).json()
    assert [e["category"] for e in listed["items"]] == ["evaluation"]


def test_allocation_registry_down_is_503(client: TestClient) -> None:
    fund_id = _funded(client)["fund_id"]
    response = client.post(
        "/api/v1/allocations",
        json={"fund_id": fund_id, "project_id": 1, "amount": "1.00", "value_date": "2027-02-15"},
    )
    assert response.status_code == 503
    assert client.get("/api/v1/allocations").json()["items"] == []
