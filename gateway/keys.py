"""API keys: issue (shown once), list, revoke, verify, and the verified-key cache (in a worker
thread, never on the event loop; revoking a key clears this replica's cache at once, other
replicas within the cache time). No FastAPI here; callers commit."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import anyio.to_thread
from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import ApiKey
from shared.auth import Identity
from shared.db import Database, one_or_404, utcnow
from shared.pagination import SortKey, paginate
from shared.problems import conflict

KEY_PREFIX = "sdgc"
BOOTSTRAP_KEY_NAME = "bootstrap-admin"


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh (key_id, token). The token is what the client sends as a Bearer credential."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    token: str


def issue_key(*, db_session: Session, name: str, scopes: list[str], created_by: str) -> IssuedKey:
    key_id, token = new_token()
    key = ApiKey(
        key_id=key_id,
        secret_hash=hash_secret(token),
        name=name,
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    db_session.add(key)
    db_session.flush()
    return IssuedKey(key=key, token=token)


def get_key(*, db_session: Session, key_id: str, for_update: bool = False) -> ApiKey:
    return one_or_404(
        db_session,
        select(ApiKey).where(ApiKey.key_id == key_id),
        entity="API key",
        identifier=key_id,
        for_update=for_update,
    )


def list_keys(
    *, db_session: Session, include_revoked: bool, limit: int, cursor: str | None
) -> tuple[list[ApiKey], str | None]:
    stmt = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return paginate(db_session, stmt, keys=[SortKey(ApiKey.id)], limit=limit, cursor=cursor)


def revoke_key(*, db_session: Session, key: ApiKey) -> ApiKey:
    if key.revoked_at is not None:
        raise conflict(f"API key {key.key_id} is already revoked", rule="already-revoked")
    key.revoked_at = utcnow()
    db_session.flush()
    return key


def identity_for_token(*, db_session: Session, token: str) -> Identity | None:
    """The identity behind a bearer token, or None when unknown or revoked."""
    key = db_session.execute(
        select(ApiKey).where(ApiKey.secret_hash == hash_secret(token))
    ).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    return Identity(key_id=key.key_id, actor=key.name, scopes=frozenset(key.scopes))


def ensure_bootstrap_key(*, db_session: Session, token: str) -> None:
    """Accept ``token`` as the admin key; an earlier bootstrap key is revoked."""
    digest = hash_secret(token)
    existing = db_session.execute(
        select(ApiKey).where(ApiKey.secret_hash == digest)
    ).scalar_one_or_none()
    if existing is not None and existing.revoked_at is None:
        return
    for old in db_session.execute(
        select(ApiKey).where(ApiKey.name == BOOTSTRAP_KEY_NAME, ApiKey.revoked_at.is_(None))
    ).scalars():
        old.revoked_at = utcnow()
    if existing is not None:
        existing.revoked_at = None
    else:
        db_session.add(
            ApiKey(
                key_id="bootstrap-" + secrets.token_hex(4),
                secret_hash=digest,
                name=BOOTSTRAP_KEY_NAME,
                scopes=["admin"],
                created_by="bootstrap",
            )
        )
    db_session.commit()


# Known and unknown tokens are cached apart, each an LRU with a time to live (decision 55).
CACHE_SIZE = 10_000


class KeyVerifier:
    def __init__(self, database: Database, cache_seconds: float) -> None:
        self.database = database
        self.cache_seconds = cache_seconds
        ttl = max(cache_seconds, 1e-9)
        self._known: TTLCache[str, Identity] = TTLCache(CACHE_SIZE, ttl, timer=time.monotonic)
        self._unknown: TTLCache[str, bool] = TTLCache(CACHE_SIZE, ttl, timer=time.monotonic)

    def clear(self) -> None:
        self._known.clear()
        self._unknown.clear()

    def _lookup(self, token: str) -> Identity | None:
        with self.database.session() as session:
            return identity_for_token(db_session=session, token=token)

    def cached(self, token: str) -> Identity | None:
        """The identity of a key this replica verified within the cache time, if any."""
        return self._known.get(hash_secret(token))

    async def verify(self, token: str) -> Identity | None:
        digest = hash_secret(token)
        known = self._known.get(digest)
        if known is not None:
            return known
        if digest in self._unknown:
            return None
        identity = await anyio.to_thread.run_sync(self._lookup, token)
        if self.cache_seconds > 0:
            if identity is None:
                self._unknown[digest] = True
            else:
                self._known[digest] = identity
        return identity
