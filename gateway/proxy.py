"""Forwarding a public request to the service that owns its resource.

Method, path, query and body go through unchanged; only the headers that matter cross
(content negotiation, idempotency, conditional requests, the request id) and the caller's
identity is replaced by the gateway's signed one, so a client can never forge it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx
from fastapi import Request, Response

from gateway.deps import gateway_of
from gateway.fanout import request_deadline
from gateway.routes import Route
from gateway.security import authenticate
from shared.auth import ensure_scope
from shared.problems import ProblemError, field_problem

FORWARDED_REQUEST_HEADERS = (
    "accept",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
)
FORWARDED_RESPONSE_HEADERS = (
    "content-type",
    "etag",
    "location",
    "idempotent-replayed",
    "retry-after",
    "content-disposition",
    "www-authenticate",
    "allow",  # a 405 says which methods the resource takes (RFC 9110 §15.5.6)
)


def forwarded_headers(request: Request) -> dict[str, str]:
    """The request headers that cross to the service, several lines of one joined with commas
    (RFC 9110 §5.3); 400 naming the header when a value is not visible ASCII, which the
    services' HTTP stacks and the gateway's client cannot be trusted to carry alike."""
    headers = {}
    for name in FORWARDED_REQUEST_HEADERS:
        values = request.headers.getlist(name)
        if not values:
            continue
        value = ", ".join(values)
        if not _VISIBLE_ASCII.fullmatch(value):
            raise field_problem(
                400,
                name,
                "a header value must be visible ASCII characters, spaces and tabs",
                rule="header-not-ascii",
                location="header",
            )
        headers[name] = value
    return headers


_VISIBLE_ASCII = re.compile(r"[\x20-\x7e\t]*")


def _raw_upstream_path(route: Route, raw_path: str) -> str:
    """``route.upstream_path`` of the path as the client encoded it: the public prefix is cut
    segment by segment (a client may percent-encode it too), the rest goes through as sent."""
    if route.upstream_prefix is None:
        return raw_path
    prefix = route.prefix.split("/")
    segments = raw_path.split("/")
    if [unquote(segment) for segment in segments[: len(prefix)]] != prefix:
        raise ProblemError(400, "the request path cannot be forwarded", type_="invalid-path")
    return route.upstream_prefix + "".join(f"/{segment}" for segment in segments[len(prefix) :])


async def forward(request: Request, path: str) -> Response:
    if any(segment in (".", "..") for segment in path.split("/")):
        # Only a percent-encoded dot segment gets here (clients resolve literal ones): the
        # route is chosen on the path as sent, but a backend's HTTP stack may resolve it into
        # another resource, so it is refused rather than forwarded.
        raise ProblemError(
            400,
            "a path segment may not be '.' or '..' (percent-encoded or not)",
            type_="dot-segment",
        )
    state = gateway_of(request.app)
    table = state.routing_table
    route = table.match(path)
    if route is None:
        raise ProblemError(404, f"no resource at {path}", type_="not-found")
    identity = await authenticate(request)
    ensure_scope(identity, route.scopes_for(request.method))

    backend = state.backends[route.service]
    upstream_path = route.upstream_path(path)
    headers = forwarded_headers(request)
    body = await request.body()
    # Forward the path exactly as the client encoded it (the service decodes it to the same
    # ``upstream_path`` that was signed); re-encoding a decoded path can fail or change it.
    raw_path = request.scope.get("raw_path", b"").decode("latin-1") or path
    try:
        url = httpx.URL(_raw_upstream_path(route, raw_path), query=request.url.query.encode())
    except httpx.InvalidURL:
        raise ProblemError(
            422, "the request path cannot be forwarded", type_="invalid-path"
        ) from None
    upstream = await backend.call(
        request.method,
        url,
        deadline=request_deadline(request),
        headers=headers,
        content=body or None,
        identity=identity,
        signed_path=upstream_path,
    )
    response_headers = {
        name: value
        for name in FORWARDED_RESPONSE_HEADERS
        if (value := upstream.headers.get(name)) is not None
    }
    return Response(upstream.content, status_code=upstream.status_code, headers=response_headers)
