"""One OpenAPI document for the whole suite: the gateway's own operations plus every proxied
service operation under its public path, tagged by resource.

The services' documents are fetched over HTTP (signed like any call) when ``/openapi.json`` is
first asked for and cached; a service that cannot be reached is listed in
``info.x-missing-services`` and asked again on the next request.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from fastapi import FastAPI

from gateway.deps import gateway_of
from gateway.resilience import Deadline
from gateway.routes import RoutingTable
from shared.auth import Identity
from shared.openapi import INTERNAL
from shared.problems import ProblemError

DOCS_IDENTITY = Identity(key_id="service:gateway", actor="gateway", scopes=frozenset())
_SKIPPED_PREFIXES = ("/health/", "/metrics")


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def merge_documents(
    own: dict[str, Any], services: dict[str, dict[str, Any]], table: RoutingTable
) -> dict[str, Any]:
    """The gateway's document with every routed service operation added under its public path."""
    merged = copy.deepcopy(own)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, document in sorted(services.items()):
        renames: dict[str, str] = {}
        incoming = document.get("components", {}).get("schemas", {})
        for name, schema in incoming.items():
            if name in schemas and schemas[name] != schema:
                renames[name] = f"{service}__{name}"
        for name, schema in incoming.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, operations in document.get("paths", {}).items():
            if path.startswith(_SKIPPED_PREFIXES):
                continue
            public = _public_path(table, service, path)
            if public is None:
                continue
            route = table.match(public)
            tag = route.tag if route is not None and route.tag else service
            for method, operation in operations.items():
                if isinstance(operation, dict) and not operation.get(INTERNAL):
                    operation = _rename_refs(operation, renames)
                    operation["tags"] = [tag]
                    operation["operationId"] = f"{service}_{operation.get('operationId', method)}"
                    paths.setdefault(public, {})[method] = operation
    merged.setdefault("components", {})["securitySchemes"] = {
        "ApiKey": {"type": "http", "scheme": "bearer", "description": "An API key of the suite."}
    }
    merged["security"] = [{"ApiKey": []}]
    return merged


def _public_path(table: RoutingTable, service: str, path: str) -> str | None:
    """The public path the gateway serves ``service``'s ``path`` under (None if unrouted)."""
    for route in table.routes:
        if route.service != service:
            continue
        upstream = route.upstream_prefix or route.prefix
        if path == upstream or path.startswith(upstream + "/"):
            return route.prefix + path[len(upstream) :]
    return None


class MergedOpenAPI:
    def __init__(self, cache_seconds: float = 300.0) -> None:
        self.cache_seconds = cache_seconds
        self._document: dict[str, Any] | None = None
        self._built_at = 0.0
        self._lock = asyncio.Lock()

    async def document(self, app: FastAPI) -> dict[str, Any]:
        async with self._lock:
            fresh = time.monotonic() - self._built_at < self.cache_seconds
            if self._document is not None and fresh:
                return self._document
            state = gateway_of(app)
            results = await asyncio.gather(*(self._fetch(b.name, b) for b in state.backends))
            services = {name: doc for name, doc in results if doc is not None}
            missing = sorted(name for name, doc in results if doc is None)
            document = merge_documents(app.openapi(), services, state.routing_table)
            if missing:
                document["info"]["x-missing-services"] = missing
                return document  # incomplete: not cached, asked again next time
            self._document, self._built_at = document, time.monotonic()
            return document

    @staticmethod
    async def _fetch(name: str, backend: Any) -> tuple[str, dict[str, Any] | None]:
        try:
            response = await backend.call(
                "GET", "/openapi.json", deadline=Deadline(5.0), identity=DOCS_IDENTITY
            )
        except ProblemError:
            return name, None
        if response.status_code != 200:
            return name, None
        document: dict[str, Any] = response.json()
        return name, document
