"""Who may contribute as what (issue 12, point 8): a member state is one of the 193 UN
members, the host country is the seat's country (from the Centre's profile) and there is one,
and the seat's state cannot be registered, or turned, into anything else."""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

from fastapi.testclient import TestClient

from services.funding.contributors import un_member_states
from services.funding.main import create_app
from services.funding.settings import Settings
from tests.funding.conftest import ManualClock
from tests.funding.test_dates import _refused
from tests.support.clients import signed_client, signed_http_client

KAZAKHSTAN = {"name": "Kazakhstan", "type": "host_country", "country": "KZ"}


def _count(client: TestClient) -> int:
    return len(client.get("/api/v1/contributors", params={"limit": 200}).json()["items"])


def test_the_data_file_lists_the_193_un_member_states() -> None:
    members = un_member_states()
    assert len(members) == 193
    assert not members & {"XK", "PS", "VA", "TW", "EH", "HK", "PR"}
    assert {"KZ", "KG", "TJ", "TM", "UZ", "AF", "SS", "NO"} <= members
    text = resources.files("services.funding").joinpath("data", "un_member_states.csv")
    header = text.read_text("utf-8").splitlines()[:6]
    assert any("United Nations" in line for line in header)
    rows = list(
        csv.reader(line for line in text.read_text("utf-8").splitlines() if line[:1] != "#")
    )
    assert rows[0] == ["alpha2", "name"] and len(rows) == 194


def test_a_member_state_must_be_a_un_member(client: TestClient) -> None:
    for country in ("XK", "PS", "VA", "TW", "EH", None):
        body: dict[str, Any] = {"name": "A state", "type": "member_state", "country": country}
        _refused(
            client.post("/api/v1/contributors", json=body), 422, "not-a-un-member-state", "country"
        )
    assert _count(client) == 0
    made = client.post(
        "/api/v1/contributors", json={"name": "Norway", "type": "member_state", "country": "NO"}
    )
    assert made.status_code == 201, made.text


def test_the_host_country_is_the_seat_and_there_is_one(client: TestClient) -> None:
    _refused(
        client.post("/api/v1/contributors", json={**KAZAKHSTAN, "country": "UZ"}),
        422,
        "host-country-is-the-seat",
        "country",
    )
    assert client.post("/api/v1/contributors", json=KAZAKHSTAN).status_code == 201
    again = client.post("/api/v1/contributors", json={**KAZAKHSTAN, "name": "Kazakhstan MFA"})
    assert again.status_code == 409 and again.json()["type"].endswith("single-host-country")
    assert _count(client) == 1


def test_the_seats_state_cannot_contribute_under_another_type(client: TestClient) -> None:
    """Registering Kazakhstan as a member state, or turning the host country into one, would
    move its money out of host country support: refused, nothing changed."""
    body = {**KAZAKHSTAN, "type": "member_state"}
    _refused(
        client.post("/api/v1/contributors", json=body),
        422,
        "seat-country-is-the-host-country",
        "type",
    )
    host = client.post("/api/v1/contributors", json=KAZAKHSTAN)
    url, etag = host.headers["location"], host.headers["etag"]
    turned = client.patch(url, json={"type": "member_state"}, headers={"If-Match": etag})
    _refused(turned, 409, "host-country-is-fixed", "type")
    moved = client.patch(url, json={"type": "other"}, headers={"If-Match": etag})
    _refused(moved, 409, "host-country-is-fixed", "type")
    renamed = client.patch(url, json={"name": "Republic of Kazakhstan"}, headers={"If-Match": etag})
    assert renamed.status_code == 200, renamed.text
    norway = client.post(
        "/api/v1/contributors", json={"name": "Norway", "type": "member_state", "country": "NO"}
    )
    to_seat = client.patch(
        norway.headers["location"],
        json={"country": "KZ"},
        headers={"If-Match": norway.headers["etag"]},
    )
    _refused(to_seat, 422, "seat-country-is-the-host-country", "type")
    assert client.get(url).json()["type"] == "host_country"
    assert client.get(norway.headers["location"]).json()["country"] == "NO"


def test_the_seat_is_read_from_the_centres_profile(
    rclient: TestClient, registry: tuple[str, list[int]]
) -> None:
    """Move the Centre's seat to Tashkent in the registry: Uzbekistan is then the host country
    and Kazakhstan a member state."""
    with signed_http_client(registry[0], scopes=["projects:read", "admin"]) as projects:
        current = projects.get("/api/v1/centre")
        assert current.status_code == 200, current.text
        body = {
            k: v
            for k, v in current.json().items()
            if k
            in (
                "name",
                "seat_city",
                "iati_org_id",
                "head_name",
                "head_appointed_on",
                "head_appointed_by",
            )
        }
        moved = projects.put(
            "/api/v1/centre",
            json={**body, "seat_city": "Tashkent", "seat_country": "UZ"},
            headers={"If-Match": current.headers["etag"]},
        )
        assert moved.status_code == 200, moved.text
    _refused(
        rclient.post("/api/v1/contributors", json=KAZAKHSTAN),
        422,
        "host-country-is-the-seat",
        "country",
    )
    uzbekistan = {"name": "Uzbekistan", "type": "host_country", "country": "UZ"}
    assert rclient.post("/api/v1/contributors", json=uzbekistan).status_code == 201
    as_member = {**KAZAKHSTAN, "type": "member_state"}
    assert rclient.post("/api/v1/contributors", json=as_member).status_code == 201


def test_without_the_registry_the_seat_is_the_setting(
    funding_settings: Settings, clock: ManualClock
) -> None:
    settings = funding_settings.model_copy(update={"seat_country": "UZ"})
    with signed_client(create_app(settings, clock=clock)) as client:
        _refused(
            client.post("/api/v1/contributors", json=KAZAKHSTAN),
            422,
            "host-country-is-the-seat",
            "country",
        )
        uzbekistan = {"name": "Uzbekistan", "type": "host_country", "country": "UZ"}
        assert client.post("/api/v1/contributors", json=uzbekistan).status_code == 201
