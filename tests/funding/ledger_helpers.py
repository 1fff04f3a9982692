"""Helpers shared by the ledger tests: open funds and accounts, post, read balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

CORE = {"earmarking": {"kind": "unearmarked"}}


def open_fund(client: TestClient, earmarking: dict[str, Any] | None = None) -> int:
    body = {"earmarking": earmarking} if earmarking else CORE
    response = client.post("/api/v1/ledger/funds", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def open_account(client: TestClient, code: str, fund_id: int, **extra: Any) -> int:
    response = client.post(
        "/api/v1/ledger/accounts", json={"code": code, "fund_id": fund_id, **extra}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def entry(account_id: int, side: str, amount: str, currency: str = "USD") -> dict[str, Any]:
    return {"account_id": account_id, "side": side, "amount": amount, "currency": currency}


def post(
    client: TestClient, value_date: str, *entries: dict[str, Any], description: str = "test posting"
) -> Any:
    return client.post(
        "/api/v1/ledger/transactions",
        json={"value_date": value_date, "description": description, "entries": list(entries)},
    )


def balance(client: TestClient, account_id: int, as_of: str | None = None) -> Decimal:
    params = {"as_of": as_of} if as_of else {}
    response = client.get(f"/api/v1/ledger/accounts/{account_id}/balance", params=params)
    assert response.status_code == 200, response.text
    return Decimal(response.json()["balance_usd"])


def publish_rate(client: TestClient, currency: str, effective_date: str, rate: str) -> None:
    response = client.post(
        "/api/v1/rates",
        json={"currency": currency, "effective_date": effective_date, "rate": rate},
    )
    assert response.status_code == 201, response.text
