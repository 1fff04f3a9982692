"""Contributors: the conventions every resource follows (problems, pages, ETags, audit)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.clients import signed_client

KAZAKHSTAN = {
    "iati_org_id": "XM-KZ-MFA",
    "name": "Kazakhstan",
    "type": "host_country",
    "country": "KZ",
}


def test_contributor_is_created_and_read_back_with_etag(client: TestClient) -> None:
    created = client.post("/api/v1/contributors", json=KAZAKHSTAN)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/api/v1/contributors/{body['id']}"
    read = client.get(created.headers["location"])
    assert read.status_code == 200
    assert read.json()["type"] == "host_country"
    assert read.headers["etag"] == created.headers["etag"]
    not_modified = client.get(
        created.headers["location"], headers={"If-None-Match": read.headers["etag"]}
    )
    assert not_modified.status_code == 304


def test_unknown_contributor_type_names_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/contributors", json={**KAZAKHSTAN, "type": "assessed"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["type"]
    assert problem["errors"][0]["pointer"] == "/type"
    assert client.get("/api/v1/contributors").json()["items"] == []


def test_unknown_country_code_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/contributors", json={**KAZAKHSTAN, "country": "QQ"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "country"


def test_duplicate_iati_identifier_is_a_conflict(client: TestClient) -> None:
    assert client.post("/api/v1/contributors", json=KAZAKHSTAN).status_code == 201
    again = client.post("/api/v1/contributors", json={**KAZAKHSTAN, "type": "member_state"})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "iati_org_id"


def test_same_idempotency_key_returns_first_answer_and_creates_once(client: TestClient) -> None:
    headers = {"Idempotency-Key": "create-kz-1"}
    first = client.post("/api/v1/contributors", json=KAZAKHSTAN, headers=headers)
    second = client.post("/api/v1/contributors", json=KAZAKHSTAN, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert len(client.get("/api/v1/contributors").json()["items"]) == 1


def test_idempotency_key_reused_with_other_body_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "k-2"}
    assert client.post("/api/v1/contributors", json=KAZAKHSTAN, headers=headers).status_code == 201
    other = client.post(
        "/api/v1/contributors", json={**KAZAKHSTAN, "name": "Other"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_update_needs_if_match_and_refuses_stale_versions(client: TestClient) -> None:
    created = client.post("/api/v1/contributors", json=KAZAKHSTAN)
    url, etag = created.headers["location"], created.headers["etag"]
    assert client.patch(url, json={"name": "Republic of Kazakhstan"}).status_code == 428
    updated = client.patch(url, json={"name": "Republic of Kazakhstan"}, headers={"If-Match": etag})
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] != etag
    stale = client.patch(url, json={"name": "Stale"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(url).json()["name"] == "Republic of Kazakhstan"


def test_list_pages_with_cursor_in_stable_order(client: TestClient) -> None:
    for i in range(5):
        body = {"name": f"Donor {i}", "type": "private_sector"}
        assert client.post("/api/v1/contributors", json=body).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/contributors", params=params).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Donor {i}" for i in range(5)]


def test_bad_cursor_is_a_problem_naming_the_cursor(client: TestClient) -> None:
    response = client.get("/api/v1/contributors", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_every_write_is_in_the_audit_trail(client: TestClient) -> None:
    created = client.post(
        "/api/v1/contributors", json=KAZAKHSTAN, headers={"X-Request-ID": "req-audit-1"}
    )
    client.patch(
        created.headers["location"],
        json={"name": "KZ"},
        headers={"If-Match": created.headers["etag"]},
    )
    events = client.get("/api/v1/audit-events", params={"entity": "contributors"}).json()["items"]
    assert [e["action"] for e in events] == ["update", "create"]
    assert events[1]["request_id"] == "req-audit-1"
    assert events[1]["entity_id"] == str(created.json()["id"])
    assert events[0]["entity_id"] == str(created.json()["id"])
    assert events[1]["actor"] == "test-user"
    assert events[0]["before"]["name"] == "Kazakhstan"
    assert events[0]["after"]["name"] == "KZ"


def test_audit_trail_is_for_admins_only(funding_app: FastAPI) -> None:
    with signed_client(funding_app, scopes=["funding:read"]) as reader:
        response = reader.get("/api/v1/audit-events")
    assert response.status_code == 403


def test_read_only_scope_cannot_write(funding_app: FastAPI) -> None:
    with signed_client(funding_app, scopes=["funding:read"]) as reader:
        response = reader.post("/api/v1/contributors", json=KAZAKHSTAN)
        assert response.status_code == 403
        assert reader.get("/api/v1/contributors").json()["items"] == []


def test_unsigned_request_is_refused(funding_app: FastAPI) -> None:
    with TestClient(funding_app) as anonymous:
        response = anonymous.get("/api/v1/contributors")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert anonymous.get("/health/live").status_code == 200


def test_wrong_content_type_is_415(client: TestClient) -> None:
    response = client.post(
        "/api/v1/contributors",
        content=b"name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


def test_oversized_body_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/contributors",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["max_bytes"] == 1_048_576
