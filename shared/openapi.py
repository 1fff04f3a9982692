"""OpenAPI post-processing: problem responses documented on every operation."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.problems import PROBLEM_MEDIA_TYPE, FieldError, Problem, problem_responses

_DROPPED_SCHEMAS = ("HTTPValidationError", "ValidationError")
# Marks an operation a service offers the gateway only (``openapi_extra=INTERNAL_OPERATION``):
# routed like any other, but left out of the public merged document.
INTERNAL = "x-sdgc-internal"
INTERNAL_OPERATION: dict[str, object] = {INTERNAL: True}


def problem_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (Problem, FieldError):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _add_common_problems(responses: dict[str, Any], common: dict[int | str, Any]) -> None:
    """Every common problem status, keeping an operation's own description of it."""
    for status, entry in common.items():
        key = str(status)
        existing = responses.get(key)
        if existing is None or PROBLEM_MEDIA_TYPE not in existing.get("content", {}):
            description = existing["description"] if existing else entry["description"]
            responses[key] = {**entry, "description": description}


def _takes_if_match(operation: dict[str, Any]) -> bool:
    """An update under optimistic concurrency: 428 without If-Match, 412 when it is stale."""
    return any(
        p.get("in") == "header" and str(p.get("name", "")).lower() == "if-match"
        for p in operation.get("parameters", [])
    )


def _errors_as_problems(responses: dict[str, Any]) -> None:
    """4xx/5xx answers FastAPI documents as plain JSON validation errors are problems."""
    for key, entry in responses.items():
        content = entry.get("content", {})
        if key.startswith(("4", "5")) and "application/json" in content:
            schema = content["application/json"].get("schema", {})
            if "HTTPValidationError" in str(schema) or not schema:
                content.pop("application/json")
                content[PROBLEM_MEDIA_TYPE] = {"schema": {"$ref": "#/components/schemas/Problem"}}


def document_problems(spec: dict[str, Any], extra_statuses: tuple[int, ...] = ()) -> None:
    """Replace FastAPI's default 422 and add problem answers to every operation in ``spec``."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in _DROPPED_SCHEMAS:
        components.pop(name, None)
    components.update(problem_schemas())
    common = problem_responses(*extra_statuses)
    for path, operations in spec.get("paths", {}).items():
        if path.startswith(("/health/", "/metrics")):
            continue
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                _add_common_problems(operation["responses"], common)
                if _takes_if_match(operation):
                    _add_common_problems(operation["responses"], problem_responses(412, 428))
                _errors_as_problems(operation["responses"])


def install_openapi(app: FastAPI, extra_statuses: tuple[int, ...] = (404,)) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            document_problems(spec, extra_statuses)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
