"""Entity tags on single-resource reads and optimistic concurrency on updates.

The ETag is a hash of the representation itself, so it changes whenever anything a client can
see changes (including computed fields). Updates must send ``If-Match``: a missing header is 428,
a stale one 412, and the update then runs on a row locked for the rest of the transaction.
"""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

from shared.problems import ProblemError


def etag_of(model: BaseModel) -> str:
    return _etag(model.model_dump_json().encode())


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def etag_response(request: Request, model: BaseModel, status_code: int = 200) -> Response:
    """The JSON representation with its ETag, or 304 when ``If-None-Match`` matches. The body
    is serialised once and hashed as sent (issue 17: twice cost 0.55-0.73 ms a read)."""
    body = model.model_dump_json().encode()
    etag = _etag(body)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        body, status_code=status_code, media_type="application/json", headers={"ETag": etag}
    )


def check_if_match(if_match: str | None, current: BaseModel) -> None:
    """428 when ``If-Match`` is absent, 412 when it names another version."""
    if not if_match:
        raise ProblemError(
            428,
            "send If-Match with the ETag of the version you are changing",
            type_="if-match-required",
        )
    etag = etag_of(current)
    if not _matches(if_match, etag):
        raise ProblemError(
            412,
            "the resource changed since you read it; read it again and retry",
            type_="stale-version",
            current_etag=etag,
        )
