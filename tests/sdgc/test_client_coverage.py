"""The hand-written client declares every public operation of the merged OpenAPI, no more."""

from __future__ import annotations

import httpx

from sdgc import OPERATIONS
from tests.support.suite import ADMIN_KEY, Suite

METHODS = {"get", "post", "put", "patch", "delete"}


def test_every_public_operation_has_a_client_method_and_every_method_an_operation(
    suite: Suite,
) -> None:
    document = httpx.get(
        f"{suite.gateway_url}/openapi.json",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        timeout=30,
    ).json()
    assert not document["info"].get("x-missing-services")
    public = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in METHODS
    }
    assert len(public) > 100
    declared = set(OPERATIONS)
    assert sorted(public - declared) == [], "operations without a client method"
    assert sorted(declared - public) == [], "client methods without an operation"
