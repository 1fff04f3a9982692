"""Clients for service apps in tests: signed like the gateway signs."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx
import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.auth import SCOPES, Identity, SignedIdentityAuth, sign_identity

TEST_SECRET = "test-identity-secret-0123456789abcdef0123456789"


def identity(
    scopes: Iterable[str] = SCOPES, *, key_id: str = "test-key", actor: str = "test-user"
) -> Identity:
    return Identity(key_id=key_id, actor=actor, scopes=frozenset(scopes))


def signed_client(
    app: FastAPI,
    scopes: Iterable[str] = SCOPES,
    *,
    key_id: str = "test-key",
    actor: str = "test-user",
    raise_server_exceptions: bool = True,
) -> TestClient:
    """A TestClient whose every request carries a valid signed identity."""
    client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    client.auth = SignedIdentityAuth(TEST_SECRET, identity(scopes, key_id=key_id, actor=actor))
    return client


def signed_http_client(base_url: str, scopes: Iterable[str] = SCOPES) -> httpx.Client:
    """A signed client of an app served on a socket (``serve_in_thread``). Seeding through the
    socket leaves the app one lifespan — uvicorn's, which lets in-flight requests hand their
    connections back before it disposes the pool; a TestClient's own lifespan on the same app
    would dispose it under them and leave a connection to be collected unclosed."""
    return httpx.Client(base_url=base_url, auth=SignedIdentityAuth(TEST_SECRET, identity(scopes)))


class SignedRequestsAuth(requests.auth.AuthBase):
    """The same signature for ``requests`` (what schemathesis sends with)."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        body = request.body or b""
        request.headers.update(
            sign_identity(
                TEST_SECRET,
                request.method or "GET",
                requests.utils.unquote(parts.path),
                self.identity,
                query=parts.query,
                body=body.encode() if isinstance(body, str) else body,
            )
        )
        return request
