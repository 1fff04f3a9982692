"""redact API key secrets kept as idempotent answers

Before this revision, creating an API key with an Idempotency-Key stored the whole 201 answer,
the key's secret included, so that a retry could replay it. No answer that shows a secret is
stored any more (a retry answers 409 ``already-created``); this rewrites the rows stored
before in the same way. The secrets cannot be restored, so the downgrade leaves them redacted.

Revision ID: 9d1c2e7a4b10
Revises: 4888a5c12959
Create Date: 2026-12-01 17:55:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d1c2e7a4b10"
down_revision: str | None = "4888a5c12959"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DETAIL = (
    "this Idempotency-Key already created the record at Location; its secret was shown "
    "once and is not kept: revoke it and create another if it was lost"
)


def upgrade() -> None:
    keys = sa.table(
        "idempotency_keys",
        sa.column("id", sa.Integer),
        sa.column("method", sa.String),
        sa.column("path", sa.String),
        sa.column("status_code", sa.Integer),
        sa.column("response_body", sa.Text),
        sa.column("response_headers", sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(keys.c.id, keys.c.response_body, keys.c.response_headers).where(
            keys.c.method == "POST",
            keys.c.path == "/api/v1/api-keys",
            keys.c.status_code == 201,
        )
    ).all()
    for row in rows:
        location = (row.response_headers or {}).get("Location")
        problem = {
            "type": "urn:sdgc:problem:already-created",
            "title": "Conflict",
            "status": 409,
            "detail": DETAIL,
        }
        if location:
            problem["instance"] = location
        headers = {"Content-Type": "application/problem+json"}
        if location:
            headers["Location"] = location
        connection.execute(
            sa.update(keys)
            .where(keys.c.id == row.id)
            .values(status_code=409, response_body=json.dumps(problem), response_headers=headers)
        )


def downgrade() -> None:
    pass  # a redacted secret cannot be restored
