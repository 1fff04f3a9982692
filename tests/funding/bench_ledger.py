"""Benchmark of the voluntary-funding ledger on PostgreSQL (issue 4).

In a database of its own (created and dropped here), measures:

- postings per second through the API — the funding app under a real uvicorn process, one
  keep-alive client, requests in sequence — one per request (``/api/v1/ledger/transactions``)
  and in bulk (``/api/v1/ledger/transactions/batch``, 500 per request), after a warm-up,
  against the raw ceiling of the same rows (a transaction and its two entries) inserted with
  plain SQL in the same run — one commit per posting for the single ceiling, one
  ``executemany`` per batch for the bulk ceiling;
  goals >= 0.3x single, >= 0.6x bulk;
- an account's balance read at 10k and at 1M journal entries (seeded with SQL, running balances
  derived the way postings keep them; both served at once by real uvicorn processes and read in
  alternating blocks); goal p50(1M) <= 1.2 x p50(10k);
- a year's sources-and-uses over 1M entries; goal <= 1 s.

    python -m tests.bench ledger      # SDGC_BENCH_POSTGRES_URL to point elsewhere

Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from services.funding.main import create_app
from services.funding.settings import Settings
from shared import migrations
from shared.auth import SignedIdentityAuth
from tests.support.clients import TEST_SECRET, identity, signed_client
from tests.support.suite import Suite

ADMIN_URL = os.environ.get(
    "SDGC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SINGLE = int(os.environ.get("SDGC_BENCH_LEDGER_SINGLE", "300"))
BATCHES, BATCH_SIZE = 10, 500
SIZES = (10_000, int(os.environ.get("SDGC_BENCH_LEDGER_LARGE", "1000000")))
ACCOUNT_PAIRS = 100
ROUNDS = 600

SEED_SQL = """
INSERT INTO accounts (id, key, code, name, type, fund_id, balance_usd, created_at)
SELECT 1000 + g, '1000/bench-' || g, '1000', 'Cash', 'asset', %(fund)s, 0, now()
FROM generate_series(1, %(pairs)s) g
UNION ALL
SELECT 2000 + g, '4800/bench-' || g, '4800', 'Other income', 'revenue', %(fund)s, 0, now()
FROM generate_series(1, %(pairs)s) g;
INSERT INTO journal_transactions (id, sequence, kind, value_date, posted_at, description, actor,
                                  prev_hash, hash)
SELECT 10000000 + g, 10000000 + g, 'manual', date '2023-01-01' + (g %% 1400), now(),
       'seeded posting ' || g, 'bench', repeat('0', 64), md5(g::text) || md5((-g)::text)
FROM generate_series(1, %(txns)s) g;
INSERT INTO journal_entries (transaction_id, line, account_id, side, amount, currency, rate,
                             usd_amount, value_date, balance_after_usd)
SELECT 10000000 + g, 1, 1001 + (g %% %(pairs)s), 'debit', 10.00, 'USD', 1, 10.00,
       date '2023-01-01' + (g %% 1400), 0
FROM generate_series(1, %(txns)s) g
UNION ALL
SELECT 10000000 + g, 2, 2001 + (g %% %(pairs)s), 'credit', 10.00, 'USD', 1, 10.00,
       date '2023-01-01' + (g %% 1400), 0
FROM generate_series(1, %(txns)s) g;
INSERT INTO account_day_balances (account_id, day, balance_usd)
SELECT account_id, value_date,
       sum(sum(CASE WHEN side = 'debit' THEN usd_amount ELSE -usd_amount END))
           OVER (PARTITION BY account_id ORDER BY value_date)
FROM journal_entries WHERE account_id > 1000 GROUP BY account_id, value_date;
UPDATE accounts a SET balance_usd = d.balance_usd FROM account_day_balances d
WHERE d.account_id = a.id AND a.id > 1000
  AND d.day = (SELECT max(day) FROM account_day_balances x WHERE x.account_id = a.id)
"""


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _database() -> Iterator[str]:
    name = f"sdgc_bench_{uuid.uuid4().hex[:10]}"
    admin = _libpq(ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade("funding", url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@contextmanager
def _client(url: str) -> Iterator[TestClient]:
    settings = Settings(
        environment="test", database_url=url, identity_secret=TEST_SECRET, log_level="WARNING"
    )
    # The postings are dated March 2027: "today" is that day (value-date horizon, issue 12).
    with signed_client(create_app(settings, clock=lambda: dt.date(2027, 3, 1))) as client:
        yield client


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _posting(cash: int, income: int, n: int) -> dict[str, Any]:
    return {
        "value_date": "2027-03-01",
        "description": f"bench posting {n}",
        "entries": [
            {"account_id": cash, "side": "debit", "amount": "10.00"},
            {"account_id": income, "side": "credit", "amount": "10.00"},
        ],
    }


def _raw_rows(n: int, base: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    txns = [
        (
            base + i,
            base + i,
            "manual",
            "2027-03-01",
            "bench",
            "bench",
            "0" * 64,
            uuid.uuid4().hex * 2,
        )
        for i in range(n)
    ]
    entries = [
        (base + i, line, account, side, "10.00", "USD", "1", "10.00", "2027-03-01", "10.00")
        for i in range(n)
        for line, account, side in ((1, 1, "debit"), (2, 2, "credit"))
    ]
    return txns, entries


TXN_SQL = (
    "INSERT INTO journal_transactions (id, sequence, kind, value_date, posted_at, description, "
    "actor, prev_hash, hash) VALUES (%s, %s, %s, %s, now(), %s, %s, %s, %s)"
)
ENTRY_SQL = (
    "INSERT INTO journal_entries (transaction_id, line, account_id, side, amount, currency, rate,"
    " usd_amount, value_date, balance_after_usd) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


@contextmanager
def _served(url: str) -> Iterator[httpx.Client]:
    """The funding app under a real uvicorn process on loopback, and a keep-alive client."""
    suite = Suite(Path(tempfile.mkdtemp(prefix="sdgc-bench-")), {"funding": url})
    suite.env["FUNDING_LOG_LEVEL"] = "WARNING"
    # The postings are dated March 2027; this process keeps the real clock (issue 12 horizon).
    suite.env["FUNDING_VALUE_DATE_HORIZON_DAYS"] = "366"
    try:
        base = suite.start("funding")
        auth = SignedIdentityAuth(TEST_SECRET, identity())
        with httpx.Client(base_url=base, auth=auth, timeout=60) as client:
            yield client
    finally:
        suite.stop_all()


def _raw_single(conn: psycopg.Connection[Any], n: int, base: int) -> float:
    txns, entries = _raw_rows(n, base)
    started = time.perf_counter()
    for i, txn in enumerate(txns):
        with conn.cursor() as cur:
            cur.execute(TXN_SQL, txn)
            cur.executemany(ENTRY_SQL, entries[2 * i : 2 * i + 2])
        conn.commit()
    return n / (time.perf_counter() - started)


def _raw_bulk(conn: psycopg.Connection[Any], batches: int, base: int) -> float:
    started = time.perf_counter()
    for b in range(batches):
        txns, entries = _raw_rows(BATCH_SIZE, base + b * BATCH_SIZE)
        with conn.cursor() as cur:
            cur.executemany(TXN_SQL, txns)
            cur.executemany(ENTRY_SQL, entries)
        conn.commit()
    return batches * BATCH_SIZE / (time.perf_counter() - started)


def postings() -> None:
    with _database() as url, _served(url) as client:
        fund = _ok(
            client.post("/api/v1/ledger/funds", json={"earmarking": {"kind": "unearmarked"}})
        )
        cash = _ok(
            client.post("/api/v1/ledger/accounts", json={"code": "1000", "fund_id": fund["id"]})
        )
        income = _ok(
            client.post("/api/v1/ledger/accounts", json={"code": "4800", "fund_id": fund["id"]})
        )

        def api_single(n: int) -> float:
            started = time.perf_counter()
            for i in range(n):
                _ok(
                    client.post(
                        "/api/v1/ledger/transactions", json=_posting(cash["id"], income["id"], i)
                    )
                )
            return n / (time.perf_counter() - started)

        def api_bulk(batches: int) -> float:
            started = time.perf_counter()
            for b in range(batches):
                body = {
                    "transactions": [
                        _posting(cash["id"], income["id"], b * BATCH_SIZE + i)
                        for i in range(BATCH_SIZE)
                    ]
                }
                _ok(client.post("/api/v1/ledger/transactions/batch", json=body))
            return batches * BATCH_SIZE / (time.perf_counter() - started)

        with psycopg.connect(_libpq(url)) as conn:
            # Warm both sides (pools, prepared statements, caches), then measure in turn.
            api_single(30)
            api_bulk(1)
            _raw_single(conn, 30, 40_000_000)
            _raw_bulk(conn, 1, 45_000_000)
            rates = {
                "single": (api_single(SINGLE), _raw_single(conn, SINGLE, 50_000_000)),
                "bulk": (api_bulk(BATCHES), _raw_bulk(conn, BATCHES, 60_000_000)),
            }
    for what, goal in (("single", 0.3), ("bulk", 0.6)):
        api, raw = rates[what]
        ratio = api / raw
        verdict = "OK" if ratio >= goal else "below goal"
        print(
            f"postings {what}: API {api:,.0f}/s, raw SQL {raw:,.0f}/s, "
            f"ratio {ratio:.2f}x (goal >= {goal}x: {verdict})",
            flush=True,
        )


def _p50(call: Callable[[], Any], rounds: int = ROUNDS) -> float:
    for _ in range(20):
        call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _seed(url: str, entries: int) -> float:
    with _client(url) as client:
        fund = _ok(
            client.post("/api/v1/ledger/funds", json={"earmarking": {"kind": "unearmarked"}})
        )
    started = time.perf_counter()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        for statement in SEED_SQL.split(";\n"):
            conn.execute(
                statement,  # type: ignore[arg-type]
                {"fund": fund["id"], "pairs": ACCOUNT_PAIRS, "txns": entries // 2},
            )
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")  # measure reads, not the flush of the seeded pages
    return time.perf_counter() - started


def _balance_p50s(clients: list[httpx.Client]) -> list[float]:
    """p50 of an account's balance read on each client, in alternating blocks of requests so
    that a change of load on the machine falls on every size alike."""
    samples: list[list[float]] = [[] for _ in clients]
    params = {"as_of": "2025-06-30"}
    for client in clients:
        for _ in range(30):
            _ok(client.get("/api/v1/ledger/accounts/1042/balance", params=params))
    for _ in range(ROUNDS // 50):
        for client, taken in zip(clients, samples, strict=True):
            for _ in range(50):
                started = time.perf_counter()
                _ok(client.get("/api/v1/ledger/accounts/1042/balance", params=params))
                taken.append(time.perf_counter() - started)
    return [statistics.median(taken) for taken in samples]


def reads() -> None:
    small, large = SIZES
    with _database() as small_url, _database() as large_url:
        seeded = {n: _seed(url, n) for n, url in ((small, small_url), (large, large_url))}
        with _served(small_url) as small_client, _served(large_url) as large_client:
            small_read, large_read = _balance_p50s([small_client, large_client])

            def report() -> None:
                _ok(large_client.get("/api/v1/reports/sources-and-uses", params={"year": 2025}))

            year = _p50(report, rounds=5)
    for n, read in ((small, small_read), (large, large_read)):
        print(
            f"{n:>9,} entries (seeded in {seeded[n]:.1f} s): balance read p50 {read * 1000:.2f} ms",
            flush=True,
        )
    ratio = large_read / small_read
    print(
        f"balance read p50 at {large:,} / at {small:,} entries = {ratio:.2f}x "
        f"(goal <= 1.2x: {'OK' if ratio <= 1.2 else 'above goal'})"
    )
    print(
        f"sources-and-uses of a year over {large:,} entries: p50 {year:.2f} s "
        f"(goal <= 1 s: {'OK' if year <= 1 else 'above goal'})"
    )


def main() -> None:
    postings()
    reads()


if __name__ == "__main__":
    main()
