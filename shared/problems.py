"""RFC 9457 problem details: the one error shape of the whole suite.

Domain code raises :class:`ProblemError` (or a helper below); :func:`install_problem_handlers`
maps it, request validation, Starlette's HTTP errors and any unexpected exception to an
``application/problem+json`` answer. Unexpected exceptions are logged with the request id and
answered 500 without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.context import REQUEST_ID_HEADER, current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:sdgc:problem:"

logger = logging.getLogger("sdgc.problems")


class FieldError(BaseModel):
    """One offending field: where it is, what rule it breaks, in words."""

    field: str = Field(description="Dotted path of the field, e.g. 'instalments.0.amount'.")
    location: str = Field(default="body", description="body, query, path or header.")
    pointer: str | None = Field(default=None, description="JSON Pointer into the body.")
    rule: str | None = Field(default=None, description="Short name of the rule broken.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error a client can cause, carried to the client as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        type_: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.type = f"{PROBLEM_TYPE_BASE}{type_}" if type_ else "about:blank"
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extensions = extensions

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=self.type,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            request_id=current_request_id(),
            errors=self.errors,
            **self.extensions,
        )


def field_problem(
    status: int,
    field: str,
    message: str,
    *,
    rule: str,
    location: str = "body",
    title: str | None = None,
    **extensions: Any,
) -> ProblemError:
    """A problem about one named field, e.g. ``field_problem(422, 'currency', ..., rule=...)``."""
    pointer = "/" + field.replace(".", "/") if location == "body" else None
    return ProblemError(
        status,
        f"{field}: {message}",
        title=title,
        type_=rule,
        errors=[
            FieldError(field=field, location=location, pointer=pointer, rule=rule, message=message)
        ],
        **extensions,
    )


def not_found(entity: str, identifier: object) -> ProblemError:
    return ProblemError(404, f"{entity} {identifier} does not exist", type_="not-found")


def conflict(detail: str, *, rule: str, **extensions: Any) -> ProblemError:
    return ProblemError(409, detail, type_=rule, **extensions)


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _field_path(loc: Iterable[Any]) -> tuple[str, str]:
    parts = list(loc)
    location = str(parts[0]) if parts else "body"
    rest = [str(p) for p in parts[1:]]
    return location, ".".join(rest) if rest else location


def validation_problem(exc: RequestValidationError, instance: str) -> Problem:
    errors: list[FieldError] = []
    for err in exc.errors():
        location, field = _field_path(err.get("loc", ()))
        pointer = "/" + field.replace(".", "/") if location == "body" and field != "body" else None
        errors.append(
            FieldError(
                field=field,
                location=location,
                pointer=pointer,
                rule=str(err.get("type", "invalid")),
                message=str(err.get("msg", "invalid value")),
            )
        )
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return Problem(
        type=f"{PROBLEM_TYPE_BASE}validation-error",
        title="Request validation failed",
        status=422,
        detail=detail,
        instance=instance,
        request_id=current_request_id(),
        errors=errors,
    )


def backend_unavailable(service: str, what: str = "") -> ProblemError:
    """503: another service of the suite could not be reached (refused, reset, circuit open)."""
    return ProblemError(
        503,
        f"{what}{': ' if what else ''}the {service} service is unavailable",
        type_="backend-unavailable",
        service=service,
    )


def backend_timeout(service: str, what: str = "") -> ProblemError:
    """504: another service of the suite did not answer in time."""
    return ProblemError(
        504,
        f"{what}{': ' if what else ''}the {service} service did not answer in time",
        type_="backend-timeout",
        service=service,
    )


def backend_error(service: str, detail: str) -> ProblemError:
    """502: another service of the suite answered something that could not be used."""
    return ProblemError(502, detail, type_="backend-error", service=service)


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back
# whole, so a retry is safe (the gateway retries idempotent requests and keyed POSTs on 503).
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def database_unavailable(exc: Exception) -> bool:
    """Whether ``exc`` says the database could not be reached or dropped the connection:
    refused, reset, an administrator's shutdown (57P01), "starting up / shutting down"
    (57P03), a connection lost mid-request, a full pool that timed out, SQLite busy."""
    if isinstance(exc, PoolTimeoutError | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_unavailable_problem() -> ProblemError:
    return ProblemError(
        503,
        "the service's database is unavailable; nothing was stored, send the request again",
        type_="database-unavailable",
        headers={"Retry-After": "1"},
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.to_problem(request.url.path), exc.headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(exc, request.url.path))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    problem = Problem(
        title=HTTPStatus(exc.status_code).phrase,
        status=exc.status_code,
        detail=exc.detail if isinstance(exc.detail, str) else None,
        instance=request.url.path,
        request_id=current_request_id(),
    )
    return problem_response(problem, exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette calls this outside the request-context middleware: take the id from scope.
    request_id = current_request_id() or request.scope.get("state", {}).get("request_id")
    logger.exception(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        extra={"request_id": request_id},
    )
    problem = Problem(
        title="Internal Server Error",
        status=500,
        detail="The server could not complete the request; it has been logged.",
        instance=request.url.path,
        request_id=request_id,
    )
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    return problem_response(problem, headers)


async def _on_out_of_range(request: Request, exc: Exception) -> JSONResponse:
    # A value the schema let through but the database cannot hold (an id beyond BIGINT,
    # say): the client's doing, so 422 rather than 500. Routes bound their ids with IdPath.
    logger.info("value out of range on %s %s: %s", request.method, request.url.path, exc)
    problem = ProblemError(
        422,
        "a value in the request is outside the range the database can store",
        title="Value out of range",
        type_="value-out-of-range",
    )
    return await _on_problem(request, problem)


def _concurrent_conflict() -> ProblemError:
    return ProblemError(
        503,
        "a concurrent request held what this one needed; nothing was stored, send it again",
        title="Concurrent conflict",
        type_="concurrent-conflict",
        headers={"Retry-After": "1"},
    )


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    # PostgreSQL gave up a transaction to break a deadlock or a serialization conflict with a
    # concurrent one: nothing was stored, and the same request can simply be sent again. The
    # same holds when the database could not be reached or dropped the connection (checked
    # second: psycopg's deadlock and serialization errors are OperationalErrors).
    where = (request.method, request.url.path, exc)
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRYABLE_SQLSTATES:
        logger.warning("transaction given up on %s %s: %s", *where)
        return await _on_problem(request, _concurrent_conflict())
    if database_unavailable(exc):
        logger.warning("database unavailable on %s %s: %s", *where)
        return await _on_problem(request, database_unavailable_problem())
    return await _on_unexpected(request, exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to application/problem+json."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(DBAPIError, _on_database_error)
    app.add_exception_handler(PoolTimeoutError, _on_database_error)
    app.add_exception_handler(OverflowError, _on_out_of_range)
    app.add_exception_handler(DataError, _on_out_of_range)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid credentials",
    403: "The API key lacks the required scope",
    404: "No such resource",
    409: "Conflicts with the current state or a business rule",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    415: "Unsupported content type",
    422: "Validation failed: the errors name each offending field",
    428: "If-Match is required for this update",
    429: "Rate limit exceeded",
    500: "Internal error (no details leaked)",
    502: "A backend answered badly",
    503: "A backend or the database is unavailable",
    504: "A backend did not answer in time",
}

COMMON_STATUSES = (401, 403, 413, 415, 422, 500)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem answers."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted({*COMMON_STATUSES, *statuses})
    }
