"""Cash against instalments (partial, overpayment refused, exchange differences) and in kind."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.funding.flow_helpers import (
    HOST,
    account_balances,
    agreement_body,
    contributor,
    receive,
    signed_agreement,
)
from tests.funding.ledger_helpers import publish_rate


def test_partial_cash_then_overpayment_refused(client: TestClient) -> None:
    cid = contributor(client)
    agreement = signed_agreement(client, cid)
    first = receive(client, agreement["id"], "250.00")
    assert first.status_code == 201, first.text
    assert first.json()["usd_amount"] == "250.00"
    over = receive(client, agreement["id"], "350.01")
    assert over.status_code == 422
    problem = over.json()
    assert problem["errors"][0]["field"] == "amount"
    assert problem["type"].endswith("instalment-overpayment")
    assert receive(client, agreement["id"], "350.00").status_code == 201
    read = client.get(f"/api/v1/agreements/{agreement['id']}").json()
    assert read["instalments"][0]["received"] == "600.00"
    assert read["received"] == "600.00"
    assert read["receivable_usd_open"] == "400.00"
    balances = account_balances(client, agreement["fund_id"])
    assert balances["1000/core"] == Decimal("600.00")
    assert balances["1100/core"] == Decimal("400.00")


def test_cash_on_a_draft_agreement_is_refused(client: TestClient) -> None:
    cid = contributor(client)
    aid = client.post("/api/v1/agreements", json=agreement_body(cid)).json()["id"]
    response = receive(client, aid, "10.00")
    assert response.status_code == 409
    assert client.get("/api/v1/contributions").json()["items"] == []


def test_realised_exchange_difference_is_posted(client: TestClient) -> None:
    cid = contributor(client)
    publish_rate(client, "EUR", "2027-01-01", "0.9")  # 900 EUR = 1000.00 USD at signing
    publish_rate(client, "EUR", "2027-02-01", "0.8")  # 450 EUR = 562.50 USD at receipt
    agreement = signed_agreement(
        client,
        cid,
        currency="EUR",
        total="900.00",
        instalments=[
            {"due_date": "2027-02-01", "amount": "450.00"},
            {"due_date": "2027-03-01", "amount": "450.00"},
        ],
    )
    got = receive(client, agreement["id"], "450.00", currency="EUR", value_date="2027-02-10")
    assert got.status_code == 201, got.text
    body = got.json()
    assert body["usd_amount"] == "562.50"
    assert body["rate"].startswith("0.8")
    assert body["exchange_difference_usd"] == "62.50"
    read = client.get(f"/api/v1/contributions/{body['id']}").json()
    assert read["exchange_difference_usd"] == "62.50"
    listed = client.get("/api/v1/contributions").json()["items"]
    assert [c["exchange_difference_usd"] for c in listed] == ["62.50"]
    balances = account_balances(client, agreement["fund_id"])
    assert balances["1000/core"] == Decimal("562.50")
    assert balances["1100/core"] == Decimal("500.00")
    assert balances["4900/core"] == Decimal("-62.50")
    # the last receipt clears the receivable exactly, whatever the rounding
    publish_rate(client, "EUR", "2027-03-01", "0.95")
    last = receive(
        client, agreement["id"], "450.00", instalment=2, currency="EUR", value_date="2027-03-02"
    )
    assert last.status_code == 201, last.text
    assert account_balances(client, agreement["fund_id"])["1100/core"] == Decimal("0.00")
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True


def test_missing_rate_on_value_date_names_currency_and_month(client: TestClient) -> None:
    cid = contributor(client)
    publish_rate(client, "EUR", "2027-01-01", "0.9")
    agreement = signed_agreement(
        client,
        cid,
        currency="EUR",
        total="900.00",
        instalments=[{"due_date": "2027-02-01", "amount": "900.00"}],
    )
    response = receive(client, agreement["id"], "100.00", currency="EUR", value_date="2027-05-02")
    assert response.status_code == 422
    assert response.json()["currency"] == "EUR"
    assert response.json()["month"] == "2027-05"


def test_host_country_premises_and_operating_cash_reference_case(client: TestClient) -> None:
    """Paragraph 9: the host country gives in-kind premises and cash for operating costs."""
    host = client.post("/api/v1/contributors", json=HOST)
    assert host.status_code == 201, host.text
    host_id = host.json()["id"]
    publish_rate(client, "KZT", "2027-01-01", "500")
    premises = client.post(
        "/api/v1/contributions",
        json={
            "kind": "in_kind",
            "contributor_id": host_id,
            "in_kind_type": "premises",
            "description": "Office premises in Almaty",
            "amount": "60000000.00",
            "currency": "KZT",
            "value_date": "2027-01-01",
            "valuation_basis": "Fair rental value from comparable office leases",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
        },
    )
    assert premises.status_code == 201, premises.text
    assert premises.json()["recognised"] is True
    assert premises.json()["usd_amount"] == "120000.00"
    cash_agreement = signed_agreement(
        client,
        host_id,
        reference="KZ-OPS-2027",
        currency="KZT",
        total="50000000.00",
        instalments=[{"due_date": "2027-01-31", "amount": "50000000.00"}],
    )
    cash = receive(
        client, cash_agreement["id"], "50000000.00", currency="KZT", value_date="2027-01-20"
    )
    assert cash.status_code == 201, cash.text
    assert cash.json()["usd_amount"] == "100000.00"
    assert cash.json()["revenue_category"] == "voluntary_not_specified"
    balances = account_balances(client, cash_agreement["fund_id"])
    assert balances["5100/core"] == Decimal("120000.00")
    assert balances["4100/core"] == Decimal("-120000.00")
    assert balances["1000/core"] == Decimal("100000.00")
    assert balances["1100/core"] == Decimal("0.00")


def test_in_kind_services_are_disclosed_not_posted(client: TestClient) -> None:
    cid = contributor(client, "Volunteer network", "other")
    response = client.post(
        "/api/v1/contributions",
        json={
            "kind": "in_kind",
            "contributor_id": cid,
            "in_kind_type": "services",
            "amount": "5000.00",
            "currency": "USD",
            "value_date": "2027-02-01",
            "valuation_basis": "Hours at market day rates",
            "period_start": "2027-02-01",
            "period_end": "2027-02-28",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["recognised"] is False
    assert response.json()["transaction_id"] is None
    assert client.get("/api/v1/ledger/transactions").json()["items"] == []


def test_in_kind_goods_recognised_and_fields_required(client: TestClient) -> None:
    cid = contributor(client, "Acme", "private_sector")
    base = {
        "kind": "in_kind",
        "contributor_id": cid,
        "in_kind_type": "goods",
        "amount": "800.00",
        "currency": "USD",
        "value_date": "2027-02-01",
    }
    missing = client.post("/api/v1/contributions", json=base)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "valuation_basis"
    ok = client.post("/api/v1/contributions", json={**base, "valuation_basis": "Invoice price"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["recognised"] is True
