"""The gateway: API keys, scopes, the signed identity, routing and backend failures."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.routes import ROUTES, RoutingTable

CONTRIBUTOR = {"name": "Kazakhstan", "type": "host_country", "country": "KZ"}


def _issue_key(gateway: TestClient, admin: dict[str, str], *scopes: str) -> dict[str, str]:
    response = gateway.post(
        "/api/v1/api-keys", json={"name": "script", "scopes": list(scopes)}, headers=admin
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['api_key']}"}


def test_request_without_key_is_401_problem(gateway: TestClient) -> None:
    response = gateway.get("/api/v1/contributors")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_key_is_401(gateway: TestClient) -> None:
    response = gateway.get("/api/v1/contributors", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_read_only_key_reads_but_cannot_write(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    reader = _issue_key(gateway, admin_headers, "funding:read")
    assert gateway.get("/api/v1/contributors", headers=reader).status_code == 200
    refused = gateway.post("/api/v1/contributors", json=CONTRIBUTOR, headers=reader)
    assert refused.status_code == 403
    assert refused.json()["required_scopes"] == ["funding:write"]
    listing = gateway.get("/api/v1/contributors", headers=admin_headers).json()
    assert listing["items"] == []


def test_forged_identity_headers_are_dropped(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    reader = _issue_key(gateway, admin_headers, "funding:read")
    forged = {
        **reader,
        "X-SDGC-Scopes": "admin",
        "X-SDGC-Key-Id": "x",
        "X-SDGC-Actor": "x",
        "X-SDGC-Timestamp": "1",
        "X-SDGC-Signature": "00",
    }
    response = gateway.post("/api/v1/contributors", json=CONTRIBUTOR, headers=forged)
    assert response.status_code == 403


def test_api_key_secret_is_shown_once_and_stored_hashed(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    created = gateway.post(
        "/api/v1/api-keys", json={"name": "dash", "scopes": ["reports:read"]}, headers=admin_headers
    ).json()
    assert created["api_key"].startswith("sdgc_")
    listed = gateway.get("/api/v1/api-keys", headers=admin_headers).json()["items"]
    assert all("api_key" not in item for item in listed)
    read = gateway.get(f"/api/v1/api-keys/{created['key_id']}", headers=admin_headers).json()
    assert "api_key" not in read and read["scopes"] == ["reports:read"]


def test_revoked_key_stops_working(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    created = gateway.post(
        "/api/v1/api-keys", json={"name": "tmp", "scopes": ["funding:read"]}, headers=admin_headers
    ).json()
    key = {"Authorization": f"Bearer {created['api_key']}"}
    assert gateway.get("/api/v1/contributors", headers=key).status_code == 200
    revoked = gateway.delete(f"/api/v1/api-keys/{created['key_id']}", headers=admin_headers)
    assert revoked.status_code == 204
    assert gateway.get("/api/v1/contributors", headers=key).status_code == 401
    again = gateway.delete(f"/api/v1/api-keys/{created['key_id']}", headers=admin_headers)
    assert again.status_code == 409


def test_non_admin_cannot_manage_keys(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    writer = _issue_key(gateway, admin_headers, "funding:write", "funding:read")
    response = gateway.post(
        "/api/v1/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=writer
    )
    assert response.status_code == 403


def test_unknown_scope_in_new_key_is_422(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    response = gateway.post(
        "/api/v1/api-keys", json={"name": "x", "scopes": ["root"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scopes.0"


def test_proxy_carries_body_location_etag_and_conditional_headers(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    created = gateway.post("/api/v1/contributors", json=CONTRIBUTOR, headers=admin_headers)
    assert created.status_code == 201
    location, etag = created.headers["location"], created.headers["etag"]
    assert location.startswith("/api/v1/contributors/")
    cached = gateway.get(location, headers={**admin_headers, "If-None-Match": etag})
    assert cached.status_code == 304
    updated = gateway.patch(
        location,
        json={"name": "Republic of Kazakhstan"},
        headers={**admin_headers, "If-Match": etag},
    )
    assert updated.status_code == 200
    stale = gateway.patch(location, json={"name": "x"}, headers={**admin_headers, "If-Match": etag})
    assert stale.status_code == 412


def test_idempotent_post_through_gateway_creates_one_record(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "gw-1"}
    first = gateway.post("/api/v1/contributors", json=CONTRIBUTOR, headers=headers)
    second = gateway.post("/api/v1/contributors", json=CONTRIBUTOR, headers=headers)
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    assert second.headers["idempotent-replayed"] == "true"
    assert len(gateway.get("/api/v1/contributors", headers=admin_headers).json()["items"]) == 1


def test_query_string_is_forwarded(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    gateway.post("/api/v1/contributors", json=CONTRIBUTOR, headers=admin_headers)
    gateway.post(
        "/api/v1/contributors",
        json={"name": "Acme", "type": "private_sector"},
        headers=admin_headers,
    )
    page = gateway.get(
        "/api/v1/contributors", params={"type": "private_sector"}, headers=admin_headers
    ).json()
    assert [c["name"] for c in page["items"]] == ["Acme"]


def test_bad_json_field_is_named(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    response = gateway.post(
        "/api/v1/contributors", json={"name": "X", "type": "assessed"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "type"


def test_two_mebibyte_body_is_413_at_the_gateway(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    response = gateway.post(
        "/api/v1/contributors",
        content=b"x" * (2 * 1024 * 1024),
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_unrouted_path_is_404_problem(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    response = gateway.get("/api/v1/nothing-here", headers=admin_headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_request_id_is_echoed_and_reaches_the_service_audit_trail(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    created = gateway.post(
        "/api/v1/contributors",
        json=CONTRIBUTOR,
        headers={**admin_headers, "X-Request-ID": "trace-42"},
    )
    assert created.headers["x-request-id"] == "trace-42"
    events = gateway.get(
        "/api/v1/audit/funding", params={"request_id": "trace-42"}, headers=admin_headers
    ).json()["items"]
    assert [e["action"] for e in events] == ["create"]
    assert events[0]["actor"] == "bootstrap-admin"


def test_key_administration_is_audited(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    _issue_key(gateway, admin_headers, "projects:read")
    events = gateway.get(
        "/api/v1/audit/gateway", params={"entity": "api_keys"}, headers=admin_headers
    ).json()["items"]
    assert any(e["action"] == "create" and e["after"]["name"] == "script" for e in events)
    assert all(
        "secret_hash" not in (e["after"] or {}) or e["after"]["secret_hash"] != "" for e in events
    )


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_backend_down_is_503_naming_the_service(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str], transport: str
) -> None:
    """A refused connection is 'unavailable' (503), not a timeout, with either transport."""
    app = make_gateway(funding_url="http://127.0.0.1:9", backend_transport=transport)
    with TestClient(app) as client:
        response = client.get("/api/v1/contributors", headers=admin_headers)
        ready = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["service"] == "funding"
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["funding"] == "unavailable"


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_backend_that_hangs_up_is_503_not_a_timeout(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str], transport: str
) -> None:
    """A backend that accepts the connection and closes it without answering is down (503)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        app = make_gateway(funding_url=f"http://127.0.0.1:{port}", backend_transport=transport)
        with TestClient(app) as client:
            response = client.get("/api/v1/contributors", headers=admin_headers)
    finally:
        listener.close()
    assert response.status_code == 503, response.text
    assert response.json()["service"] == "funding"
    assert response.json()["type"].endswith("backend-unavailable")


def test_encoded_dot_segments_are_refused_before_routing(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    """``/projects/%2E%2E/contributors`` would be routed to the registry, then resolved into
    another resource on the way: refused as a 400 problem instead."""
    for path in ("/api/v1/projects/%2E%2E/contributors", "/api/v1/projects/%2e/1"):
        response = gateway.get(path, headers=admin_headers)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("dot-segment")
    assert gateway.get("/api/v1/projects/..x", headers=admin_headers).status_code != 400


def test_readiness_lists_database_backends_and_circuits(gateway: TestClient) -> None:
    response = gateway.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "projects": "ok",
        "funding": "ok",
        "evaluation": "ok",
        "projects_circuit": "closed",
        "funding_circuit": "closed",
        "evaluation_circuit": "closed",
    }


def test_metrics_are_prometheus_text(gateway: TestClient, admin_headers: dict[str, str]) -> None:
    gateway.get("/api/v1/contributors", headers=admin_headers)
    metrics = gateway.get("/metrics")
    assert metrics.status_code == 200
    assert "http_requests_total" in metrics.text


def test_routing_prefers_the_longest_prefix_and_rewrites_audit_paths() -> None:
    table = RoutingTable()
    route = table.match("/api/v1/audit/funding")
    assert route is not None and route.service == "funding"
    assert route.upstream_path("/api/v1/audit/funding") == "/api/v1/audit-events"
    assert table.match("/api/v1/projectsx") is None
    assert table.match("/api/v1/projects/7").service == "projects"  # type: ignore[union-attr]
    assert {r.service for r in ROUTES} == {"projects", "funding", "evaluation"}


def test_an_audit_path_with_an_encoded_prefix_reaches_the_same_trail(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    plain = gateway.get("/api/v1/audit/projects", headers=admin_headers)
    encoded = gateway.get("/api/v1/audit/%70rojects", headers=admin_headers)
    assert plain.status_code == encoded.status_code == 200, encoded.text
    assert encoded.json() == plain.json()


def test_services_refuse_direct_calls(service_apps: dict[str, FastAPI]) -> None:
    for app in service_apps.values():
        with TestClient(app) as direct:
            assert direct.get("/api/v1/audit-events").status_code == 401


def test_one_openapi_document_has_every_public_operation(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    document = gateway.get("/openapi.json").json()
    paths = document["paths"]
    assert "x-missing-services" not in document["info"]
    assert "/api/v1/api-keys" in paths
    assert paths["/api/v1/contributors"]["post"]["tags"] == ["contributors"]
    assert "get" in paths["/api/v1/audit/funding"]
    assert "/api/v1/audit-events" not in paths
    assert "/health/ready" in paths  # the gateway's own probes, not the services'
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    refs = {v for v in _walk_refs(document)}
    assert all(r.rsplit("/", 1)[-1] in document["components"]["schemas"] for r in refs)
    assert gateway.get("/docs").status_code == 200


def _walk_refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _walk_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _walk_refs(v)]
    return []


def test_openapi_document_names_a_missing_service(
    make_gateway: Callable[..., FastAPI],
) -> None:
    with TestClient(make_gateway(evaluation_url="http://127.0.0.1:9", retry_attempts=0)) as c:
        document = c.get("/openapi.json").json()
    assert document["info"]["x-missing-services"] == ["evaluation"]
    assert "/api/v1/contributors" in document["paths"]


def test_a_wrong_method_through_the_gateway_says_which_are_allowed(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    answer = gateway.put("/api/v1/contributors", headers=admin_headers)
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
    # the service's own Allow (Starlette names the methods of the first route on the path)
    assert "POST" in answer.headers["allow"]


def test_head_answers_every_get_route_without_a_body(
    gateway: TestClient, admin_headers: dict[str, str]
) -> None:
    for path in ("/api/v1/contributors", "/api/v1/projects", "/api/v1/dashboard", "/health/live"):
        get = gateway.get(path, headers=admin_headers)
        head = gateway.head(path, headers=admin_headers)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert head.headers["content-type"] == get.headers["content-type"], path
