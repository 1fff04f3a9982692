"""The four apps as real processes, driven through the gateway as a client would."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.suite import Suite

pytestmark = pytest.mark.e2e

CONTRIBUTOR = {"name": "Kazakhstan", "type": "host_country", "country": "KZ"}


def _key(admin: httpx.Client, *scopes: str) -> dict[str, str]:
    issued = admin.post("/api/v1/api-keys", json={"name": "e2e", "scopes": list(scopes)})
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['api_key']}"}


def test_all_four_apps_are_ready(suite: Suite) -> None:
    for app in ("projects", "funding", "evaluation", "gateway"):
        response = httpx.get(f"{suite.url(app)}/health/ready", timeout=5)
        assert response.status_code == 200, (app, response.text)
        assert response.json()["status"] == "ok"


def test_no_key_is_401_problem(suite: Suite) -> None:
    response = httpx.get(f"{suite.gateway_url}/api/v1/contributors")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_read_only_key_posting_is_403(suite: Suite, admin: httpx.Client) -> None:
    reader = _key(admin, "funding:read")
    response = httpx.post(
        f"{suite.gateway_url}/api/v1/contributors", json=CONTRIBUTOR, headers=reader
    )
    assert response.status_code == 403


def test_direct_call_to_a_service_without_signature_is_401(suite: Suite) -> None:
    for service in ("projects", "funding", "evaluation"):
        response = httpx.get(f"{suite.url(service)}/api/v1/audit-events")
        assert response.status_code == 401, service
        assert response.headers["content-type"] == "application/problem+json"


def test_bad_json_body_is_422_naming_the_field(admin: httpx.Client) -> None:
    response = admin.post("/api/v1/contributors", json={"type": "member_state"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


def test_two_mebibyte_body_is_413(admin: httpx.Client) -> None:
    response = admin.post(
        "/api/v1/contributors",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_same_post_twice_with_one_key_gives_one_record(admin: httpx.Client) -> None:
    body = {"name": f"Foundation {uuid.uuid4().hex[:6]}", "type": "foundation"}
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    first = admin.post("/api/v1/contributors", json=body, headers=headers)
    second = admin.post("/api/v1/contributors", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    names = [
        c["name"] for c in admin.get("/api/v1/contributors", params={"limit": 200}).json()["items"]
    ]
    assert names.count(body["name"]) == 1


def test_request_id_travels_from_gateway_to_service_audit(admin: httpx.Client) -> None:
    request_id = f"e2e-{uuid.uuid4().hex[:8]}"
    created = admin.post(
        "/api/v1/contributors",
        json={"name": "Trace Ltd", "type": "private_sector"},
        headers={"X-Request-ID": request_id},
    )
    assert created.headers["x-request-id"] == request_id
    events = admin.get("/api/v1/audit/funding", params={"request_id": request_id}).json()
    assert [e["action"] for e in events["items"]] == ["create"]


def test_killed_backend_is_503_naming_it_and_recovers(suite: Suite, admin: httpx.Client) -> None:
    suite.kill("evaluation")
    try:
        response = admin.get("/api/v1/evaluation-cycles")
        assert response.status_code == 503
        assert response.json()["service"] == "evaluation"
        ready = admin.get("/health/ready").json()
        assert ready["status"] == "degraded" and ready["checks"]["evaluation"] == "unavailable"
        assert admin.get("/api/v1/contributors").status_code == 200
    finally:
        suite.start("evaluation")
    assert admin.get("/health/ready").json()["status"] == "ok"
