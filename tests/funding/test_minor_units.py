"""Currency minor units from ISO 4217 (issue 12, point 6): JPY has none, USD two, KWD three;
more decimals than the currency has are refused, naming the field; nothing stored."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from services.funding.money import minor_units
from tests.funding.flow_helpers import agreement_body, contributor, receive
from tests.funding.ledger_helpers import entry, open_account, open_fund, post, publish_rate
from tests.funding.test_dates import _refused, _stored


def test_minor_units_come_from_iso_4217() -> None:
    assert [minor_units(c) for c in ("JPY", "USD", "EUR", "KWD", "BHD", "CLP")] == [
        0,
        2,
        2,
        3,
        3,
        0,
    ]
    assert minor_units("XDR") is None  # special drawing rights: "N.A." in the table


def _in_kind(cid: int, amount: str, currency: str) -> dict[str, Any]:
    return {
        "kind": "in_kind",
        "contributor_id": cid,
        "in_kind_type": "goods",
        "amount": amount,
        "currency": currency,
        "value_date": "2027-02-01",
        "valuation_basis": "invoice",
    }


def test_more_decimals_than_the_currency_has_are_refused(client: TestClient) -> None:
    publish_rate(client, "JPY", "2027-02-01", "150")
    cid = contributor(client)
    before = _stored(client)
    _refused(
        client.post("/api/v1/contributions", json=_in_kind(cid, "1000.5", "JPY")),
        422,
        "currency-minor-units",
        "amount",
    )
    too_fine = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid,
            total="1000.001",
            instalments=[
                {"due_date": "2027-01-15", "amount": "600.00"},
                {"due_date": "2027-06-15", "amount": "400.001"},
            ],
        ),
    )
    assert too_fine.status_code == 422
    assert [e["field"] for e in too_fine.json()["errors"]] == ["total", "instalments.1.amount"]
    fund = open_fund(client)
    cash, revenue = open_account(client, "1000", fund), open_account(client, "4800", fund)
    _refused(
        post(
            client,
            "2027-02-01",
            entry(cash, "debit", "1.005"),
            entry(revenue, "credit", "1.005"),
        ),
        422,
        "currency-minor-units",
        "entries.0.amount",
    )
    pledge = {
        "contributor_id": cid,
        "amount": "10.00",
        "currency": "XDR",
        "announced_on": "2027-01-10",
    }
    _refused(client.post("/api/v1/pledges", json=pledge), 422, "currency-minor-units", "currency")
    assert _stored(client) == before
    made = client.post("/api/v1/contributions", json=_in_kind(cid, "1000", "JPY"))
    assert made.status_code == 201, made.text
    assert (made.json()["amount"], made.json()["usd_amount"]) == ("1000", "6.67")


def test_three_decimal_currencies_are_recorded_to_the_fils(client: TestClient) -> None:
    """KWD 100.125 signed at 0.305 KWD per dollar; 50.125 received: every original amount keeps
    its three decimals, every US-dollar equivalent two, and the chain verifies."""
    publish_rate(client, "KWD", "2027-01-01", "0.305")
    cid = contributor(client, "Kuwait Fund")
    made = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid,
            currency="KWD",
            total="100.125",
            instalments=[
                {"due_date": "2027-01-15", "amount": "50.125"},
                {"due_date": "2027-06-15", "amount": "50"},
            ],
        ),
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["total"] == "100.125"
    assert [i["amount"] for i in body["instalments"]] == ["50.125", "50.000"]
    signed = client.post(
        f"/api/v1/agreements/{body['id']}/status", json={"status": "signed", "on": "2027-01-05"}
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["receivable_usd_open"] == "328.28"
    paid = receive(client, body["id"], "50.125", currency="KWD", value_date="2027-01-20")
    assert paid.status_code == 201, paid.text
    assert (paid.json()["amount"], paid.json()["usd_amount"]) == ("50.125", "164.34")
    txn = client.get(f"/api/v1/ledger/transactions/{paid.json()['transaction_id']}").json()
    assert {e["amount"] for e in txn["entries"]} == {"50.125"}
    read = client.get(f"/api/v1/agreements/{body['id']}").json()
    assert (read["received"], read["instalments"][0]["received"]) == ("50.125", "50.125")
    assert read["receivable_usd_open"] == "163.94"
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True
