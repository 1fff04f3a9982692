"""Helpers of the pledge, agreement, contribution and spending tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

HOST = {"iati_org_id": "XM-KZ-MFA", "name": "Kazakhstan", "type": "host_country", "country": "KZ"}


STATE_COUNTRIES = {"member_state": "NO", "host_country": "KZ"}


def contributor(
    client: TestClient,
    name: str = "Norway",
    type_: str = "member_state",
    country: str | None = None,
) -> int:
    """A contributor; a state names its country (by default Norway's for a member state, the
    seat's for the host country)."""
    body = {"name": name, "type": type_}
    country = country or STATE_COUNTRIES.get(type_)
    if country is not None:
        body["country"] = country
    made = client.post("/api/v1/contributors", json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def agreement_body(contributor_id: int, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": "AGR-001",
        "contributor_id": contributor_id,
        "currency": "USD",
        "total": "1000.00",
        "instalments": [
            {"due_date": "2027-01-15", "amount": "600.00"},
            {"due_date": "2027-06-15", "amount": "400.00"},
        ],
        "earmarking": {"kind": "unearmarked"},
        "psc_rate": "7",
    }
    body.update(over)
    return body


def signed_agreement(
    client: TestClient, contributor_id: int, *, signed_on: str = "2027-01-05", **over: Any
) -> dict[str, Any]:
    made = client.post("/api/v1/agreements", json=agreement_body(contributor_id, **over))
    assert made.status_code == 201, made.text
    signed = client.post(
        f"/api/v1/agreements/{made.json()['id']}/status",
        json={"status": "signed", "on": signed_on},
    )
    assert signed.status_code == 200, signed.text
    return dict(signed.json())


def receive(
    client: TestClient,
    agreement_id: int,
    amount: str,
    *,
    instalment: int = 1,
    currency: str = "USD",
    value_date: str = "2027-02-01",
) -> Any:
    return client.post(
        "/api/v1/contributions",
        json={
            "kind": "cash",
            "agreement_id": agreement_id,
            "instalment_number": instalment,
            "amount": amount,
            "currency": currency,
            "value_date": value_date,
        },
    )


def account_balances(client: TestClient, fund_id: int) -> dict[str, Decimal]:
    """Balances by account key of one fund."""
    out: dict[str, Decimal] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"fund_id": fund_id, "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/ledger/accounts", params=params).json()
        for a in page["items"]:
            out[a["key"]] = Decimal(a["balance_usd"])
        cursor = page["next_cursor"]
        if not cursor:
            return out
