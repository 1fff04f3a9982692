"""The suite's boundaries tried as an attacker would, through the gateway and directly."""

from __future__ import annotations

import base64
import json
import re
import time

import httpx
import pytest

from tests.support.suite import Suite

pytestmark = pytest.mark.e2e


def _crafted(tagged: list[list[object]]) -> str:
    return base64.urlsafe_b64encode(json.dumps(tagged).encode()).decode().rstrip("=")


def test_a_crafted_cursor_is_a_problem_on_every_list_and_keeps_the_connection(
    admin: httpx.Client,
) -> None:
    document = admin.get("/openapi.json").json()
    lists = [
        path
        for path, operations in document["paths"].items()
        if any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    ]
    assert len(lists) >= 10
    crafted = [_crafted([["s", "abc"]]), _crafted([["i", "abc"], ["i", 1]]), "@@@"]
    for path in lists:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for cursor in crafted:
            answer = admin.get(url, params={"cursor": cursor})
            assert answer.status_code in (400, 404, 422), (path, cursor, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers.get("connection") != "close"


def test_an_open_circuit_recovers_when_the_restarted_backend_is_ready(
    suite: Suite, admin: httpx.Client
) -> None:
    """With a cool-down far longer than the test, only the readiness probe can close the
    circuit: the gateway serves the backend again soon after it is back, not 10 s later."""
    gateway = suite.start(
        "gateway",
        instance="gateway-probing",
        GATEWAY_BREAKER_RESET_SECONDS="3600",
        GATEWAY_BREAKER_FAILURE_THRESHOLD="2",
        GATEWAY_RETRY_ATTEMPTS="0",
    )
    client = httpx.Client(base_url=gateway, headers=admin.headers, timeout=20)
    try:
        assert client.get("/api/v1/evaluation-cycles").status_code == 200
        suite.kill("evaluation")
        answers = [client.get("/api/v1/evaluation-cycles") for _ in range(3)]
        assert [a.status_code for a in answers] == [503, 503, 503]
        assert answers[-1].json()["type"].endswith("circuit-open")
        suite.start("evaluation")  # returns once it answers /health/live
        back = time.monotonic()
        for _ in range(400):  # bounded: the probe runs every 0.25 s (jittered)
            answer = client.get("/api/v1/evaluation-cycles")
            if answer.status_code == 200:
                break
            assert answer.json()["type"].endswith("circuit-open")
            time.sleep(0.05)
        assert answer.status_code == 200
        print(f"recovered {time.monotonic() - back:.2f} s after the backend was live again")
    finally:
        client.close()
        suite.kill("gateway-probing")


def test_head_through_real_servers_answers_like_get_without_a_body(admin: httpx.Client) -> None:
    get = admin.get("/api/v1/projects")
    head = admin.head("/api/v1/projects")
    assert (head.status_code, head.content) == (get.status_code, b"")
    assert head.headers["content-length"] == get.headers["content-length"]
    assert admin.get("/api/v1/projects").status_code == 200  # the connection is still good
