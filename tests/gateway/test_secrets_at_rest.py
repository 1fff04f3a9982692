"""No secret at rest: an issued API key's token exists in no table of any app, and a retry of
its creation never shows it again."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, create_engine, select, text

from shared import migrations
from shared.state import core_of


def _cells(engine: Engine) -> list[str]:
    metadata = MetaData()
    metadata.reflect(engine)
    found: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                found.extend(str(value) for value in row)
    return found


def test_no_issued_token_is_stored_anywhere_after_a_full_scenario(
    make_gateway: Callable[..., FastAPI],
    service_apps: dict[str, FastAPI],
    admin_headers: dict[str, str],
) -> None:
    tokens = []
    with TestClient(make_gateway()) as gateway:
        for n, scopes in enumerate((["admin"], ["funding:write", "projects:write"])):
            headers = {**admin_headers, "Idempotency-Key": f"key-{n}"}
            body = {"name": f"script {n}", "scopes": scopes}
            issued = gateway.post("/api/v1/api-keys", json=body, headers=headers)
            assert issued.status_code == 201
            tokens.append(issued.json()["api_key"])
            retry = gateway.post("/api/v1/api-keys", json=body, headers=headers)
            assert retry.status_code == 409
            assert retry.headers["content-type"] == "application/problem+json"
            assert retry.json()["type"].endswith("already-created")
            assert retry.headers["location"] == f"/api/v1/api-keys/{issued.json()['key_id']}"
            assert tokens[-1] not in retry.text
        # the keys at work: records in every service, each audited under the key
        own = {"Authorization": f"Bearer {tokens[0]}", "Idempotency-Key": "org-1"}
        assert (
            gateway.post(
                "/api/v1/organisations", json={"name": "UNDP", "type": "40"}, headers=own
            ).status_code
            == 201
        )
        own = {"Authorization": f"Bearer {tokens[1]}", "Idempotency-Key": "c-1"}
        contributor = {"name": "Kazakhstan", "type": "host_country", "country": "KZ"}
        created = gateway.post("/api/v1/contributors", json=contributor, headers=own)
        assert created.status_code == 201
        assert gateway.get("/api/v1/dashboard", headers=admin_headers).status_code == 200
        engines = [core_of(gateway.app).database.engine]  # type: ignore[attr-defined]
        engines += [core_of(app).database.engine for app in service_apps.values()]
        secrets = [token.split("_", 2)[2] for token in tokens]
        for engine in engines:
            for cell in _cells(engine):
                for token, secret in zip(tokens, secrets, strict=True):
                    assert token not in cell and secret not in cell, (engine.url, cell)


def test_the_migration_redacts_secrets_stored_before(
    fresh_database: Callable[..., str],
) -> None:
    url = fresh_database("gateway", pooled=False)
    migrations.downgrade("gateway", url, "4888a5c12959")
    answer = {"key_id": "abc", "api_key": "sdgc_abc_SECRETSECRET", "name": "x"}
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO idempotency_keys (key_id, idempotency_key, method, path, "
                    "request_hash, status_code, response_body, response_headers, created_at) "
                    "VALUES ('admin', 'k1', 'POST', '/api/v1/api-keys', 'h', 201, :body, "
                    ":headers, CURRENT_TIMESTAMP)"
                ),
                {
                    "body": json.dumps(answer),
                    "headers": json.dumps({"Location": "/api/v1/api-keys/abc"}),
                },
            )
        migrations.upgrade("gateway", url)
        with engine.connect() as conn:
            status, body = conn.execute(
                text("SELECT status_code, response_body FROM idempotency_keys")
            ).one()
        assert status == 409
        assert "SECRETSECRET" not in body
        assert json.loads(body)["instance"] == "/api/v1/api-keys/abc"
    finally:
        engine.dispose()
