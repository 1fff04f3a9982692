"""Authentication at the gateway: Bearer API keys → an :class:`Identity`.

Keys are verified by :class:`gateway.keys.KeyVerifier` (SHA-256 lookups in a worker thread,
known and unknown tokens cached apart) and failed authentications are limited per client
address (:class:`gateway.resilience.FailedAuthentications`: the address is the one uvicorn takes
from ``X-Forwarded-For`` when the peer is a trusted proxy, i.e. the Ingress); once over the
limit an address gets 429 for the rest of the window without a database lookup, except for a key
already known to this replica.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.deps import gateway_of
from gateway.resilience import enforce_rate_limit
from shared.auth import Identity
from shared.problems import ProblemError

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="sdgc"'}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "send an API key as 'Authorization: Bearer <key>'",
            type_="missing-api-key",
            headers=_UNAUTHORIZED_HEADERS,
        )
    return token.strip()


async def _identify(request: Request) -> Identity:
    """The key's identity, or 401 (429 for an address with too many failures)."""
    state = gateway_of(request.app)
    verifier, failures = state.key_verifier, state.failed_authentications
    address = client_address(request)
    token = bearer_token(request)  # no key at all costs no lookup: a plain 401
    identity = verifier.cached(token)
    if identity is not None:
        return identity
    failures.check(address)
    identity = await verifier.verify(token)
    if identity is None:
        await failures.record(address)
        raise ProblemError(
            401,
            "the API key is unknown or revoked",
            type_="invalid-api-key",
            headers=_UNAUTHORIZED_HEADERS,
        )
    return identity


async def authenticate(request: Request) -> Identity:
    identity = await _identify(request)
    state = gateway_of(request.app)
    await enforce_rate_limit(
        state.rate_limiter, identity.key_id, state.settings.rate_limit_requests
    )
    request.state.identity = identity
    return identity


Authenticated = Annotated[Identity, Depends(authenticate)]
