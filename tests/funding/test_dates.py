"""Dates that cannot be (issue 12, point 2): each refused with a problem naming the field and
the rule, and nothing stored — record counts and the journal head unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from services.funding.main import create_app
from services.funding.settings import Settings
from tests.funding.conftest import ManualClock
from tests.funding.flow_helpers import contributor, receive, signed_agreement
from tests.funding.ledger_helpers import entry, open_account, open_fund, post, publish_rate
from tests.support.clients import signed_client


def _stored(client: TestClient) -> dict[str, Any]:
    """What a refusal must leave as it was: the journal head and every record count."""
    head = client.get("/api/v1/ledger/verify").json()
    counts = {
        name: len(client.get(f"/api/v1/{name}", params={"limit": 200}).json()["items"])
        for name in ("contributions", "allocations", "expenditures", "rates", "agreements")
    }
    statuses = [a["status"] for a in client.get("/api/v1/agreements").json()["items"]]
    return {"head": (head["head_sequence"], head["head_hash"]), **counts, "statuses": statuses}


def _refused(response: Any, status: int, rule: str, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"urn:sdgc:problem:{rule}"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["rule"] == rule


def _spend(client: TestClient, fund_id: int, value_date: str, **over: Any) -> Any:
    body = {
        "fund_id": fund_id,
        "category": "operating_costs",
        "amount": "10.00",
        "value_date": value_date,
    }
    return client.post("/api/v1/expenditures", json={**body, **over})


def test_money_dated_before_the_signature_is_refused(client: TestClient) -> None:
    agreement = signed_agreement(client, contributor(client))  # signed 5 January 2027
    before = _stored(client)
    _refused(
        receive(client, agreement["id"], "100.00", value_date="2027-01-04"),
        422,
        "dated-before-signature",
        "value_date",
    )
    _refused(
        _spend(client, agreement["fund_id"], "2027-01-04"),
        422,
        "dated-before-signature",
        "value_date",
    )
    assert _stored(client) == before
    # On the day of the signature: received, then spent.
    assert receive(client, agreement["id"], "100.00", value_date="2027-01-05").status_code == 201
    assert _spend(client, agreement["fund_id"], "2027-01-05").status_code == 201


def test_allocation_before_the_fund_was_funded_is_refused(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    agreement = signed_agreement(rclient, contributor(rclient))
    assert receive(rclient, agreement["id"], "100.00").status_code == 201
    before = _stored(rclient)
    body = {"fund_id": agreement["fund_id"], "project_id": registry[1][0], "amount": "10.00"}
    _refused(
        rclient.post("/api/v1/allocations", json={**body, "value_date": "2027-01-04"}),
        422,
        "dated-before-signature",
        "value_date",
    )
    assert _stored(rclient) == before


def test_condition_met_before_the_signature_is_refused(client: TestClient) -> None:
    agreement = signed_agreement(
        client, contributor(client), conditions=[{"description": "survey", "amount": "100.00"}]
    )
    before = _stored(client)
    url = f"/api/v1/agreements/{agreement['id']}/conditions/1/met"
    _refused(
        client.post(url, json={"met_on": "2027-01-04"}), 422, "dated-before-signature", "met_on"
    )
    assert _stored(client) == before
    assert client.post(url, json={"met_on": "2027-01-05"}).status_code == 200


def test_a_receipt_is_never_in_the_future(client: TestClient, clock: ManualClock) -> None:
    agreement = signed_agreement(client, contributor(client))
    clock.today = dt.date(2027, 2, 1)
    before = _stored(client)
    _refused(
        receive(client, agreement["id"], "100.00", value_date="2027-02-02"),
        422,
        "receipt-in-future",
        "value_date",
    )
    assert _stored(client) == before
    assert receive(client, agreement["id"], "100.00", value_date="2027-02-01").status_code == 201


def test_value_dates_beyond_the_horizon_are_refused(client: TestClient, clock: ManualClock) -> None:
    """Today + 31 days is the last value date accepted, for every kind of posting."""
    clock.today = dt.date(2027, 1, 31)
    cid = contributor(client)
    agreement = signed_agreement(client, cid)
    assert receive(client, agreement["id"], "600.00", value_date="2027-01-31").status_code == 201
    fund = agreement["fund_id"]
    before = _stored(client)
    _refused(_spend(client, fund, "2027-03-04"), 422, "value-date-beyond-horizon", "value_date")
    in_kind = {
        "kind": "in_kind",
        "contributor_id": cid,
        "in_kind_type": "goods",
        "amount": "50.00",
        "currency": "USD",
        "valuation_basis": "invoice",
    }
    _refused(
        client.post("/api/v1/contributions", json={**in_kind, "value_date": "2027-03-04"}),
        422,
        "value-date-beyond-horizon",
        "value_date",
    )
    draft = client.post(
        "/api/v1/agreements",
        json={
            "reference": "AGR-LATE",
            "contributor_id": cid,
            "currency": "USD",
            "total": "10.00",
            "instalments": [{"due_date": "2027-06-01", "amount": "10.00"}],
            "earmarking": {"kind": "unearmarked"},
        },
    ).json()
    before = _stored(client)
    _refused(
        client.post(
            f"/api/v1/agreements/{draft['id']}/status",
            json={"status": "signed", "on": "2027-03-04"},
        ),
        422,
        "value-date-beyond-horizon",
        "on",
    )
    cash, revenue = (
        open_account(client, "1000", fund),
        open_account(client, "4800", fund),
    )
    _refused(
        post(client, "2027-03-04", entry(cash, "debit", "1.00"), entry(revenue, "credit", "1.00")),
        422,
        "value-date-beyond-horizon",
        "value_date",
    )
    assert _stored(client) == before
    assert _spend(client, fund, "2027-03-03").status_code == 201
    made = client.post("/api/v1/contributions", json={**in_kind, "value_date": "2027-03-03"})
    assert made.status_code == 201, made.text


def test_the_horizon_is_a_setting(funding_settings: Settings, clock: ManualClock) -> None:
    clock.today = dt.date(2027, 1, 31)
    settings = funding_settings.model_copy(update={"value_date_horizon_days": 0})
    with signed_client(create_app(settings, clock=clock)) as client:
        fund = open_fund(client)
        cash, revenue = open_account(client, "1000", fund), open_account(client, "4800", fund)
        lines = (entry(cash, "debit", "1.00"), entry(revenue, "credit", "1.00"))
        _refused(post(client, "2027-02-01", *lines), 422, "value-date-beyond-horizon", "value_date")
        assert post(client, "2027-01-31", *lines).status_code == 201


def test_a_backdated_rate_revision_that_would_rerate_postings_is_refused(
    client: TestClient,
) -> None:
    publish_rate(client, "EUR", "2027-01-01", "0.90")
    publish_rate(client, "EUR", "2027-02-01", "0.95")
    agreement = signed_agreement(client, contributor(client), currency="EUR")
    paid = receive(client, agreement["id"], "100.00", currency="EUR", value_date="2027-02-10")
    assert paid.status_code == 201, paid.text
    receipt_txn = paid.json()["transaction_id"]
    before = _stored(client)
    revision = {"currency": "EUR", "effective_date": "2027-02-05", "rate": "0.97"}
    refused = client.post("/api/v1/rates", json=revision)
    _refused(refused, 409, "rate-revision-changes-postings", "effective_date")
    assert refused.json()["transaction_ids"] == [receipt_txn]
    csv_body = "currency,effective_date,rate\nEUR,2027-02-05,0.97\n"
    by_csv = client.post(
        "/api/v1/rates/csv", content=csv_body, headers={"Content-Type": "text/csv"}
    )
    _refused(by_csv, 409, "rate-revision-changes-postings", "effective_date")
    # A January revision dated after the signature would re-rate the signature: refused.
    _refused(
        client.post(
            "/api/v1/rates", json={**revision, "effective_date": "2027-01-02", "rate": "0.91"}
        ),
        409,
        "rate-revision-changes-postings",
        "effective_date",
    )
    assert _stored(client) == before
    # A revision after the last posting of the month changes nothing posted: accepted.
    later = client.post("/api/v1/rates", json={**revision, "effective_date": "2027-02-11"})
    assert later.status_code == 201, later.text


def test_an_agreement_with_an_open_receivable_cannot_be_financially_closed(
    client: TestClient,
) -> None:
    agreement = signed_agreement(client, contributor(client))
    assert receive(client, agreement["id"], "600.00").status_code == 201
    url = f"/api/v1/agreements/{agreement['id']}/status"
    for status in ("active", "operationally_closed"):
        assert client.post(url, json={"status": status}).status_code == 200
    before = _stored(client)
    refused = client.post(url, json={"status": "financially_closed"})
    _refused(refused, 409, "open-receivable", "status")
    assert refused.json()["receivable_usd"] == "400.00"
    assert _stored(client) == before
