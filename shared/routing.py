"""The route class every router uses: 415 for a body in a content type the route does not take.

A route with a JSON body accepts ``application/json`` (and ``+json`` types); a route that takes
another format declares it in ``openapi_extra["requestBody"]["content"]`` (CSV, XML), which also
documents it in OpenAPI.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from shared.problems import ProblemError

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _accepted(declared: tuple[str, ...], media_type: str) -> bool:
    for accepted in declared:
        if media_type == accepted:
            return True
        if accepted == "application/json" and media_type.endswith("+json"):
            return True
    return False


class ApiRoute(APIRoute):
    def accepted_media_types(self) -> tuple[str, ...] | None:
        request_body = (self.openapi_extra or {}).get("requestBody", {})
        declared = tuple(request_body.get("content", {}).keys())
        if declared:
            return declared
        return ("application/json",) if self.body_field is not None else None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        accepted = self.accepted_media_types()
        if accepted is None:
            return handler

        async def checked(request: Request) -> Response:
            if request.method in _BODY_METHODS and _has_body(request):
                media_type = _media_type(request.headers.get("content-type", ""))
                if not _accepted(accepted, media_type):
                    raise ProblemError(
                        415,
                        f"Content-Type {media_type or '(none)'} is not accepted here; "
                        f"send {' or '.join(accepted)}",
                        type_="unsupported-media-type",
                        accepted=list(accepted),
                    )
            return await handler(request)

        return checked


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter using :class:`ApiRoute`; every app builds its routers with this."""
    return APIRouter(route_class=ApiRoute, **kwargs)
