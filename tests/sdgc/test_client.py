"""The Python client against the real suite (four uvicorn processes behind the gateway)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest

from sdgc import ApiError, AsyncClient, Client, RawAnswer
from tests.support.suite import ADMIN_KEY, Suite


def _name(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def test_create_answers_the_record_with_its_etag_and_an_update_takes_it(client: Client) -> None:
    made = client.contributors.create(
        {"name": _name("Norway"), "type": "member_state", "country": "NO"}
    )
    assert made.location == f"/api/v1/contributors/{made['id']}"
    read = client.contributors.get(made["id"])
    assert read == made and read.etag
    changed = client.contributors.update(made["id"], {"country": "DK"}, if_match=read.etag)
    assert changed["country"] == "DK" and changed.etag != read.etag
    with pytest.raises(ApiError) as stale:
        client.contributors.update(made["id"], {"country": "SE"}, if_match=read.etag)
    assert stale.value.status == 412


def test_a_create_repeated_with_its_idempotency_key_creates_once(client: Client) -> None:
    body = {"name": _name("Japan"), "type": "member_state", "country": "JP"}
    key = f"test-{uuid.uuid4()}"
    first = client.contributors.create(body, idempotency_key=key)
    again = client.contributors.create(body, idempotency_key=key)
    assert again["id"] == first["id"] and again.replayed and not first.replayed
    assert [c["id"] for c in client.contributors.list(q=body["name"])] == [first["id"]]


def test_list_iterates_over_every_page(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    made = [
        client.organisations.create({"name": f"Partner {tag} {n}", "type": "22"})["id"]
        for n in range(5)
    ]
    listed = [o["id"] for o in client.organisations.list(q=tag, limit=2)]
    assert sorted(listed) == sorted(made)


def test_a_refusal_is_raised_with_type_status_detail_and_field_errors(client: Client) -> None:
    with pytest.raises(ApiError) as refused:
        client.contributors.create(
            {
                "name": "UN regular budget",
                "type": "member_state",
                "country": "NO",
                "revenue_category": "assessed",
            }
        )
    problem = refused.value
    assert problem.status == 422
    assert problem.type.startswith("urn:sdgc:problem:") or problem.type == "about:blank"
    assert problem.detail
    assert any(e.field == "revenue_category" for e in problem.errors)
    with pytest.raises(ApiError) as missing:
        client.projects.get(2_000_000_000)
    assert (missing.value.status, missing.value.rule) == (404, "not-found")


def test_money_comes_back_as_decimal_and_goes_out_as_decimal(client: Client) -> None:
    donor = client.contributors.create(
        {"name": _name("Finland"), "type": "member_state", "country": "FI"}
    )
    agreement = client.agreements.create(
        {
            "reference": f"AGR-{uuid.uuid4().hex[:6]}",
            "contributor_id": donor["id"],
            "currency": "USD",
            "total": Decimal("1000.10"),
            "instalments": [{"due_date": "2027-01-15", "amount": Decimal("1000.10")}],
            "earmarking": {"kind": "unearmarked"},
        }
    )
    assert agreement["total"] == Decimal("1000.10")
    assert isinstance(agreement["instalments"][0]["amount"], Decimal)
    client.agreements.change_status(agreement["id"], {"status": "signed", "on": "2027-01-05"})
    received = client.contributions.create(
        {
            "kind": "cash",
            "agreement_id": agreement["id"],
            "instalment_number": 1,
            "amount": Decimal("400.05"),
            "currency": "USD",
            "value_date": "2027-02-01",
        }
    )
    assert received["amount"] == Decimal("400.05")
    assert isinstance(received["usd_amount"], Decimal)
    report = client.reports.sources_and_uses(year=2027)
    for fund in report["funds"]:
        assert all(isinstance(v, Decimal) for v in fund["sources"].values())
        assert isinstance(fund["closing_balance"], Decimal)
    assert all(isinstance(v, Decimal) for v in report["totals"].values())


def test_non_json_answers_come_back_as_bytes_with_their_media_type(client: Client) -> None:
    metrics = client.health.metrics()
    assert isinstance(metrics, RawAnswer) and metrics.media_type == "text/plain"
    csv = client.reports.sources_and_uses_csv(year=2027)
    assert csv.media_type == "text/csv" and csv.text.splitlines()
    assert client.ledger.chart()  # a JSON array


def test_the_async_client_offers_the_same_families(suite: Suite) -> None:
    tag = uuid.uuid4().hex[:8]

    async def scenario() -> tuple[list[int], list[int], int]:
        async with AsyncClient(suite.gateway_url, api_key=ADMIN_KEY) as sdgc:
            made = []
            for n in range(3):
                body = {"name": f"Async {tag} {n}", "type": "private_sector"}
                made.append((await sdgc.contributors.create(body))["id"])
            listed = [c["id"] async for c in sdgc.contributors.list(q=tag, limit=2)]
            with pytest.raises(ApiError) as missing:
                await sdgc.contributors.get(2_000_000_000)
            return made, listed, missing.value.status

    made, listed, status = asyncio.run(scenario())
    assert sorted(listed) == sorted(made) and len(made) == 3
    assert status == 404


def test_an_api_key_create_repeated_with_its_key_is_409_already_created(client: Client) -> None:
    key = f"test-{uuid.uuid4()}"
    issued = client.api_keys.create({"name": "ci", "scopes": ["reports:read"]}, idempotency_key=key)
    assert issued["api_key"]
    with pytest.raises(ApiError) as again:
        client.api_keys.create({"name": "ci", "scopes": ["reports:read"]}, idempotency_key=key)
    assert (again.value.status, again.value.rule) == (409, "already-created")
    assert again.value.headers["location"].endswith(issued["key_id"])
    assert client.api_keys.get(issued["key_id"])["name"] == "ci"
