"""Real concurrency on PostgreSQL: 50 writers on one fund, 20 retries of one Idempotency-Key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.funding.main import create_app
from services.funding.settings import Settings
from shared.auth import SignedIdentityAuth
from tests.funding.conftest import ManualClock
from tests.support.clients import TEST_SECRET, identity
from tests.support.server import serve_in_thread


@pytest.fixture
def live(
    postgres_only: None, funding_settings: Settings, clock: ManualClock
) -> Iterator[httpx.Client]:
    with (
        serve_in_thread(create_app(funding_settings, clock=clock)) as url,
        httpx.Client(
            base_url=url, auth=SignedIdentityAuth(TEST_SECRET, identity()), timeout=60
        ) as client,
    ):
        yield client


def _signed_core_agreement(
    client: httpx.Client, contributor_id: int, reference: str, amount: str
) -> dict[str, Any]:
    agreement = client.post(
        "/api/v1/agreements",
        json={
            "reference": reference,
            "contributor_id": contributor_id,
            "currency": "USD",
            "total": amount,
            "instalments": [{"due_date": "2027-01-15", "amount": amount}],
            "earmarking": {"kind": "unearmarked"},
        },
    ).json()
    signed = client.post(
        f"/api/v1/agreements/{agreement['id']}/status",
        json={"status": "signed", "on": "2027-01-05"},
    )
    assert signed.status_code == 200, signed.text
    return dict(agreement)


def _funded_core(client: httpx.Client, amount: str) -> int:
    cid = client.post(
        "/api/v1/contributors", json={"name": "Norway", "type": "member_state", "country": "NO"}
    )
    assert cid.status_code == 201, cid.text
    agreement = _signed_core_agreement(client, cid.json()["id"], "AGR-C", amount)
    received = client.post(
        "/api/v1/contributions",
        json={
            "kind": "cash",
            "agreement_id": agreement["id"],
            "instalment_number": 1,
            "amount": amount,
            "currency": "USD",
            "value_date": "2027-01-20",
        },
    )
    assert received.status_code == 201, received.text
    return int(agreement["fund_id"])


def _balances(client: httpx.Client, fund_id: int) -> dict[str, Decimal]:
    page = client.get("/api/v1/ledger/accounts", params={"fund_id": fund_id, "limit": 200}).json()
    return {a["key"]: Decimal(a["balance_usd"]) for a in page["items"]}


def _spend(
    client: httpx.Client, fund_id: int, amount: str, key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/expenditures",
        json={
            "fund_id": fund_id,
            "category": "operating_costs",
            "amount": amount,
            "value_date": "2027-03-01",
        },
        headers=headers,
    )


def test_fifty_concurrent_expenditures_never_overspend(live: httpx.Client) -> None:
    fund_id = _funded_core(live, "1000.00")
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda _: _spend(live, fund_id, "30.00"), range(50)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 33, 409: 17}, statuses
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["type"].endswith("insufficient-funds")
        assert refused.json()["fund_id"] == fund_id
    balances = _balances(live, fund_id)
    assert balances["1000/core"] == Decimal("10.00")
    assert balances["5000/core/operating_costs"] == Decimal("990.00")
    spent = live.get("/api/v1/expenditures", params={"limit": 200}).json()["items"]
    assert len(spent) == 33
    assert sum(Decimal(e["usd_amount"]) for e in spent) <= Decimal("1000.00")
    # every running balance equals the sum of its entries, and the chain is intact
    entries: dict[int, Decimal] = Counter()
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = live.get("/api/v1/ledger/transactions", params=params).json()
        for txn in page["items"]:
            for e in txn["entries"]:
                sign = 1 if e["side"] == "debit" else -1
                entries[e["account_id"]] += sign * Decimal(e["usd_amount"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    accounts = live.get("/api/v1/ledger/accounts", params={"limit": 200}).json()["items"]
    for account in accounts:
        assert Decimal(account["balance_usd"]) == entries.get(account["id"], 0), account
    assert live.get("/api/v1/ledger/verify").json()["valid"] is True


def test_manual_postings_and_expenditures_racing_on_one_fund_never_overspend(
    live: httpx.Client,
) -> None:
    """Manual postings that take cash lock the fund as spending does: 40 writers, half
    expenditures and half manual transfers out of the same cash, share 1,000 dollars exactly."""
    fund_id = _funded_core(live, "1000.00")
    accounts = _balances_ids(live, fund_id)
    net = live.post("/api/v1/ledger/accounts", json={"code": "3000", "fund_id": fund_id})
    assert net.status_code == 201, net.text

    def transfer(_: int) -> httpx.Response:
        return _transfer_out(live, net.json()["id"], accounts["1000/core"], "30.00")

    with ThreadPoolExecutor(max_workers=40) as pool:
        spends = [pool.submit(_spend, live, fund_id, "30.00") for _ in range(20)]
        transfers = [pool.submit(transfer, n) for n in range(20)]
        responses = [f.result() for f in (*spends, *transfers)]
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 33, 409: 7}, statuses
    assert all(
        r.json()["type"].endswith("insufficient-funds") for r in responses if r.status_code == 409
    )
    assert _balances(live, fund_id)["1000/core"] == Decimal("10.00")
    assert live.get("/api/v1/ledger/verify").json()["valid"] is True


@pytest.mark.parametrize("taker", ["manual", "expenditure"])
def test_receipts_racing_writers_that_take_the_same_funds_cash_all_post(
    live: httpx.Client, taker: str
) -> None:
    """A receipt inserts its contribution (a foreign key to the fund) after taking the chain
    head, while a writer taking cash holds the fund and waits for the head: fund locks leave
    key-share free (FOR NO KEY UPDATE), so the two cannot deadlock. 20 + 20 writers, all 201."""
    fund_id = _funded_core(live, "1000.00")
    cash = _balances_ids(live, fund_id)["1000/core"]
    net = live.post("/api/v1/ledger/accounts", json={"code": "3000", "fund_id": fund_id})
    contributor = live.post(
        "/api/v1/contributors", json={"name": "Sweden", "type": "member_state", "country": "SE"}
    )
    agreements = []
    for n in range(20):
        agreement = _signed_core_agreement(live, contributor.json()["id"], f"AGR-R{n}", "50.00")
        agreements.append(agreement["id"])

    def receipt(agreement_id: int) -> httpx.Response:
        return live.post(
            "/api/v1/contributions",
            json={
                "kind": "cash",
                "agreement_id": agreement_id,
                "instalment_number": 1,
                "amount": "50.00",
                "currency": "USD",
                "value_date": "2027-02-01",
            },
        )

    def take(_: int) -> httpx.Response:
        if taker == "expenditure":
            return _spend(live, fund_id, "1.00")
        return _transfer_out(live, net.json()["id"], cash, "1.00")

    with ThreadPoolExecutor(max_workers=40) as pool:
        futures = [pool.submit(receipt, a) for a in agreements]
        futures += [pool.submit(take, n) for n in range(20)]
        responses = [f.result() for f in futures]
    assert Counter(r.status_code for r in responses) == {201: 40}, [
        r.text[:300] for r in responses if r.status_code != 201
    ]
    assert _balances(live, fund_id)["1000/core"] == Decimal("1980.00")
    assert live.get("/api/v1/ledger/verify").json()["valid"] is True


def _transfer_out(client: httpx.Client, net: int, cash: int, amount: str) -> httpx.Response:
    """A manual posting that takes ``amount`` of cash out to net assets."""
    return client.post(
        "/api/v1/ledger/transactions",
        json={
            "value_date": "2027-03-01",
            "description": "transfer out",
            "entries": [
                {"account_id": net, "side": "debit", "amount": amount},
                {"account_id": cash, "side": "credit", "amount": amount},
            ],
        },
    )


def _balances_ids(client: httpx.Client, fund_id: int) -> dict[str, int]:
    page = client.get("/api/v1/ledger/accounts", params={"fund_id": fund_id, "limit": 200}).json()
    return {a["key"]: int(a["id"]) for a in page["items"]}


def test_twenty_concurrent_retries_of_one_key_create_one_record(live: httpx.Client) -> None:
    fund_id = _funded_core(live, "1000.00")
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda _: _spend(live, fund_id, "25.00", "spend-once"), range(20))
        )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    assert len(live.get("/api/v1/expenditures").json()["items"]) == 1
    assert _balances(live, fund_id)["1000/core"] == Decimal("975.00")


def _journal_sums(client: httpx.Client) -> tuple[dict[int, Decimal], list[int]]:
    """Per account, the signed sum of every journal entry; and every sequence, in order."""
    sums: dict[int, Decimal] = Counter()
    sequences: list[int] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/ledger/transactions", params=params).json()
        for txn in page["items"]:
            sequences.append(txn["sequence"])
            for e in txn["entries"]:
                sign = 1 if e["side"] == "debit" else -1
                sums[e["account_id"]] += sign * Decimal(e["usd_amount"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    return sums, sequences


def test_concurrent_batches_and_single_postings_keep_one_exact_chain(live: httpx.Client) -> None:
    """Twelve writers, batches and single postings mixed, on the same two accounts and on
    several days: every posting lands once, in one unbroken chain, with exact balances."""
    fund = live.post("/api/v1/ledger/funds", json={"earmarking": {"kind": "unearmarked"}})
    cash = live.post("/api/v1/ledger/accounts", json={"code": "1000", "fund_id": fund.json()["id"]})
    income = live.post(
        "/api/v1/ledger/accounts", json={"code": "4800", "fund_id": fund.json()["id"]}
    )
    cash_id, income_id = cash.json()["id"], income.json()["id"]

    def posting(n: int) -> dict[str, object]:
        return {
            "value_date": f"2027-03-{1 + n % 20:02d}",
            "description": f"posting {n}",
            "entries": [
                {"account_id": cash_id, "side": "debit", "amount": f"{1 + n % 7}.25"},
                {"account_id": income_id, "side": "credit", "amount": f"{1 + n % 7}.25"},
            ],
        }

    def write(worker: int) -> httpx.Response:
        if worker % 2:
            body = {"transactions": [posting(worker * 100 + i) for i in range(40)]}
            return live.post("/api/v1/ledger/transactions/batch", json=body)
        return live.post("/api/v1/ledger/transactions", json=posting(worker))

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(write, range(12)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    expected = sum(
        Decimal(f"{1 + n % 7}.25")
        for worker in range(12)
        for n in ([worker * 100 + i for i in range(40)] if worker % 2 else [worker])
    )
    sums, sequences = _journal_sums(live)
    assert sequences == list(range(1, len(sequences) + 1))
    assert len(sequences) == 6 * 40 + 6
    assert sums[cash_id] == expected
    accounts = {
        a["id"]: Decimal(a["balance_usd"])
        for a in live.get("/api/v1/ledger/accounts", params={"limit": 200}).json()["items"]
    }
    assert accounts[cash_id] == expected and accounts[income_id] == -expected
    closing = live.get(
        f"/api/v1/ledger/accounts/{cash_id}/balance", params={"as_of": "2027-12-31"}
    ).json()
    assert Decimal(closing["balance_usd"]) == expected
    assert live.get("/api/v1/ledger/verify").json()["valid"] is True


def test_concurrent_reversals_of_one_receipt_reverse_it_once(live: httpx.Client) -> None:
    fund_id = _funded_core(live, "1000.00")
    receipt = live.get("/api/v1/contributions").json()["items"][0]
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(
            pool.map(
                lambda _: live.post(
                    f"/api/v1/contributions/{receipt['id']}/reversal", json={"reason": "error"}
                ),
                range(10),
            )
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 9}, [r.text for r in responses]
    assert all(
        r.json()["type"].endswith("already-reversed") for r in responses if r.status_code == 409
    )
    assert _balances(live, fund_id)["1000/core"] == Decimal("0.00")
    terms = live.get("/api/v1/agreements").json()["items"][0]
    assert Decimal(terms["received"]) == 0
    assert live.get("/api/v1/ledger/verify").json()["valid"] is True
