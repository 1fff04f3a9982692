"""Money is a string (issue 12, point 7): JSON numbers and exponents are refused with a 422
that says to send a string, and every answer shows money as stored, so a create's ETag (and
its idempotent replay) equals the next read's."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.funding.flow_helpers import agreement_body, contributor, receive, signed_agreement
from tests.funding.ledger_helpers import entry, open_account, open_fund
from tests.funding.test_dates import _stored


def _refused_as(response: Any, rule: str, fields: list[str]) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == fields
    assert {e["rule"] for e in problem["errors"]} == {rule}
    if rule == "money-as-string":
        assert "JSON string" in problem["errors"][0]["message"]


def test_json_numbers_are_refused_for_every_money_field(rclient: TestClient) -> None:
    cid = contributor(rclient)
    agreement = signed_agreement(rclient, cid)
    fund = agreement["fund_id"]
    cash, revenue = open_account(rclient, "1000", fund), open_account(rclient, "4800", fund)
    before = _stored(rclient)
    body = agreement_body(
        cid,
        reference="AGR-NUM",
        total=1000,
        instalments=[{"due_date": "2027-01-15", "amount": 1000}],
    )
    _refused_as(
        rclient.post("/api/v1/agreements", json=body),
        "money-as-string",
        ["total", "instalments.0.amount"],
    )
    cash_in = {
        "kind": "cash",
        "agreement_id": agreement["id"],
        "instalment_number": 1,
        "amount": 100.5,
        "currency": "USD",
        "value_date": "2027-02-01",
    }
    _refused_as(rclient.post("/api/v1/contributions", json=cash_in), "money-as-string", ["amount"])
    spend = {"fund_id": fund, "category": "staff", "amount": 10, "value_date": "2027-03-01"}
    _refused_as(rclient.post("/api/v1/expenditures", json=spend), "money-as-string", ["amount"])
    allocate = {"fund_id": fund, "project_id": 1, "amount": 10, "value_date": "2027-03-01"}
    _refused_as(rclient.post("/api/v1/allocations", json=allocate), "money-as-string", ["amount"])
    pledge = {"contributor_id": cid, "amount": 10, "currency": "USD", "announced_on": "2027-01-01"}
    _refused_as(rclient.post("/api/v1/pledges", json=pledge), "money-as-string", ["amount"])
    manual = {
        "value_date": "2027-02-01",
        "description": "numbers",
        "entries": [
            {**entry(cash, "debit", "1.00"), "amount": 1.0},
            entry(revenue, "credit", "1.00"),
        ],
    }
    _refused_as(
        rclient.post("/api/v1/ledger/transactions", json=manual),
        "money-as-string",
        ["entries.0.amount"],
    )
    for bad in ("1E+3", "-5.00", " 5.00", "5.", "1,000.00", "NaN"):
        _refused_as(
            rclient.post("/api/v1/contributions", json={**cash_in, "amount": bad}),
            "money-format",
            ["amount"],
        )
    assert _stored(rclient) == before


def test_openapi_says_money_is_a_decimal_string(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for model, field in (
        ("AgreementCreate", "total"),
        ("InstalmentIn", "amount"),
        ("ContributionCreate", "amount"),
        ("ExpenditureCreate", "amount"),
        ("AllocationCreate", "amount"),
        ("PledgeCreate", "amount"),
        ("EntryCreate", "amount"),
    ):
        prop = schemas[model]["properties"][field]
        assert prop["type"] == "string" and prop["pattern"].startswith("^[0-9]"), (model, prop)


def _same_etag_as_read(client: TestClient, made: Any) -> None:
    assert made.status_code in (200, 201), made.text
    read = client.get(made.headers["Location"])
    assert read.status_code == 200, read.text
    assert made.headers["ETag"] == read.headers["ETag"]
    assert made.json() == read.json()


def test_answers_show_money_as_stored_so_create_and_read_etags_agree(client: TestClient) -> None:
    cid = contributor(client)
    body = agreement_body(
        cid,
        total="1000",
        psc_rate="7",
        instalments=[
            {"due_date": "2027-01-15", "amount": "600"},
            {"due_date": "2027-06-15", "amount": "400.0"},
        ],
    )
    key = {"Idempotency-Key": "agr-normalised"}
    made = client.post("/api/v1/agreements", json=body, headers=key)
    assert made.json()["total"] == "1000.00"
    assert [i["amount"] for i in made.json()["instalments"]] == ["600.00", "400.00"]
    _same_etag_as_read(client, made)
    replay = client.post("/api/v1/agreements", json=body, headers=key)
    assert replay.status_code == 201
    assert (replay.json(), replay.headers["ETag"]) == (made.json(), made.headers["ETag"])
    signed = client.post(
        f"/api/v1/agreements/{made.json()['id']}/status",
        json={"status": "signed", "on": "2027-01-05"},
    )
    assert signed.status_code == 200, signed.text
    paid = receive(client, made.json()["id"], "600")
    assert (paid.json()["amount"], paid.json()["rate"]) == ("600.00", "1.0000000000")
    _same_etag_as_read(client, paid)
    spent = client.post(
        "/api/v1/expenditures",
        json={
            "fund_id": made.json()["fund_id"],
            "category": "staff",
            "amount": "12.5",
            "value_date": "2027-03-01",
        },
    )
    assert spent.json()["amount"] == "12.50" and spent.json()["usd_amount"] == "12.50"
    _same_etag_as_read(client, spent)
    pledge = client.post(
        "/api/v1/pledges",
        json={
            "contributor_id": cid,
            "amount": "5",
            "currency": "USD",
            "announced_on": "2027-01-01",
        },
    )
    assert pledge.json()["amount"] == "5.00"
    _same_etag_as_read(client, pledge)
    fund = open_fund(client)
    cash, revenue = open_account(client, "1000", fund), open_account(client, "4800", fund)
    manual = client.post(
        "/api/v1/ledger/transactions",
        json={
            "value_date": "2027-02-01",
            "description": "normalised",
            "entries": [entry(cash, "debit", "7"), entry(revenue, "credit", "7.0")],
        },
    )
    assert [e["amount"] for e in manual.json()["entries"]] == ["7.00", "7.00"]
    _same_etag_as_read(client, manual)


def test_an_allocation_answer_shows_dollars_as_stored(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    agreement = signed_agreement(rclient, contributor(rclient))
    assert receive(rclient, agreement["id"], "600.00").status_code == 201
    made = rclient.post(
        "/api/v1/allocations",
        json={
            "fund_id": agreement["fund_id"],
            "project_id": registry[1][0],
            "amount": "100",
            "value_date": "2027-03-01",
        },
    )
    assert made.json()["amount"] == "100.00"
    _same_etag_as_read(rclient, made)
