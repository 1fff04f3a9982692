"""API scopes and the signed identity the gateway forwards to the services.

Clients authenticate at the gateway with an API key. The gateway then calls a service with the
caller's identity in ``X-SDGC-*`` headers and an HMAC-SHA256 signature over the whole request:
the method, the path, the query (in the order sent), a SHA-256 digest of the body (also sent as an
RFC 9530 ``Content-Digest``), the key id, the actor, the scopes, a timestamp and a random nonce.
A service accepts a request only when the signature is valid and fresh, and a state-changing one
only once (the nonce is remembered for the signature's lifetime, see ``shared.nonces``), so
calling a service port directly, or replaying what was seen on the wire with another body or
query, does not work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args
from urllib.parse import parse_qsl, quote

import httpx
from fastapi import Depends, Request

from shared.problems import ProblemError

# The scopes an API key may hold, defined once for the whole suite.
Scope = Literal[
    "projects:read",
    "projects:write",
    "funding:read",
    "funding:write",
    "evaluation:read",
    "evaluation:write",
    "reports:read",
    "admin",
]
SCOPES: tuple[str, ...] = get_args(Scope)

KEY_ID_HEADER = "X-SDGC-Key-Id"
ACTOR_HEADER = "X-SDGC-Actor"
SCOPES_HEADER = "X-SDGC-Scopes"
TIMESTAMP_HEADER = "X-SDGC-Timestamp"
NONCE_HEADER = "X-SDGC-Nonce"
SIGNATURE_HEADER = "X-SDGC-Signature"
CONTENT_DIGEST_HEADER = "Content-Digest"
IDENTITY_HEADERS: tuple[str, ...] = (
    KEY_ID_HEADER,
    ACTOR_HEADER,
    SCOPES_HEADER,
    TIMESTAMP_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
)
# Methods that change state: their nonce is accepted once (see ``shared.nonces``).
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: an API key (or a service acting for itself) and its scopes."""

    key_id: str
    actor: str
    scopes: frozenset[str] = field(default_factory=frozenset)

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def allows_any(self, scopes: Iterable[str]) -> bool:
        return any(self.allows(s) for s in scopes)


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` of ``body`` (SHA-256)."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def canonical_query(query: bytes | str) -> str:
    """The query as the parameters it carries, in the order sent, each pair percent-encoded
    one way: what a service parses is what was signed, whatever quoting a transport chose."""
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    pairs = parse_qsl(text, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def _payload(
    method: str,
    path: str,
    query: bytes | str,
    body: bytes,
    identity: Identity,
    timestamp: str,
    nonce: str,
) -> bytes:
    scopes = ",".join(sorted(identity.scopes))
    return "\n".join(
        (
            method.upper(),
            path,
            canonical_query(query),
            content_digest(body),
            identity.key_id,
            identity.actor,
            scopes,
            timestamp,
            nonce,
        )
    ).encode()


def sign_identity(
    secret: str,
    method: str,
    path: str,
    identity: Identity,
    *,
    query: bytes | str = b"",
    body: bytes = b"",
    now: float | None = None,
) -> dict[str, str]:
    """The headers that carry ``identity`` for one request (one attempt: every attempt of a
    retried call is signed again, with a nonce of its own)."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    signature = hmac.new(
        secret.encode(),
        _payload(method, path, query, body, identity, timestamp, nonce),
        hashlib.sha256,
    ).hexdigest()
    return {
        KEY_ID_HEADER: identity.key_id,
        ACTOR_HEADER: identity.actor,
        SCOPES_HEADER: ",".join(sorted(identity.scopes)),
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature,
        CONTENT_DIGEST_HEADER: content_digest(body),
    }


def _signed_values(headers: Mapping[str, str]) -> dict[str, str]:
    """The identity headers of a request; 401 ``unsigned-request`` when one is missing."""
    values = {name: headers.get(name.lower()) for name in IDENTITY_HEADERS}
    present = {name: value for name, value in values.items() if value is not None}
    if len(present) < len(values):
        raise ProblemError(
            401,
            "requests must come through the gateway (missing signed identity)",
            type_="unsigned-request",
            headers={"WWW-Authenticate": 'Bearer realm="sdgc"'},
        )
    return present


def _check_fresh(timestamp: str, max_age_seconds: int, now: float | None) -> None:
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise ProblemError(401, "invalid identity timestamp", type_="bad-signature") from None
    current = now if now is not None else time.time()
    if abs(current - signed_at) > max_age_seconds:
        raise ProblemError(401, "signed identity expired", type_="bad-signature")


def verify_identity(
    secret: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    *,
    max_age_seconds: int,
    query: bytes | str = b"",
    body: bytes = b"",
    now: float | None = None,
) -> Identity:
    """The identity of a signed request, or a 401 problem saying what is wrong.

    The signature must cover this very method, path, query and body; whether its nonce was
    used before is the caller's to check (:class:`shared.nonces.NonceStore`)."""
    values = _signed_values(headers)
    _check_fresh(values[TIMESTAMP_HEADER], max_age_seconds, now)
    identity = Identity(
        key_id=values[KEY_ID_HEADER],
        actor=values[ACTOR_HEADER],
        scopes=frozenset(s for s in values[SCOPES_HEADER].split(",") if s),
    )
    payload = _payload(
        method, path, query, body, identity, values[TIMESTAMP_HEADER], values[NONCE_HEADER]
    )
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, values[SIGNATURE_HEADER]):
        raise ProblemError(401, "invalid identity signature", type_="bad-signature")
    return identity


class SignedIdentityAuth(httpx.Auth):
    """httpx auth that signs every request with an identity (gateway, services, tests)."""

    requires_request_body = True

    def __init__(self, secret: str, identity: Identity) -> None:
        self._secret = secret
        self.identity = identity

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(
            sign_identity(
                self._secret,
                request.method,
                request.url.path,
                self.identity,
                query=request.url.query,
                body=request.content,
            )
        )
        yield request


async def current_identity(request: Request) -> Identity:
    identity = getattr(request.state, "identity", None)
    if not isinstance(identity, Identity):
        raise ProblemError(401, "no authenticated identity", type_="unauthenticated")
    return identity


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def ensure_scope(identity: Identity, scopes: Iterable[str]) -> None:
    """403 unless ``identity`` holds one of ``scopes`` (admin holds them all)."""
    wanted = tuple(scopes)
    if not identity.allows_any(wanted):
        raise ProblemError(
            403,
            f"this operation needs the scope {' or '.join(wanted)}",
            type_="missing-scope",
            required_scopes=list(wanted),
        )


def require_scope(*scopes: str) -> Any:
    """A route dependency: 403 unless the caller holds one of ``scopes`` (or admin)."""

    async def check(identity: CurrentIdentity) -> Identity:
        ensure_scope(identity, scopes)
        return identity

    return Depends(check)
