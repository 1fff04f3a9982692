"""original amounts with three decimals

Amounts in their original currency hold up to three decimals (ISO 4217 minor units: KWD, BHD,
JOD, ... have three); US-dollar columns stay at two. On SQLite the batch mode copies
``journal_entries`` into a new table, which drops its append-only triggers: they are created
again.

Revision ID: 27f154899fcd
Revises: 40be016c388e
Create Date: 2026-12-01 17:18:17.751915
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "27f154899fcd"
down_revision: str | None = "40be016c388e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "agreement_conditions": ("amount",),
    "agreements": ("total", "received"),
    "contributions": ("amount",),
    "expenditures": ("amount",),
    "instalments": ("amount", "received"),
    "journal_entries": ("amount",),
    "pledges": ("amount",),
}


def _sqlite_journal_triggers() -> None:
    """The append-only triggers of ``journal_entries`` (as in revision 4fe57131e00e)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS journal_entries_no_{action.lower()}")
        op.execute(
            f"CREATE TRIGGER journal_entries_no_{action.lower()} BEFORE {action} ON "
            "journal_entries BEGIN SELECT RAISE(ABORT, 'journal_entries is append-only: "
            f"{action} refused'); END"
        )


def _alter(scale_from: int, scale_to: int) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Numeric(precision=20, scale=scale_from),
                    type_=sa.Numeric(precision=20, scale=scale_to),
                    existing_nullable=False,
                )
    _sqlite_journal_triggers()


def upgrade() -> None:
    _alter(2, 3)


def downgrade() -> None:
    _alter(3, 2)
