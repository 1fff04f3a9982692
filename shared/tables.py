"""The tables every app keeps beside its own: the audit trail, idempotency records and the nonces
of signed requests.

Each service attaches them to its own MetaData (one database per service), so they appear in
that service's Alembic history like any other table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.db import UTCDateTime

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so autoincrement works) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True, slots=True)
class CommonTables:
    audit_events: Table
    idempotency_keys: Table
    identity_nonces: Table


def attach_common_tables(metadata: MetaData) -> CommonTables:
    audit_events = Table(
        "audit_events",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("occurred_at", UTCDateTime(), nullable=False, index=True),
        Column("actor", String(200), nullable=False, index=True),
        Column("key_id", String(64), nullable=False),
        Column("request_id", String(128), nullable=True, index=True),
        Column("action", String(16), nullable=False),
        Column("entity", String(64), nullable=False),
        Column("entity_id", String(200), nullable=False),
        Column("before", JSON, nullable=True),
        Column("after", JSON, nullable=True),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("key_id", String(64), nullable=False),
        Column("idempotency_key", String(255), nullable=False),
        Column("method", String(8), nullable=False),
        Column("path", String(500), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("response_body", Text, nullable=True),
        Column("response_headers", JSON, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    idempotency_keys.append_constraint(UniqueConstraint("key_id", "idempotency_key"))
    # Nonces of signed state-changing requests, each accepted once (shared.nonces).
    identity_nonces = Table(
        "identity_nonces",
        metadata,
        Column("nonce", String(64), primary_key=True),
        Column("expires_at", UTCDateTime(), nullable=False, index=True),
    )
    return CommonTables(
        audit_events=audit_events,
        idempotency_keys=idempotency_keys,
        identity_nonces=identity_nonces,
    )
