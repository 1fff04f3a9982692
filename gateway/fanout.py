"""Concurrent calls to several backends for one merged answer, each part with its own status.

A merged view takes about as long as its slowest part, not the sum: parts run concurrently
under one shared deadline. Every part reports where it came from and how it went, so a view
can say precisely what is missing and why instead of presenting partial figures as complete.
How long each part took is told in a ``Server-Timing`` header (``funding;dur=4.2``), so a
client — and the benchmark — can compare a merged answer with its slowest part.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from fastapi import Request

from gateway.deps import gateway_of
from gateway.resilience import Deadline
from shared.auth import Identity
from shared.problems import (
    FieldError,
    ProblemError,
    backend_error,
    backend_timeout,
    backend_unavailable,
    problem_responses,
)

PARTIAL_HEADER = "X-SDGC-Partial"  # names the parts missing from a merged answer
TIMING_HEADER = "Server-Timing"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]")

PartStatus = Literal["ok", "not_found", "forbidden", "unavailable", "timeout", "error"]


@dataclass(frozen=True, slots=True)
class PartCall:
    service: str
    path: str
    params: dict[str, Any] | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Part:
    service: str
    status: PartStatus
    data: Any = None
    detail: str | None = None
    http_status: int | None = None
    duration_ms: float | None = None
    problem: dict[str, Any] | None = None  # the backend's problem document, when it sent one

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"source": self.service, "status": self.status}
        if self.detail:
            described["detail"] = self.detail
        return described


async def _run(request: Request, identity: Identity, call: PartCall, deadline: Deadline) -> Part:
    if call.scopes and not identity.allows_any(call.scopes):
        return Part(call.service, "forbidden", detail=f"needs {' or '.join(call.scopes)}")
    backends = gateway_of(request.app).backends
    headers = {"Accept": "application/json"}
    try:
        response = await backends[call.service].call(
            "GET",
            call.path,
            deadline=deadline,
            headers=headers,
            params=call.params,
            identity=identity,
        )
    except ProblemError as problem:
        failures: dict[int, PartStatus] = {504: "timeout", 502: "error"}
        # a 4xx: the call could not be made from what the client sent; never "service down"
        status = failures.get(problem.status, "error" if problem.status < 500 else "unavailable")
        return Part(call.service, status, detail=problem.detail, http_status=problem.status)
    if response.status_code == 200:
        try:
            data = response.json()
        except ValueError:  # a maintenance page, say: an answer, but not one to merge
            return Part(call.service, "error", detail="answered 200 without JSON", http_status=200)
        return Part(call.service, "ok", data=data, http_status=200)
    if response.status_code == 404:
        return Part(call.service, "not_found", detail="no such record", http_status=404)
    detail, sent = _problem_detail(response)
    if response.status_code == 403:  # the key's scopes: the client's to fix
        return Part(call.service, "forbidden", detail=detail, http_status=403)
    if response.status_code == 401:  # the gateway's own signature refused: never the client's
        return Part(
            call.service,
            "error",
            detail=f"refused the gateway's signed identity ({detail})",
            http_status=401,
        )
    if response.status_code in (502, 503, 504):
        status = "timeout" if response.status_code == 504 else "unavailable"
        return Part(call.service, status, detail=detail, http_status=response.status_code)
    return Part(
        call.service, "error", detail=detail, http_status=response.status_code, problem=sent
    )


def _problem_detail(response: Any) -> tuple[str, dict[str, Any] | None]:
    try:
        body = response.json()
    except ValueError:
        return f"answered {response.status_code}", None
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"]), body
    return f"answered {response.status_code}", body if isinstance(body, dict) else None


def request_deadline(request: Request) -> Deadline:
    """The one deadline of a public request, shared by every fan-out and call it makes (a view
    that fans out twice, or page after page, spends one budget, not one per fan-out)."""
    deadline: Deadline | None = getattr(request.state, "deadline", None)
    if deadline is None:
        deadline = Deadline(gateway_of(request.app).settings.request_deadline_seconds)
        request.state.deadline = deadline
    return deadline


async def fan_out(
    request: Request, identity: Identity, calls: dict[str, PartCall]
) -> dict[str, Part]:
    """Run every call concurrently under the request's deadline; one :class:`Part` per name."""
    deadline = request_deadline(request)
    names = list(calls)
    results = await asyncio.gather(
        *(_timed(request, identity, calls[name], deadline) for name in names)
    )
    parts = dict(zip(names, results, strict=True))
    timings: list[tuple[str, float]] = getattr(request.state, "part_timings", [])
    timings.extend((name, part.duration_ms or 0.0) for name, part in parts.items())
    request.state.part_timings = timings
    return parts


BATCH_IDS = 100  # the services' batch reads take at most this many ids per call


async def batched(
    request: Request, identity: Identity, name: str, call: PartCall, ids: Sequence[int]
) -> Part:
    """One batch read of many ids as one part: more ids than a call takes are asked for in
    concurrent chunks (``name``, ``name-1``, … in ``Server-Timing``) and their items merged;
    the first chunk that failed stands for the whole."""
    chunks = [ids[i : i + BATCH_IDS] for i in range(0, len(ids), BATCH_IDS)]
    if not chunks:
        return Part(call.service, "ok", data={"items": []})
    calls = {
        (name if n == 0 else f"{name}-{n}"): replace(
            call, params={**(call.params or {}), "ids": ",".join(map(str, chunk))}
        )
        for n, chunk in enumerate(chunks)
    }
    parts = list((await fan_out(request, identity, calls)).values())
    failed = next((p for p in parts if not p.ok), None)
    if failed is not None:
        return failed
    items = [i for p in parts if isinstance(p.data, dict) for i in p.data.get("items", [])]
    return replace(parts[0], data={"items": items})


async def _timed(request: Request, identity: Identity, call: PartCall, deadline: Deadline) -> Part:
    started = time.perf_counter()
    part = await _run(request, identity, call, deadline)
    return replace(part, duration_ms=(time.perf_counter() - started) * 1000)


MERGED_HEADERS = {
    PARTIAL_HEADER: {
        "description": "The sources missing from this answer, comma-separated (absent: none).",
        "schema": {"type": "string"},
    },
    TIMING_HEADER: {
        "description": "How long each backend part took, e.g. `funding;dur=3.12`.",
        "schema": {"type": "string"},
    },
}


def merged_responses(*statuses: int, **ok: Any) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of a merged view: its problems, and a 200 documenting the headers
    that say which parts are missing and how long each took (``ok``: more of the 200)."""
    return {**problem_responses(*statuses), 200: {"headers": MERGED_HEADERS, **ok}}


def answer_headers(request: Request, parts: dict[str, Part]) -> dict[str, str]:
    """Headers of a merged answer: the missing optional ``parts`` (``X-SDGC-Partial``) and the
    duration of every part this request fanned out to (``Server-Timing``)."""
    missing = sorted(name for name, part in parts.items() if not part.ok)
    return timing_headers(request, missing)


def timing_headers(request: Request, missing: list[str] | None = None) -> dict[str, str]:
    """``Server-Timing`` with every part this request fanned out to, and ``X-SDGC-Partial``
    naming ``missing`` when there are any."""
    headers: dict[str, str] = {}
    if missing:
        headers[PARTIAL_HEADER] = ",".join(missing)
    timings: list[tuple[str, float]] = getattr(request.state, "part_timings", [])
    if timings:
        headers[TIMING_HEADER] = ", ".join(
            f"{_NOT_TOKEN.sub('-', name)};dur={ms:.2f}" for name, ms in timings
        )
    return headers


def required(part: Part, what: str) -> Any:
    """The data of a part the view cannot do without, or the problem that explains why not.

    A 400/422 of the required part answers the client's own input (the filters of a list the
    gateway passes on): it is the client's problem, relayed with the fields it names."""
    if part.ok:
        return part.data
    if part.status == "error" and part.http_status in (400, 422):
        errors = (part.problem or {}).get("errors") or None
        raise ProblemError(
            part.http_status,
            part.detail,
            type_="validation-error",
            errors=[FieldError.model_validate(e) for e in errors] if errors else None,
            service=part.service,
        )
    if part.status == "not_found":
        raise ProblemError(404, f"{what} does not exist", type_="not-found")
    if part.status == "forbidden":
        raise ProblemError(403, part.detail or "forbidden", type_="missing-scope")
    if part.status == "timeout":
        raise backend_timeout(part.service, what)
    if part.status == "unavailable":
        raise backend_unavailable(part.service, what)
    raise backend_error(
        part.service, f"{what}: the {part.service} service answered badly ({part.detail})"
    )
