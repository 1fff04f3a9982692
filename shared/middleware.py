"""ASGI middleware every app stacks: request ids and access logs, body limits, metrics, and
(for the services) the signed-identity check.

Pure ASGI rather than ``BaseHTTPMiddleware`` so bodies stream and context variables propagate.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers

from shared.auth import (
    NONCE_HEADER,
    STATE_CHANGING_METHODS,
    TIMESTAMP_HEADER,
    Identity,
    verify_identity,
)
from shared.context import REQUEST_ID_HEADER, reset_request_id, set_request_id
from shared.nonces import NonceStore
from shared.problems import FieldError, Problem, ProblemError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode()
access_logger = logging.getLogger("sdgc.access")

# Paths any caller may reach without the gateway's signature (probes and scrapes).
PUBLIC_PATH_PREFIXES: tuple[str, ...] = ("/health/", "/metrics")


async def send_problem(send: Send, problem: Problem, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(problem.model_dump(mode="json", exclude_none=True)).encode()
    raw_headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Accepts or creates ``X-Request-ID``, echoes it and writes one JSON access-log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = given if given and _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = set_request_id(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != _REQUEST_ID
                ]
                headers.append((_REQUEST_ID, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )
            reset_request_id(token)


class HeadMiddleware:
    """HEAD answers every GET route (RFC 9110 §9.3.2): run as GET, sent without its body
    (FastAPI's routes take only the methods they name)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def without_body(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.body":
                if ended:
                    return
                ended = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class BodyLimitMiddleware:
    """Answers 413 for bodies over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> Problem:
        return ProblemError(
            413,
            f"request body exceeds {self.max_bytes} bytes",
            type_="body-too-large",
            max_bytes=self.max_bytes,
        ).to_problem()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_problem(send, self._too_large())
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await send_problem(send, self._too_large())


class _BodyTooLarge(Exception):
    pass


class MetricsMiddleware:
    """Prometheus request counts and latencies per route template, in the app's own registry."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry, app_name: str) -> None:
        self.app = app
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["app", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["app", "method", "route"],
            registry=registry,
        )
        self.app_name = app_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.requests.labels(
                self.app_name, scope["method"], template, str(status["code"])
            ).inc()
            self.latency.labels(self.app_name, scope["method"], template).observe(
                time.perf_counter() - started
            )


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole request body, and whether the client went away before sending it all."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then what comes next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _paths_with_nul(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the strings in a JSON value that hold a NUL character."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    return [
        found
        for key, item in items
        for found in _paths_with_nul(item, f"{path}.{key}" if path else str(key))
    ]


def nul_problem(body: bytes, query: bytes) -> ProblemError | None:
    """A 422 naming every body field and query parameter whose text holds a NUL character
    (no database stores one in text), or None. Cheap when there is none: a substring test."""
    errors: list[FieldError] = []
    if b"%00" in query.lower():
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name + value:
                errors.append(_nul_error(name, "query"))
    if b"\\u0000" in body:
        try:
            document = json.loads(body)
        except ValueError:
            document = None  # not JSON: the route's own parsing answers
        errors += [_nul_error(path, "body") for path in _paths_with_nul(document)]
    if not errors:
        return None
    return ProblemError(
        422, "text may not contain NUL characters", type_="validation-error", errors=errors
    )


def _nul_error(field: str, location: str) -> FieldError:
    return FieldError(
        field=field, location=location, rule="no-nul", message="contains a NUL character"
    )


class RequestLimitsMiddleware:
    """Answers an over-long query (414) or header (431) as a problem, below the HTTP server's
    own limits, whose refusals are plain text."""

    def __init__(
        self, app: ASGIApp, max_query_bytes: int = 8192, max_header_bytes: int = 8192
    ) -> None:
        self.app = app
        self.max_query_bytes = max_query_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope)
            if problem is not None:
                await send_problem(send, problem.to_problem(scope["path"]))
                return
        await self.app(scope, receive, send)

    def _problem(self, scope: Scope) -> ProblemError | None:
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            return ProblemError(
                414,
                f"the query string is longer than {self.max_query_bytes} bytes",
                type_="query-too-long",
                max_bytes=self.max_query_bytes,
            )
        for name, value in scope.get("headers", []):
            if len(name) + len(value) > self.max_header_bytes:
                return ProblemError(
                    431,
                    f"the header {name.decode('latin-1')} is longer than "
                    f"{self.max_header_bytes} bytes",
                    type_="header-too-large",
                    header=name.decode("latin-1"),
                    max_bytes=self.max_header_bytes,
                )
        return None


class SignedIdentityMiddleware:
    """Services only: refuse (401) any request without the gateway's valid signature over this
    very request (method, path, query, body), and a state-changing one whose nonce was seen."""

    def __init__(
        self,
        app: ASGIApp,
        secret: str,
        max_age_seconds: int,
        nonces: NonceStore,
        previous_secret: str | None = None,
    ) -> None:
        self.app = app
        # During a rotation the services accept the previous secret too, so gateways still on
        # it keep working until they restart with the new one.
        self.secrets = (secret, previous_secret) if previous_secret else (secret,)
        self.max_age_seconds = max_age_seconds
        self.nonces = nonces

    def _verify(self, scope: Scope, headers: Headers, body: bytes) -> Identity:
        refusal: ProblemError | None = None
        for secret in self.secrets:
            try:
                return verify_identity(
                    secret,
                    scope["method"],
                    scope["path"],
                    headers,
                    max_age_seconds=self.max_age_seconds,
                    query=scope.get("query_string", b""),
                    body=body,
                )
            except ProblemError as exc:
                refusal = refusal or exc
        assert refusal is not None
        raise refusal

    async def _check_nonce(self, scope: Scope, headers: Headers) -> None:
        if scope["method"] not in STATE_CHANGING_METHODS:
            return
        timestamp = int(headers.get(TIMESTAMP_HEADER, "0"))
        expires_at = timestamp + self.max_age_seconds + 1
        if not await self.nonces.first_use(headers.get(NONCE_HEADER, ""), expires_at=expires_at):
            raise ProblemError(
                401, "this signed request was already received once", type_="replayed-request"
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PATH_PREFIXES):
            await self.app(scope, receive, send)
            return
        body, gone = await _read_body(receive)
        if gone:
            return
        headers = Headers(scope=scope)
        try:
            identity = self._verify(scope, headers, body)
            await self._check_nonce(scope, headers)
            refused = nul_problem(body, scope.get("query_string", b""))
            if refused is not None:
                raise refused
        except ProblemError as refusal:
            await send_problem(send, refusal.to_problem(scope["path"]), refusal.headers)
            return
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, _replaying(body, receive), send)
