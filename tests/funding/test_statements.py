"""Sources and uses of a year and per-project funding, read from the journal."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.funding.ledger_helpers import entry, open_account, open_fund, post


def _core_ledger(client: TestClient) -> dict[str, int]:
    fund = open_fund(client)
    return {
        "fund": fund,
        "cash": open_account(client, "1000", fund),
        "revenue": open_account(client, "4000", fund),
        "in_kind_revenue": open_account(client, "4100", fund),
        "in_kind_expense": open_account(client, "5100", fund),
        "travel": open_account(client, "5000", fund, project_id=7, category="travel"),
    }


def _report(client: TestClient, year: int) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/reports/sources-and-uses", params={"year": year})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_sources_and_uses_reconcile_across_years(client: TestClient) -> None:
    a = _core_ledger(client)
    assert (
        post(
            client,
            "2026-11-02",
            entry(a["cash"], "debit", "1000.00"),
            entry(a["revenue"], "credit", "1000.00"),
        ).status_code
        == 201
    )
    assert (
        post(
            client,
            "2027-03-01",
            entry(a["cash"], "debit", "500.00"),
            entry(a["revenue"], "credit", "500.00"),
        ).status_code
        == 201
    )
    assert (
        post(
            client,
            "2027-04-01",
            entry(a["travel"], "debit", "120.50"),
            entry(a["cash"], "credit", "120.50"),
        ).status_code
        == 201
    )
    assert (
        post(
            client,
            "2027-05-01",
            entry(a["in_kind_expense"], "debit", "300.00"),
            entry(a["in_kind_revenue"], "credit", "300.00"),
        ).status_code
        == 201
    )
    report = _report(client, 2027)
    (fund,) = report["funds"]
    assert fund["opening_balance"] == "1000.00"
    assert fund["sources"] == {
        "cash_contributions": "500.00",
        "in_kind_contributions": "300.00",
        "other_income": "0.00",
    }
    assert fund["uses"] == {"expenditure": "120.50", "in_kind_expense": "300.00"}
    assert fund["closing_balance"] == "1379.50"
    assert fund["reconciles"] is True and report["reconciles"] is True
    assert report["expenditure_by_project"] == [{"project_id": 7, "amount_usd": "120.50"}]
    assert report["expenditure_by_category"] == [{"category": "travel", "amount_usd": "120.50"}]
    assert report["totals"] == {
        "opening_balance": "1000.00",
        "sources": "800.00",
        "uses": "420.50",
        "closing_balance": "1379.50",
    }
    assert _report(client, 2026)["funds"][0]["closing_balance"] == "1000.00"


def test_sources_and_uses_as_csv(client: TestClient) -> None:
    """One row per fund, then a TOTAL row whose every money column adds up its column."""
    a = _core_ledger(client)
    thematic = open_fund(client, {"kind": "thematic", "sdg_goal": 4})
    cash_4, income_4 = (
        open_account(client, "1000", thematic),
        open_account(client, "4800", thematic),
    )
    for day, debit, credit, amount in (
        ("2026-12-01", a["cash"], a["revenue"], "100.00"),
        ("2027-03-01", a["cash"], a["revenue"], "10.00"),
        ("2027-03-02", a["travel"], a["cash"], "4.00"),
        ("2027-03-03", a["in_kind_expense"], a["in_kind_revenue"], "7.50"),
        ("2027-04-01", cash_4, income_4, "5.25"),
    ):
        posted = post(client, day, entry(debit, "debit", amount), entry(credit, "credit", amount))
        assert posted.status_code == 201, posted.text
    response = client.get(
        "/api/v1/reports/sources-and-uses", params={"year": 2027, "format": "csv"}
    )
    assert response.headers["content-type"].startswith("text/csv")
    header, *funds, total = list(csv.reader(io.StringIO(response.text)))
    assert header[0] == "year" and total[2] == "TOTAL" and total[-1] == "True"
    assert len(funds) == 2
    money = range(header.index("opening_balance"), header.index("closing_balance") + 1)
    for column in money:
        assert Decimal(total[column]) == sum(Decimal(row[column]) for row in funds), header[column]
    by_name = dict(zip(header, total, strict=True))
    assert by_name["opening_balance"] == "100.00"
    assert by_name["cash_contributions"] == "10.00"
    assert by_name["in_kind_contributions"] == "7.50"
    assert by_name["other_income"] == "5.25"
    assert by_name["expenditure"] == "4.00"
    assert by_name["in_kind_expense"] == "7.50"
    report = _report(client, 2027)
    assert by_name["closing_balance"] == report["totals"]["closing_balance"] == "111.25"


def test_report_year_out_of_range_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/reports/sources-and-uses", params={"year": 1999})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"


def test_project_funding_in_one_batch(client: TestClient) -> None:
    a = _core_ledger(client)
    post(
        client,
        "2027-03-01",
        entry(a["cash"], "debit", "500.00"),
        entry(a["revenue"], "credit", "500.00"),
    )
    post(
        client,
        "2027-04-01",
        entry(a["travel"], "debit", "20.00"),
        entry(a["cash"], "credit", "20.00"),
    )
    response = client.get("/api/v1/reports/projects", params={"ids": "7,8"})
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert item["project_id"] == 7 and item["spent"] == "20.00"
    assert (
        client.get("/api/v1/reports/projects", params={"ids": ",".join(["1"] * 101)}).status_code
        == 422
    )


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(
            st.sampled_from(["in", "out"]),
            amounts,
            st.sampled_from(["2026-06-30", "2027-01-01", "2027-12-31"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_opening_plus_sources_minus_uses_is_closing_to_the_cent(
    client: TestClient, moves: list[tuple[str, Decimal, str]]
) -> None:
    a = _core_ledger(client)
    # Cash for every move out (no posting may leave cash below zero), from the year before.
    assert (
        post(
            client,
            "2026-01-01",
            entry(a["cash"], "debit", "1000000.00"),
            entry(a["revenue"], "credit", "1000000.00"),
        ).status_code
        == 201
    )
    for direction, amount, day in moves:
        debit, credit = (a["cash"], a["revenue"]) if direction == "in" else (a["travel"], a["cash"])
        assert (
            post(
                client,
                day,
                entry(debit, "debit", str(amount)),
                entry(credit, "credit", str(amount)),
            ).status_code
            == 201
        )
    report = _report(client, 2027)
    fund = next(f for f in report["funds"] if f["fund_id"] == a["fund"])
    sources = sum(Decimal(v) for v in fund["sources"].values())
    uses = sum(Decimal(v) for v in fund["uses"].values())
    assert Decimal(fund["opening_balance"]) + sources - uses == Decimal(fund["closing_balance"])
    assert fund["reconciles"] is True
