"""The double-entry journal: balanced postings, running balances, reversals, the hash chain
and append-only enforcement by the database."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.funding.settings import Settings
from tests.funding.ledger_helpers import balance, entry, open_account, open_fund, post, publish_rate


@pytest.fixture
def core(client: TestClient) -> dict[str, int]:
    fund = open_fund(client)
    return {
        "fund": fund,
        "cash": open_account(client, "1000", fund),
        "income": open_account(client, "4800", fund),
        "net": open_account(client, "3000", fund),
    }


def test_balanced_transaction_posts_and_moves_running_balances(
    client: TestClient, core: dict[str, int]
) -> None:
    response = post(
        client,
        "2027-01-10",
        entry(core["cash"], "debit", "1000.00"),
        entry(core["income"], "credit", "1000.00"),
    )
    assert response.status_code == 201, response.text
    txn = response.json()
    assert txn["sequence"] == 1
    assert [e["balance_after_usd"] for e in txn["entries"]] == ["1000.00", "-1000.00"]
    assert balance(client, core["cash"], "2027-12-31") == Decimal("1000.00")
    assert client.get(f"/api/v1/ledger/accounts/{core['cash']}").json()["balance_usd"] == "1000.00"


def test_unbalanced_transaction_is_refused_and_nothing_is_stored(
    client: TestClient, core: dict[str, int]
) -> None:
    response = post(
        client,
        "2027-01-10",
        entry(core["cash"], "debit", "1000.00"),
        entry(core["income"], "credit", "999.99"),
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("unbalanced-transaction")
    assert client.get("/api/v1/ledger/transactions").json()["items"] == []
    assert balance(client, core["cash"]) == Decimal("0.00")


def test_unknown_account_is_named(client: TestClient, core: dict[str, int]) -> None:
    response = post(
        client, "2027-01-10", entry(core["cash"], "debit", "1.00"), entry(99999, "credit", "1.00")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "entries.1.account_id"


def test_balance_at_any_date_counts_backdated_postings(
    client: TestClient, core: dict[str, int]
) -> None:
    cash, income = core["cash"], core["income"]
    for day, amount in (("2027-03-01", "100.00"), ("2027-05-01", "50.00"), ("2027-04-01", "25.00")):
        assert (
            post(
                client, day, entry(cash, "debit", amount), entry(income, "credit", amount)
            ).status_code
            == 201
        )
    assert balance(client, cash, "2027-02-28") == Decimal("0.00")
    assert balance(client, cash, "2027-03-31") == Decimal("100.00")
    assert balance(client, cash, "2027-04-15") == Decimal("125.00")
    assert balance(client, cash, "2027-12-31") == Decimal("175.00")
    assert balance(client, income, "2027-04-15") == Decimal("-125.00")


def test_foreign_currency_lines_keep_original_amount_and_rate(
    client: TestClient, core: dict[str, int]
) -> None:
    publish_rate(client, "EUR", "2027-01-01", "0.9")
    response = post(
        client,
        "2027-01-20",
        entry(core["cash"], "debit", "100.00", "EUR"),
        entry(core["income"], "credit", "100.00", "EUR"),
    )
    assert response.status_code == 201, response.text
    cash_line = response.json()["entries"][0]
    assert cash_line["currency"] == "EUR"
    assert Decimal(cash_line["amount"]) == Decimal("100.00")
    assert Decimal(cash_line["rate"]) == Decimal("0.9")
    assert cash_line["usd_amount"] == "111.11"


def test_rounding_residue_keeps_dollars_balanced(client: TestClient, core: dict[str, int]) -> None:
    publish_rate(client, "EUR", "2027-01-01", "0.9")
    response = post(
        client,
        "2027-01-20",
        entry(core["cash"], "debit", "100.00", "EUR"),
        entry(core["income"], "credit", "50.00", "EUR"),
        entry(core["net"], "credit", "50.00", "EUR"),
    )
    assert response.status_code == 201, response.text
    usd = [Decimal(e["usd_amount"]) for e in response.json()["entries"]]
    assert usd[0] == usd[1] + usd[2]


def test_missing_rate_names_currency_and_month(client: TestClient, core: dict[str, int]) -> None:
    response = post(
        client,
        "2027-02-03",
        entry(core["cash"], "debit", "100.00", "KZT"),
        entry(core["income"], "credit", "100.00", "KZT"),
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("missing-exchange-rate")
    assert (problem["currency"], problem["month"]) == ("KZT", "2027-02")
    assert problem["errors"][0]["field"] == "entries.0.currency"


def test_reversal_references_original_with_reason_and_restores_balances(
    client: TestClient, core: dict[str, int]
) -> None:
    original = post(
        client,
        "2027-01-10",
        entry(core["cash"], "debit", "40.00"),
        entry(core["income"], "credit", "40.00"),
    ).json()
    url = f"/api/v1/ledger/transactions/{original['id']}/reversal"
    reversal = client.post(url, json={"reason": "posted to the wrong fund"})
    assert reversal.status_code == 201, reversal.text
    body = reversal.json()
    assert body["kind"] == "reversal"
    assert body["reverses_id"] == original["id"]
    assert body["reason"] == "posted to the wrong fund"
    assert [e["side"] for e in body["entries"]] == ["credit", "debit"]
    assert balance(client, core["cash"]) == Decimal("0.00")
    again = client.post(url, json={"reason": "twice"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-reversed")
    of_reversal = client.post(
        f"/api/v1/ledger/transactions/{body['id']}/reversal", json={"reason": "undo"}
    )
    assert of_reversal.status_code == 409
    assert of_reversal.json()["type"].endswith("reversal-of-reversal")


def _journal_state(client: TestClient, *accounts: int) -> tuple[Any, ...]:
    head = client.get("/api/v1/ledger/verify").json()
    return (
        head["head_sequence"],
        head["head_hash"],
        *(balance(client, a, day) for a in accounts for day in ("2027-01-31", "2027-12-31")),
    )


def _refused_for_cash(response: Any, fund: int, shortfall: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("insufficient-funds")
    assert (problem["fund_id"], problem["shortfall"]) == (fund, shortfall)
    assert f"shortfall of {shortfall} USD" in problem["detail"]


def test_manual_reversal_cannot_take_back_cash_already_spent(
    client: TestClient, core: dict[str, int]
) -> None:
    """Reversing an opening balance whose cash was spent would leave the fund's cash negative
    from the opening day on: refused like any spending beyond the balance, nothing stored."""
    opening = post(
        client,
        "2027-01-02",
        entry(core["cash"], "debit", "500.00"),
        entry(core["net"], "credit", "500.00"),
    ).json()
    spent = client.post(
        "/api/v1/expenditures",
        json={
            "fund_id": core["fund"],
            "category": "travel",
            "amount": "500.00",
            "value_date": "2027-03-01",
        },
    )
    assert spent.status_code == 201, spent.text
    before = _journal_state(client, core["cash"], core["net"])
    reversal = client.post(
        f"/api/v1/ledger/transactions/{opening['id']}/reversal", json={"reason": "wrong"}
    )
    _refused_for_cash(reversal, core["fund"], "500.00")
    assert _journal_state(client, core["cash"], core["net"]) == before
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True


def test_manual_posting_takes_only_cash_there_from_its_date_on(
    client: TestClient, core: dict[str, int]
) -> None:
    received = post(
        client,
        "2027-03-01",
        entry(core["cash"], "debit", "100.00"),
        entry(core["income"], "credit", "100.00"),
    )
    assert received.status_code == 201, received.text
    before = _journal_state(client, core["cash"], core["income"])
    back_dated = post(
        client,
        "2027-02-01",
        entry(core["net"], "debit", "50.00"),
        entry(core["cash"], "credit", "50.00"),
    )
    _refused_for_cash(back_dated, core["fund"], "50.00")
    too_much = post(
        client,
        "2027-03-05",
        entry(core["net"], "debit", "150.00"),
        entry(core["cash"], "credit", "150.00"),
    )
    _refused_for_cash(too_much, core["fund"], "50.00")
    assert _journal_state(client, core["cash"], core["income"]) == before
    all_of_it = post(
        client,
        "2027-03-05",
        entry(core["net"], "debit", "100.00"),
        entry(core["cash"], "credit", "100.00"),
    )
    assert all_of_it.status_code == 201, all_of_it.text
    assert balance(client, core["cash"]) == Decimal("0.00")


def test_batch_may_spend_cash_it_brings_in_only_from_the_day_it_arrives(
    client: TestClient, core: dict[str, int]
) -> None:
    def move(day: str, debit: int, credit: int) -> dict[str, Any]:
        return {
            "value_date": day,
            "description": "move",
            "entries": [entry(debit, "debit", "80.00"), entry(credit, "credit", "80.00")],
        }

    cash_in = move("2027-05-01", core["cash"], core["income"])
    batch = "/api/v1/ledger/transactions/batch"
    out_before = move("2027-04-30", core["net"], core["cash"])
    early = client.post(batch, json={"transactions": [cash_in, out_before]})
    _refused_for_cash(early, core["fund"], "80.00")
    assert client.get("/api/v1/ledger/transactions").json()["items"] == []
    out_same_day = move("2027-05-01", core["net"], core["cash"])
    same_day = client.post(batch, json={"transactions": [out_same_day, cash_in]})
    assert same_day.status_code == 201, same_day.text
    assert balance(client, core["cash"], "2027-05-01") == Decimal("0.00")


def test_batch_posts_all_or_none(client: TestClient, core: dict[str, int]) -> None:
    good = {
        "value_date": "2027-01-10",
        "description": "ok",
        "entries": [entry(core["cash"], "debit", "1.00"), entry(core["income"], "credit", "1.00")],
    }
    bad = {
        **good,
        "entries": [entry(core["cash"], "debit", "1.00"), entry(core["income"], "credit", "2.00")],
    }
    refused = client.post("/api/v1/ledger/transactions/batch", json={"transactions": [good, bad]})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("transactions.1:")
    assert balance(client, core["cash"]) == Decimal("0.00")
    posted = client.post(
        "/api/v1/ledger/transactions/batch", json={"transactions": [good, good, good]}
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["posted"] == 3
    assert balance(client, core["cash"], "2027-12-31") == Decimal("3.00")


def _entries_of(client: TestClient, ids: list[int]) -> list[list[tuple[str, str]]]:
    out = []
    for txn_id in ids:
        txn = client.get(f"/api/v1/ledger/transactions/{txn_id}").json()
        out.append([(e["side"], e["balance_after_usd"]) for e in txn["entries"]])
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_posts_exactly_what_the_same_postings_one_by_one_would(
    client: TestClient, seed: int
) -> None:
    """Set-based batch posting (several days, back-dated lines, accounts repeated, one account on
    both sides) leaves the same running balances, day balances and chain as single postings."""
    rng = random.Random(seed)
    days = ["2027-03-01", "2027-03-02", "2027-02-15", "2027-04-30"]
    plan = []
    for _ in range(25):
        amounts = [Decimal(rng.randint(1, 99999)) / 100 for _ in range(2)]
        plan.append((rng.choice(days), amounts, rng.random() < 0.2))

    def accounts(goal: int) -> dict[str, int]:
        fund = open_fund(client, {"kind": "thematic", "sdg_goal": goal})
        return {c: open_account(client, c, fund) for c in ("1000", "4800", "5000")}

    def body(acc: dict[str, int], day: str, amounts: list[Decimal], self_transfer: bool) -> Any:
        total = sum(amounts)
        credit = acc["1000"] if self_transfer else acc["4800"]
        return {
            "value_date": day,
            "description": "posting",
            "entries": [
                entry(acc["1000"], "debit", str(amounts[0])),
                entry(acc["5000"], "debit", str(amounts[1])),
                entry(credit, "credit", str(total)),
            ],
        }

    # Cash to take from on every day of the plan (no posting may leave cash below zero), then a
    # posting before the batch dated after some batch days: later day rows must move too.
    one, many = accounts(4), accounts(5)
    for acc in (one, many):
        opening = post(
            client,
            "2027-01-01",
            entry(acc["1000"], "debit", "100000.00"),
            entry(acc["4800"], "credit", "100000.00"),
        )
        assert opening.status_code == 201, opening.text
        first = post(
            client,
            "2027-03-10",
            entry(acc["1000"], "debit", "7.00"),
            entry(acc["4800"], "credit", "7.00"),
        )
        assert first.status_code == 201, first.text
    singles = []
    for day, amounts, self_transfer in plan:
        response = client.post(
            "/api/v1/ledger/transactions", json=body(one, day, amounts, self_transfer)
        )
        assert response.status_code == 201, response.text
        singles.append(response.json()["id"])
    batch = client.post(
        "/api/v1/ledger/transactions/batch",
        json={"transactions": [body(many, *p) for p in plan]},
    )
    assert batch.status_code == 201, batch.text
    posted = batch.json()
    assert posted["posted"] == len(plan)
    assert posted["last_sequence"] - posted["first_sequence"] == len(plan) - 1
    assert _entries_of(client, singles) == _entries_of(client, posted["transaction_ids"])
    for code in ("1000", "4800", "5000"):
        for day in ("2027-02-14", *days, "2027-03-09", "2027-03-10", "2027-12-31"):
            assert balance(client, one[code], day) == balance(client, many[code], day), (code, day)
        current = client.get(f"/api/v1/ledger/accounts/{many[code]}").json()["balance_usd"]
        assert Decimal(current) == balance(client, many[code], "2027-12-31")
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True


def test_batch_is_one_audit_event_naming_every_transaction(
    client: TestClient, core: dict[str, int]
) -> None:
    good = {
        "value_date": "2027-01-10",
        "description": "ok",
        "entries": [entry(core["cash"], "debit", "1.00"), entry(core["income"], "credit", "1.00")],
    }
    posted = client.post(
        "/api/v1/ledger/transactions/batch",
        json={"transactions": [good, good]},
        headers={"X-Request-ID": "req-batch-1"},
    )
    assert posted.status_code == 201, posted.text
    ids = posted.json()["transaction_ids"]
    events = client.get("/api/v1/audit-events", params={"entity": "journal_transactions"}).json()[
        "items"
    ]
    assert len(events) == 1
    assert events[0]["entity_id"] == f"{ids[0]}..{ids[1]}"
    assert events[0]["request_id"] == "req-batch-1"
    assert events[0]["after"]["transaction_ids"] == ids
    single = post(
        client,
        "2027-01-11",
        entry(core["cash"], "debit", "1.00"),
        entry(core["income"], "credit", "1.00"),
    )
    events = client.get("/api/v1/audit-events", params={"entity": "journal_transactions"}).json()[
        "items"
    ]
    assert events[0]["entity_id"] == str(single.json()["id"])
    assert events[0]["after"]["hash"] == single.json()["hash"]


def test_hash_chain_verifies_and_links_each_transaction_to_the_previous(
    client: TestClient, core: dict[str, int]
) -> None:
    for _ in range(3):
        post(
            client,
            "2027-01-10",
            entry(core["cash"], "debit", "5.00"),
            entry(core["income"], "credit", "5.00"),
        )
    items = client.get("/api/v1/ledger/transactions").json()["items"]
    assert items[0]["prev_hash"] == "0" * 64
    assert [t["prev_hash"] for t in items[1:]] == [t["hash"] for t in items[:-1]]
    verified = client.get("/api/v1/ledger/verify").json()
    assert verified == {
        "valid": True,
        "transactions_checked": 3,
        "head_sequence": 3,
        "head_hash": items[-1]["hash"],
        "first_invalid_sequence": None,
        "reason": None,
    }


def _raw_sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def test_database_refuses_to_update_or_delete_journal_rows(
    client: TestClient, core: dict[str, int], funding_settings: Settings
) -> None:
    post(
        client,
        "2027-01-10",
        entry(core["cash"], "debit", "5.00"),
        entry(core["income"], "credit", "5.00"),
    )
    url = funding_settings.database_url
    for statement in (
        "UPDATE journal_entries SET amount = 6",
        "DELETE FROM journal_entries",
        "UPDATE journal_transactions SET description = 'edited'",
        "DELETE FROM journal_transactions",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw_sql(url, statement)


def test_verify_detects_tampering_that_bypasses_the_trigger(
    client: TestClient, core: dict[str, int], funding_settings: Settings
) -> None:
    for amount in ("5.00", "6.00", "7.00"):
        post(
            client,
            "2027-01-10",
            entry(core["cash"], "debit", amount),
            entry(core["income"], "credit", amount),
        )
    url = funding_settings.database_url
    tamper = "UPDATE journal_entries SET amount = 600 WHERE amount = 6"
    if url.startswith("sqlite"):
        _raw_sql(url, "DROP TRIGGER journal_entries_no_update", tamper)
    else:  # a superuser can switch triggers off for its session
        _raw_sql(url, "SET session_replication_role = replica", tamper)
    verified = client.get("/api/v1/ledger/verify").json()
    assert verified["valid"] is False
    assert verified["first_invalid_sequence"] == 2
    assert "hash" in verified["reason"]


def test_many_cent_postings_to_a_large_balance_stay_exact(
    client: TestClient, core: dict[str, int]
) -> None:
    """SQLite keeps NUMERIC as binary floating point: each move of a running balance in SQL is
    rounded to the cent, so forty one-cent postings to 10^13 dollars add up to the cent."""
    big = post(
        client,
        "2027-01-01",
        entry(core["cash"], "debit", "10000000000000.00"),
        entry(core["income"], "credit", "10000000000000.00"),
    )
    assert big.status_code == 201, big.text
    for _ in range(40):
        cent = post(
            client,
            "2027-01-02",
            entry(core["cash"], "debit", "0.01"),
            entry(core["income"], "credit", "0.01"),
        )
        assert cent.status_code == 201, cent.text
    expected = Decimal("10000000000000.40")
    assert Decimal(cent.json()["entries"][0]["balance_after_usd"]) == expected
    assert Decimal(client.get(f"/api/v1/ledger/accounts/{core['cash']}").json()["balance_usd"]) == (
        expected
    )
    assert balance(client, core["cash"], "2027-01-02") == expected
    assert balance(client, core["income"], "2027-12-31") == -expected


def test_batch_over_more_accounts_than_one_statement_takes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accounts are loaded and moved in chunks (so that a huge batch stays within the bound
    values a statement takes): with chunks of two, six accounts still post exactly."""
    from services.funding import journal

    monkeypatch.setattr(journal, "ACCOUNTS_PER_STATEMENT", 2)
    fund = open_fund(client)
    cash = [open_account(client, "1000", fund)]
    cash += [open_account(client, "1000", fund, project_id=p) for p in range(1, 5)]
    income = open_account(client, "4800", fund)
    transactions = [
        {
            "value_date": "2027-01-10",
            "description": "spread",
            "entries": [
                *(entry(a, "debit", f"{n + 1}.00") for n, a in enumerate(cash)),
                entry(income, "credit", "15.00"),
            ],
        }
        for _ in range(3)
    ]
    posted = client.post("/api/v1/ledger/transactions/batch", json={"transactions": transactions})
    assert posted.status_code == 201, posted.text
    end = "2027-12-31"
    assert [balance(client, a, end) for a in cash] == [Decimal(3 * (n + 1)) for n in range(5)]
    assert balance(client, income, end) == Decimal(-45)
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True
