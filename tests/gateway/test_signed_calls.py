"""Every attempt of a gateway call is signed anew: a retried keyed POST is not a replay."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.main import create_app
from gateway.settings import Settings


class FirstPostAnswers503:
    """The projects app, whose first POST is run but answered 503 (a lost answer, say)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.posts = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        self.posts += 1
        if self.posts > 1:
            await self.app(scope, receive, send)
            return

        async def swallow(message: Any) -> None:
            if message["type"] == "http.response.start":
                body = json.dumps({"title": "Service Unavailable", "status": 503}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [(b"content-type", b"application/problem+json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, swallow)


def test_a_retried_keyed_post_is_signed_again_and_accepted(
    gateway_settings: Settings, service_apps: dict[str, FastAPI], admin_headers: dict[str, str]
) -> None:
    flaky = FirstPostAnswers503(service_apps["projects"])
    transports = {name: httpx.ASGITransport(app=app) for name, app in service_apps.items()}
    transports["projects"] = httpx.ASGITransport(app=flaky)
    with TestClient(create_app(gateway_settings, transports=transports)) as gateway:
        answer = gateway.post(
            "/api/v1/organisations",
            json={"name": "UNDP", "type": "40"},
            headers={**admin_headers, "Idempotency-Key": "undp-1"},
        )
        assert answer.status_code == 201, answer.text
        assert flaky.posts == 2
        listed = gateway.get("/api/v1/organisations", headers=admin_headers).json()["items"]
        assert [o["name"] for o in listed] == ["UNDP"]
