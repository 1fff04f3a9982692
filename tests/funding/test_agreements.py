"""Pledges and agreements: disclosure, conversion, signing, conditions, assessed refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.funding.flow_helpers import account_balances, agreement_body, contributor
from tests.funding.ledger_helpers import publish_rate


def _pledge(client: TestClient, cid: int, **over: object) -> dict[str, object]:
    body = {
        "contributor_id": cid,
        "amount": "5000.00",
        "currency": "USD",
        "announced_on": "2027-01-01",
    }
    body.update(over)
    return body


def test_pledge_is_disclosed_not_revenue_and_converts_once(client: TestClient) -> None:
    cid = contributor(client)
    made = client.post("/api/v1/pledges", json=_pledge(client, cid))
    assert made.status_code == 201, made.text
    pledge = made.json()
    assert pledge["status"] == "announced"
    assert pledge["revenue_category"] == "voluntary_not_specified"
    assert client.get("/api/v1/ledger/transactions").json()["items"] == []
    terms = {
        "reference": "AGR-P1",
        "total": "5000.00",
        "instalments": [{"due_date": "2027-03-01", "amount": "5000.00"}],
    }
    converted = client.post(f"/api/v1/pledges/{pledge['id']}/conversion", json=terms)
    assert converted.status_code == 201, converted.text
    agreement = converted.json()
    assert agreement["pledge_id"] == pledge["id"]
    assert agreement["status"] == "draft"
    assert client.get(f"/api/v1/pledges/{pledge['id']}").json()["status"] == "converted"
    again = client.post(
        f"/api/v1/pledges/{pledge['id']}/conversion", json={**terms, "reference": "X"}
    )
    assert again.status_code == 409
    assert client.post(f"/api/v1/pledges/{pledge['id']}/lapse").status_code == 409


def test_pledge_lapses(client: TestClient) -> None:
    cid = contributor(client)
    pid = client.post("/api/v1/pledges", json=_pledge(client, cid)).json()["id"]
    lapsed = client.post(f"/api/v1/pledges/{pid}/lapse")
    assert lapsed.status_code == 200, lapsed.text
    assert lapsed.json()["status"] == "lapsed"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/pledges", "revenue_category"),
        ("/api/v1/pledges", "contribution_kind"),
        ("/api/v1/agreements", "revenue_category"),
        ("/api/v1/agreements", "contribution_kind"),
        ("/api/v1/contributions", "kind"),
        ("/api/v1/contributions", "revenue_category"),
    ],
)
def test_assessed_contributions_are_refused_citing_paragraph_8(
    client: TestClient, path: str, field: str
) -> None:
    cid = contributor(client)
    if path == "/api/v1/pledges":
        body = _pledge(client, cid)
    elif path == "/api/v1/agreements":
        body = agreement_body(cid)
    else:
        body = {"kind": "cash", "amount": "1.00", "currency": "USD", "value_date": "2027-01-01"}
    body[field] = "assessed"
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("assessed-contribution-refused")
    assert problem["paragraph"] == 8
    assert "voluntary contributions" in problem["detail"]
    assert problem["errors"][0]["field"] == field
    assert client.get("/api/v1/pledges").json()["items"] == []
    assert client.get("/api/v1/agreements").json()["items"] == []


def test_instalments_must_sum_to_total(client: TestClient) -> None:
    cid = contributor(client)
    body = agreement_body(cid, total="1000.01")
    response = client.post("/api/v1/agreements", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "instalments"


def test_psc_rate_bounded(client: TestClient) -> None:
    cid = contributor(client)
    response = client.post("/api/v1/agreements", json=agreement_body(cid, psc_rate="20.5"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "psc_rate"


def test_signing_recognises_revenue_and_receivable_in_usd(client: TestClient) -> None:
    cid = contributor(client)
    publish_rate(client, "EUR", "2027-01-01", "0.9")
    made = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid,
            currency="EUR",
            total="900.00",
            instalments=[{"due_date": "2027-02-01", "amount": "900.00"}],
        ),
    )
    assert made.status_code == 201, made.text
    aid, fund_id = made.json()["id"], made.json()["fund_id"]
    signed = client.post(
        f"/api/v1/agreements/{aid}/status", json={"status": "signed", "on": "2027-01-20"}
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["receivable_usd_open"] == "1000.00"
    balances = account_balances(client, fund_id)
    assert balances["1100/core"] == Decimal("1000.00")
    assert balances["4000/core"] == Decimal("-1000.00")
    txns = client.get("/api/v1/ledger/transactions", params={"kind": "agreement_signed"}).json()
    assert len(txns["items"]) == 1
    assert client.get("/api/v1/ledger/verify").json()["valid"] is True


def test_signing_without_rate_names_currency_and_month(client: TestClient) -> None:
    cid = contributor(client)
    made = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid, currency="CHF", instalments=[{"due_date": "2027-02-01", "amount": "1000.00"}]
        ),
    ).json()
    response = client.post(
        f"/api/v1/agreements/{made['id']}/status", json={"status": "signed", "on": "2027-03-10"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["currency"] == "CHF" and problem["month"] == "2027-03"
    assert client.get(f"/api/v1/agreements/{made['id']}").json()["status"] == "draft"
    assert client.get("/api/v1/ledger/transactions").json()["items"] == []


def test_status_machine_refuses_illegal_moves(client: TestClient) -> None:
    cid = contributor(client)
    aid = client.post("/api/v1/agreements", json=agreement_body(cid)).json()["id"]
    url = f"/api/v1/agreements/{aid}/status"
    assert client.post(url, json={"status": "active"}).status_code == 409
    assert client.post(url, json={"status": "signed", "on": "2027-01-05"}).status_code == 200
    assert client.post(url, json={"status": "signed", "on": "2027-01-05"}).status_code == 409
    assert client.post(url, json={"status": "active"}).status_code == 200
    assert client.post(url, json={"status": "operationally_closed"}).status_code == 200
    closing = client.post(url, json={"status": "financially_closed"})
    assert closing.status_code == 409  # nothing received yet
    assert client.post(url, json={"status": "draft"}).status_code == 409


def test_conditional_revenue_is_deferred_until_met(client: TestClient) -> None:
    cid = contributor(client)
    made = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid, conditions=[{"description": "Baseline survey delivered", "amount": "400.00"}]
        ),
    ).json()
    aid, fund_id = made["id"], made["fund_id"]
    client.post(f"/api/v1/agreements/{aid}/status", json={"status": "signed", "on": "2027-01-05"})
    balances = account_balances(client, fund_id)
    assert balances["2100/core"] == Decimal("-400.00")
    assert balances["4000/core"] == Decimal("-600.00")
    met = client.post(f"/api/v1/agreements/{aid}/conditions/1/met", json={"met_on": "2027-04-01"})
    assert met.status_code == 200, met.text
    assert met.json()["deferred_usd_open"] == "0.00"
    balances = account_balances(client, fund_id)
    assert balances["2100/core"] == Decimal("0.00")
    assert balances["4000/core"] == Decimal("-1000.00")
    again = client.post(f"/api/v1/agreements/{aid}/conditions/1/met", json={"met_on": "2027-04-02"})
    assert again.status_code == 409


def test_get_agreement_404(client: TestClient) -> None:
    assert client.get("/api/v1/agreements/999").status_code == 404


def test_project_earmark_asks_the_registry(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    cid = contributor(rclient)
    project = registry[1][0]
    ok = rclient.post(
        "/api/v1/agreements",
        json=agreement_body(cid, earmarking={"kind": "project", "project_id": project}),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["project_id"] == project
    unknown = rclient.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid, reference="AGR-2", earmarking={"kind": "project", "project_id": 999999}
        ),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "earmarking.project_id"


def test_registry_down_is_503_and_nothing_stored(client: TestClient) -> None:
    cid = contributor(client)
    response = client.post(
        "/api/v1/agreements",
        json=agreement_body(cid, earmarking={"kind": "project", "project_id": 1}),
    )
    assert response.status_code == 503, response.text
    assert client.get("/api/v1/agreements").json()["items"] == []


def test_thematic_earmark_by_goal_or_dimension(client: TestClient) -> None:
    cid = contributor(client)
    goal = client.post(
        "/api/v1/agreements",
        json=agreement_body(cid, earmarking={"kind": "thematic", "sdg_goal": 17}),
    )
    assert goal.status_code == 201, goal.text
    assert goal.json()["revenue_category"] == "voluntary_specified"
    dim = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid, reference="AGR-2", earmarking={"kind": "thematic", "dimension": "environmental"}
        ),
    )
    assert dim.status_code == 201, dim.text
    bad = client.post(
        "/api/v1/agreements",
        json=agreement_body(
            cid, reference="AGR-3", earmarking={"kind": "thematic", "sdg_goal": 18}
        ),
    )
    assert bad.status_code == 422
