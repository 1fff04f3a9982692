"""API keys: issue (shown once), list, revoke, verify. No FastAPI here; callers commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import ApiKey
from shared.auth import Identity
from shared.db import one_or_404, utcnow
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
