"""The routing table: public resource prefix → owning service, with the scopes it needs.

Public routes are resources, not services. The gateway matches the longest prefix, checks the
caller's scopes (reads: GET/HEAD; writes: everything else) and forwards to the owning service,
rewriting the prefix where the service's own path differs (the audit trails).
"""

from __future__ import annotations

from dataclasses import dataclass

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    service: str
    read_scopes: tuple[str, ...]
    write_scopes: tuple[str, ...]
    upstream_prefix: str | None = None
    tag: str | None = None

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def scopes_for(self, method: str) -> tuple[str, ...]:
        return self.read_scopes if method.upper() in READ_METHODS else self.write_scopes

    def upstream_path(self, path: str) -> str:
        if self.upstream_prefix is None:
            return path
        return self.upstream_prefix + path[len(self.prefix) :]


def _resource(prefix: str, service: str, *, reports: bool = False) -> Route:
    reads = (f"{service}:read", "reports:read") if reports else (f"{service}:read",)
    return Route(f"/api/v1/{prefix}", service, reads, (f"{service}:write",), tag=prefix)


ROUTES: tuple[Route, ...] = (
    # regional project registry (paragraphs 1-7)
    _resource("centre", "projects"),
    _resource("projects", "projects"),
    _resource("organisations", "projects"),
    _resource("sdg", "projects"),
    _resource("reference", "projects"),
    _resource("action-plans", "projects"),
    _resource("iati", "projects"),
    # voluntary-funding ledger (paragraphs 8-10)
    _resource("contributors", "funding"),
    _resource("pledges", "funding"),
    _resource("agreements", "funding"),
    _resource("contributions", "funding"),
    _resource("rates", "funding"),
    _resource("allocations", "funding"),
    _resource("expenditures", "funding"),
    _resource("ledger", "funding"),
    _resource("reports", "funding", reports=True),
    # biennial evaluation tracking (paragraph 11)
    _resource("evaluation-cycles", "evaluation"),
    _resource("evaluations", "evaluation"),
    _resource("evaluators", "evaluation"),
    _resource("recommendations", "evaluation"),
    _resource("key-actions", "evaluation"),
    _resource("evaluation-tracking", "evaluation", reports=True),
    # audit trails, admins only
    *(
        Route(
            f"/api/v1/audit/{service}",
            service,
            ("admin",),
            ("admin",),
            upstream_prefix="/api/v1/audit-events",
            tag="audit",
        )
        for service in ("projects", "funding", "evaluation")
    ),
)


class RoutingTable:
    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        # Longest prefix first, so a more specific prefix wins.
        self.routes = tuple(sorted(routes, key=lambda r: len(r.prefix), reverse=True))

    def match(self, path: str) -> Route | None:
        for route in self.routes:
            if route.matches(path):
                return route
        return None

    def services(self) -> frozenset[str]:
        return frozenset(r.service for r in self.routes)
