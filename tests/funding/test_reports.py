"""Reports over real money events: sources and uses, projects batch, pledges outstanding."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.funding.conftest import ManualClock
from tests.funding.flow_helpers import HOST, contributor, receive, signed_agreement
from tests.funding.ledger_helpers import publish_rate

_refs = itertools.count(1)


def _report(client: TestClient, year: int) -> dict[str, Any]:
    response = client.get("/api/v1/reports/sources-and-uses", params={"year": year})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_pledges_outstanding_are_aged(client: TestClient, clock: ManualClock) -> None:
    cid = contributor(client)
    for day in ("2027-06-01", "2027-03-01", "2026-12-01", "2025-12-01", "2027-07-01"):
        body = {"contributor_id": cid, "amount": "100.00", "currency": "EUR", "announced_on": day}
        assert client.post("/api/v1/pledges", json=body).status_code == 201
    lapsed = client.get("/api/v1/pledges").json()["items"][0]["id"]
    clock.today = dt.date(2027, 6, 10)
    client.post(f"/api/v1/pledges/{lapsed}/lapse")  # the 2027-06-01 one: no longer outstanding
    response = client.get("/api/v1/reports/pledges-outstanding", params={"as_of": "2027-06-15"})
    assert response.status_code == 200, response.text
    report = response.json()
    counts = {b["bucket"]: b["count"] for b in report["buckets"]}
    assert counts == {"0-90": 0, "91-180": 1, "181-365": 1, ">365": 1}
    assert report["buckets"][1]["amounts"] == [{"currency": "EUR", "amount": "100.00"}]
    assert [i["age_days"] for i in report["items"]] == [561, 196, 106]
    # no EUR rate for June 2027: no dollar figures, and the report says so
    assert report["usd_complete"] is False
    assert report["missing_rates"] == [{"currency": "EUR", "month": "2027-06"}]
    assert [i["usd_equivalent"] for i in report["items"]] == [None, None, None]
    complete = {b["bucket"]: b["usd_complete"] for b in report["buckets"]}
    assert complete == {"0-90": True, "91-180": False, "181-365": False, ">365": False}
    lines = client.get(
        "/api/v1/reports/pledges-outstanding", params={"as_of": "2027-06-15", "format": "csv"}
    ).text.splitlines()
    assert [line.split(",")[2] for line in lines[-5:]] == [
        "total 0-90",
        "total 91-180 (incomplete: rates missing)",
        "total 181-365 (incomplete: rates missing)",
        "total >365 (incomplete: rates missing)",
        "total (incomplete: rates missing)",
    ]


def test_csv_cells_never_start_a_spreadsheet_formula(client: TestClient) -> None:
    """A name a client chose that starts like a formula is written with a leading quote, so a
    spreadsheet opening the report shows it as text."""
    cid = contributor(client, '=HYPERLINK("http://x.invalid","Norway")')
    body = {
        "contributor_id": cid,
        "amount": "100.00",
        "currency": "USD",
        "announced_on": "2027-06-01",
    }
    assert client.post("/api/v1/pledges", json=body).status_code == 201
    text = client.get(
        "/api/v1/reports/pledges-outstanding", params={"as_of": "2027-06-15", "format": "csv"}
    ).text
    assert text.splitlines()[1].split(",")[2].startswith("\"'=HYPERLINK(")
    assert "\n,,=" not in text


def test_pledges_outstanding_in_us_dollars_at_the_report_date_rate(client: TestClient) -> None:
    cid = contributor(client)
    for amount, currency, day in (
        ("900.00", "EUR", "2027-01-10"),
        ("250.00", "USD", "2027-05-01"),
        ("100000.00", "KZT", "2027-06-01"),
    ):
        body = {"contributor_id": cid, "amount": amount, "currency": currency, "announced_on": day}
        assert client.post("/api/v1/pledges", json=body).status_code == 201
    publish_rate(client, "EUR", "2027-01-01", "0.95")  # not the rate of the report month
    publish_rate(client, "EUR", "2027-06-01", "0.9")
    publish_rate(client, "KZT", "2027-06-01", "500")
    report = client.get(
        "/api/v1/reports/pledges-outstanding", params={"as_of": "2027-06-15"}
    ).json()
    assert report["usd_complete"] is True and report["missing_rates"] == []
    assert report["rate_month"] == "2027-06"
    assert [i["usd_equivalent"] for i in report["items"]] == ["1000.00", "250.00", "200.00"]
    by_bucket = {b["bucket"]: b["usd_equivalent"] for b in report["buckets"]}
    assert by_bucket == {"0-90": "450.00", "91-180": "1000.00", "181-365": "0.00", ">365": "0.00"}
    assert report["total_usd"] == "1450.00"
    csv_answer = client.get(
        "/api/v1/reports/pledges-outstanding", params={"as_of": "2027-06-15", "format": "csv"}
    )
    assert csv_answer.status_code == 200
    assert csv_answer.headers["content-type"].startswith("text/csv")
    lines = csv_answer.text.splitlines()
    assert lines[0].startswith("pledge_id,contributor_id,contributor_name,currency,amount,usd")
    assert len(lines) == 1 + 3 + 4 + 1
    assert lines[-1].split(",")[2:6] == ["total", "USD", "", "1450.00"]


def test_sources_and_uses_over_money_events(client: TestClient) -> None:
    host_id = client.post("/api/v1/contributors", json=HOST).json()["id"]
    private = contributor(client, "Acme", "private_sector")
    cash = signed_agreement(client, host_id, reference="KZ-1")
    assert receive(client, cash["id"], "600.00").status_code == 201
    premises = {
        "kind": "in_kind",
        "contributor_id": host_id,
        "in_kind_type": "premises",
        "amount": "300.00",
        "currency": "USD",
        "value_date": "2027-01-01",
        "valuation_basis": "Fair rental value",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
    }
    assert client.post("/api/v1/contributions", json=premises).status_code == 201
    gift = signed_agreement(client, private, reference="ACME-1")
    assert receive(client, gift["id"], "100.00").status_code == 201
    spend = {
        "fund_id": cash["fund_id"],
        "category": "operating_costs",
        "amount": "50.00",
        "value_date": "2027-05-01",
    }
    assert client.post("/api/v1/expenditures", json=spend).status_code == 201
    report = _report(client, 2027)
    assert report["reconciles"] is True
    # Revenue is recognised at signing; cash is what came in (issue 12: "cash" is deprecated).
    assert report["host_country_support"] == {
        "cash": "1000.00",
        "revenue_recognised": "1000.00",
        "cash_received": "600.00",
        "in_kind": "300.00",
    }
    by_type = {r["type"]: r for r in report["by_contributor_type"]}
    assert by_type["private_sector"]["cash"] == "1000.00"
    assert by_type["private_sector"]["cash_received"] == "100.00"
    host_row = next(c for c in report["by_contributor"] if c["contributor_id"] == host_id)
    assert (host_row["revenue_recognised"], host_row["cash_received"]) == ("1000.00", "600.00")
    # revenue recognised on signing: 1000 host + 1000 private, in kind 300
    assert report["private_and_innovative_share"] == "0.4348"
    assert report["expenditure_by_category"] == [
        {"category": "operating_costs", "amount_usd": "50.00"}
    ]
    csv_text = client.get(
        "/api/v1/reports/sources-and-uses", params={"year": 2027, "format": "csv"}
    ).text
    assert csv_text.splitlines()[0].startswith("year,fund_id")


def test_projects_batch_over_money_events(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    p1, p2 = registry[1]
    cid = contributor(rclient)
    earmarked = signed_agreement(
        rclient, cid, reference="P1-A", earmarking={"kind": "project", "project_id": p1}
    )
    assert receive(rclient, earmarked["id"], "600.00").status_code == 201
    core = signed_agreement(rclient, cid, reference="CORE-A")
    assert receive(rclient, core["id"], "600.00").status_code == 201
    for fund_id, project, amount in (
        (earmarked["fund_id"], p1, "500.00"),
        (core["fund_id"], p2, "200.00"),
    ):
        made = rclient.post(
            "/api/v1/allocations",
            json={
                "fund_id": fund_id,
                "project_id": project,
                "amount": amount,
                "value_date": "2027-02-02",
            },
        )
        assert made.status_code == 201, made.text
    spent = rclient.post(
        "/api/v1/expenditures",
        json={
            "fund_id": earmarked["fund_id"],
            "project_id": p1,
            "category": "staff",
            "amount": "120.00",
            "value_date": "2027-03-01",
        },
    )
    assert spent.status_code == 201, spent.text
    response = rclient.get("/api/v1/reports/projects", params={"ids": f"{p1},{p2},4242"})
    assert response.status_code == 200, response.text
    items = {i["project_id"]: i for i in response.json()["items"]}
    assert set(items) == {p1, p2}
    one = items[p1]
    assert one["agreements"][0]["total_usd"] == "1000.00"
    assert one["agreements"][0]["contributor_id"] == cid
    # revenue, not cash: the retired "received" said the same under a misleading name
    assert (one["revenue_recognised"], one["allocated"], one["spent"]) == (
        "1000.00",
        "500.00",
        "120.00",
    )
    assert "received" not in one and "balance" not in one
    assert one["by_contributor"] == [
        {"contributor_id": cid, "name": "Norway", "amount_usd": "1000.00"}
    ]
    two = items[p2]
    assert (two["allocated"], two["spent"]) == ("200.00", "0.00")


cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(
            st.sampled_from(["cash", "spend", "in_kind"]),
            cents,
            st.sampled_from(["2026-12-31", "2027-01-01", "2027-07-15", "2027-12-31", "2028-01-01"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_sources_and_uses_reconcile_over_random_events(
    client: TestClient, clock: ManualClock, moves: list[tuple[str, Decimal, str]]
) -> None:
    # Signed on the first day any move can be dated, and "today" the last: a receipt is never
    # dated before its agreement's signature nor in the future (issue 12).
    clock.today = dt.date(2028, 1, 1)
    cid = contributor(client, f"Donor {next(_refs)}")
    total = sum((a for k, a, _ in moves if k == "cash"), Decimal(0)) or Decimal("1.00")
    agreement = signed_agreement(
        client,
        cid,
        signed_on="2026-12-31",
        reference=f"R-{next(_refs)}",
        total=str(total),
        instalments=[{"due_date": "2027-01-01", "amount": str(total)}],
    )
    spent = Decimal(0)
    for kind, amount, day in moves:
        if kind == "cash":
            assert receive(client, agreement["id"], str(amount), value_date=day).status_code == 201
        elif kind == "in_kind":
            body = {
                "kind": "in_kind",
                "contributor_id": cid,
                "in_kind_type": "goods",
                "amount": str(amount),
                "currency": "USD",
                "value_date": day,
                "valuation_basis": "invoice",
            }
            assert client.post("/api/v1/contributions", json=body).status_code == 201
        else:
            made = client.post(
                "/api/v1/expenditures",
                json={
                    "fund_id": agreement["fund_id"],
                    "category": "operating_costs",
                    "amount": str(amount),
                    "value_date": day,
                },
            )
            assert made.status_code in (201, 409), made.text
            if made.status_code == 201:
                spent += amount
    closing = Decimal(0)
    for year in (2026, 2027, 2028):
        report = _report(client, year)
        assert report["reconciles"] is True
        for fund in report["funds"]:
            sources = sum(Decimal(v) for v in fund["sources"].values())
            uses = sum(Decimal(v) for v in fund["uses"].values())
            assert Decimal(fund["opening_balance"]) + sources - uses == Decimal(
                fund["closing_balance"]
            )
        t = report["totals"]
        assert Decimal(t["opening_balance"]) == closing
        closing = Decimal(t["closing_balance"])
        assert closing == Decimal(t["opening_balance"]) + Decimal(t["sources"]) - Decimal(t["uses"])
    cash = client.get("/api/v1/ledger/accounts", params={"code": "1000"}).json()["items"]
    assert sum(Decimal(a["balance_usd"]) for a in cash) >= 0
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True


def test_pledges_outstanding_as_of_an_earlier_day_count_those_settled_later(
    client: TestClient, clock: ManualClock
) -> None:
    cid = contributor(client)
    made = []
    for amount in ("100.00", "200.00"):
        body = {
            "contributor_id": cid,
            "amount": amount,
            "currency": "USD",
            "announced_on": "2027-01-10",
        }
        created = client.post("/api/v1/pledges", json=body)
        assert created.status_code == 201, created.text
        made.append(created.json()["id"])
    clock.today = dt.date(2027, 5, 1)
    lapsed = client.post(f"/api/v1/pledges/{made[0]}/lapse")
    assert lapsed.status_code == 200 and lapsed.json()["settled_on"] == "2027-05-01"

    def outstanding(as_of: str) -> list[str]:
        report = client.get("/api/v1/reports/pledges-outstanding", params={"as_of": as_of})
        return sorted(i["amount"] for i in report.json()["items"])

    assert outstanding("2027-04-30") == ["100.00", "200.00"]  # not lapsed yet that day
    assert outstanding("2027-05-01") == ["200.00"]
