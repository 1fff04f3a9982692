"""The suite's boundaries tried as an attacker would, through the gateway and directly."""

from __future__ import annotations

import base64
import json
import re

import httpx
import pytest

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
