"""Money figures of funds and projects (issue 12, point 1): cash is not revenue, and every
figure reconciles to the journal to the cent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.funding.flow_helpers import account_balances, contributor, receive
from tests.funding.ledger_helpers import publish_rate


def _eur_project_scenario(client: TestClient, project: int) -> dict[str, Any]:
    """EUR 900 earmarked to ``project``, signed at 0.90 EUR/USD (1,000.00 USD) in two
    instalments of 450 (due 15 January and 15 June); the first paid on 1 February at 0.95
    (473.68 USD: an exchange loss of 26.32), the second never; 300 USD allocated to the
    project, 120 USD spent."""
    publish_rate(client, "EUR", "2027-01-01", "0.90")
    publish_rate(client, "EUR", "2027-02-01", "0.95")
    made = client.post(
        "/api/v1/agreements",
        json={
            "reference": "AGR-EUR",
            "contributor_id": contributor(client, "Germany"),
            "currency": "EUR",
            "total": "900.00",
            "instalments": [
                {"due_date": "2027-01-15", "amount": "450.00"},
                {"due_date": "2027-06-15", "amount": "450.00"},
            ],
            "earmarking": {"kind": "project", "project_id": project},
        },
    )
    assert made.status_code == 201, made.text
    agreement = made.json()
    signed = client.post(
        f"/api/v1/agreements/{agreement['id']}/status",
        json={"status": "signed", "on": "2027-01-05"},
    )
    assert signed.status_code == 200, signed.text
    paid = receive(client, agreement["id"], "450.00", currency="EUR")
    assert paid.status_code == 201, paid.text
    assert paid.json()["exchange_difference_usd"] == "-26.32"
    fund_id = agreement["fund_id"]
    allocated = client.post(
        "/api/v1/allocations",
        json={
            "fund_id": fund_id,
            "project_id": project,
            "amount": "300.00",
            "value_date": "2027-02-10",
        },
    )
    assert allocated.status_code == 201, allocated.text
    spent = client.post(
        "/api/v1/expenditures",
        json={
            "fund_id": fund_id,
            "project_id": project,
            "category": "travel",
            "amount": "120.00",
            "value_date": "2027-03-01",
        },
    )
    assert spent.status_code == 201, spent.text
    return {"fund_id": fund_id, "agreement_id": agreement["id"]}


EXPECTED = {
    "committed": "1000.00",
    "revenue_recognised": "1000.00",
    "deferred_revenue": "0.00",
    "cash_received": "473.68",
    "exchange_differences": "-26.32",
    "in_kind_received": "0.00",
    "receivable": "500.00",
    "receivable_overdue": "500.00",
    "allocated": "300.00",
    "spent": "120.00",
    "in_kind_used": "0.00",
    "cash_unallocated": "173.68",
    "cash_allocated": "180.00",
    "cash_available": "180.00",
}


def _project(client: TestClient, project: int, as_of: str) -> dict[str, Any]:
    response = client.get("/api/v1/reports/projects", params={"ids": project, "as_of": as_of})
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    return dict(item)


def test_project_figures_separate_commitment_revenue_cash_and_what_can_be_spent(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    project = registry[1][0]
    made = _eur_project_scenario(rclient, project)
    item = _project(rclient, project, "2027-07-01")
    assert {k: item[k] for k in EXPECTED} == EXPECTED
    assert item["as_of"] == "2027-07-01" and item["currency"] == "USD"
    # The fields named for what they were not are retired.
    assert "received" not in item and "balance" not in item
    (agreement,) = item["agreements"]
    assert agreement["total_usd"] == item["committed"]
    # Cash received = committed - receivable + exchange differences, to the cent.
    assert Decimal(item["cash_received"]) == Decimal(item["committed"]) - Decimal(
        item["receivable"]
    ) + Decimal(item["exchange_differences"])
    # Each figure is the journal's: the fund's account balances.
    balances = account_balances(rclient, made["fund_id"])
    assert balances[f"1000/project-{project}"] == Decimal(item["cash_unallocated"])
    assert balances[f"1010/project-{project}/project-{project}"] == Decimal(item["cash_allocated"])
    assert balances[f"1100/project-{project}"] == Decimal(item["receivable"])
    assert balances[f"4900/project-{project}"] == -Decimal(item["exchange_differences"])
    assert balances[f"4000/project-{project}"] == -Decimal(item["revenue_recognised"])


def test_cash_available_is_what_the_ledger_lets_an_expenditure_take(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    project = registry[1][0]
    made = _eur_project_scenario(rclient, project)
    available = Decimal(_project(rclient, project, "2027-12-31")["cash_available"])
    body = {
        "fund_id": made["fund_id"],
        "project_id": project,
        "category": "travel",
        "value_date": "2027-12-31",
    }
    over = rclient.post("/api/v1/expenditures", json={**body, "amount": str(available + 1)})
    assert over.status_code == 409 and over.json()["available"] == str(available)
    exact = rclient.post("/api/v1/expenditures", json={**body, "amount": str(available)})
    assert exact.status_code == 201, exact.text
    assert _project(rclient, project, "2027-12-31")["cash_available"] == "0.00"


def test_overdue_is_read_as_of_a_day(rclient: TestClient, registry: tuple[str, list[int]]) -> None:
    project = registry[1][0]
    _eur_project_scenario(rclient, project)
    # On 1 February the first instalment (due 15 January) is paid that day: nothing overdue.
    assert _project(rclient, project, "2027-02-01")["receivable_overdue"] == "0.00"
    # On 31 January it was overdue, and no cash had come in yet.
    before = _project(rclient, project, "2027-01-31")
    assert before["receivable_overdue"] == "500.00" and before["cash_received"] == "0.00"
    assert before["receivable"] == "1000.00" and before["revenue_recognised"] == "1000.00"
    assert _project(rclient, project, "2027-06-15")["receivable_overdue"] == "0.00"
    assert _project(rclient, project, "2027-06-16")["receivable_overdue"] == "500.00"


def test_fund_figures_and_sources_and_uses_split_the_position(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    project = registry[1][0]
    made = _eur_project_scenario(rclient, project)
    response = rclient.get(
        "/api/v1/reports/funds", params={"ids": str(made["fund_id"]), "as_of": "2027-07-01"}
    )
    assert response.status_code == 200, response.text
    (fund,) = response.json()["items"]
    assert {k: fund[k] for k in EXPECTED} == EXPECTED
    assert fund["earmarking"] == "project" and fund["project_id"] == project
    report = rclient.get("/api/v1/reports/sources-and-uses", params={"year": 2027}).json()
    (row,) = report["funds"]
    assert row["closing_position"] == {
        "cash": "353.68",
        "receivables": "500.00",
        "deferred_revenue": "0.00",
        "in_kind": "0.00",
    }
    assert row["closing_balance"] == "853.68"
    assert report["closing_position"] == row["closing_position"]


def test_deferred_revenue_is_not_revenue_until_the_condition_is_met(client: TestClient) -> None:
    cid = contributor(client)
    made = client.post(
        "/api/v1/agreements",
        json={
            "reference": "AGR-COND",
            "contributor_id": cid,
            "currency": "USD",
            "total": "1000.00",
            "instalments": [{"due_date": "2027-01-15", "amount": "1000.00"}],
            "conditions": [{"description": "baseline study", "amount": "400.00"}],
            "earmarking": {"kind": "unearmarked"},
        },
    ).json()
    signed = client.post(
        f"/api/v1/agreements/{made['id']}/status", json={"status": "signed", "on": "2027-01-05"}
    )
    assert signed.status_code == 200, signed.text

    def figures() -> dict[str, Any]:
        page = client.get("/api/v1/reports/funds", params={"as_of": "2027-12-31"}).json()
        return dict(page["items"][0])

    before = figures()
    assert (before["committed"], before["revenue_recognised"]) == ("1000.00", "600.00")
    assert before["deferred_revenue"] == "400.00" and before["cash_received"] == "0.00"
    met = client.post(
        f"/api/v1/agreements/{made['id']}/conditions/1/met", json={"met_on": "2027-03-01"}
    )
    assert met.status_code == 200, met.text
    after = figures()
    assert (after["revenue_recognised"], after["deferred_revenue"]) == ("1000.00", "0.00")
    sources = client.get("/api/v1/reports/sources-and-uses", params={"year": 2027}).json()
    assert sources["closing_position"]["receivables"] == "1000.00"
