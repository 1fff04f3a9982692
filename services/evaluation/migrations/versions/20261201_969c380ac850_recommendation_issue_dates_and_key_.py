"""recommendation issue dates and key action closing dates

Revision ID: 969c380ac850
Revises: 4e26b75691c8
Create Date: 2026-12-01 17:06:50.678620

Recommendations recorded before get the day they were recorded as their issue date; closed key
actions get their completion day, or the day they were last changed when no longer applicable.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "969c380ac850"
down_revision: str | None = "4e26b75691c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(column: sa.ColumnClause[object]) -> sa.ColumnElement[object]:
    """The UTC day of a timestamp column, on either database."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def upgrade() -> None:
    actions = sa.table(
        "key_actions",
        sa.column("status", sa.String),
        sa.column("completed_on", sa.Date),
        sa.column("updated_at", sa.DateTime),
        sa.column("closed_on", sa.Date),
    )
    with op.batch_alter_table("key_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    op.execute(
        actions.update()
        .where(actions.c.status.in_(("completed", "no_longer_applicable")))
        .values(
            closed_on=sa.case(
                (actions.c.status == "completed", actions.c.completed_on),
                else_=_day(actions.c.updated_at),
            )
        )
    )

    recommendations = sa.table(
        "recommendations", sa.column("created_at", sa.DateTime), sa.column("issued_on", sa.Date)
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
    op.execute(recommendations.update().values(issued_on=_day(recommendations.c.created_at)))
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.alter_column("issued_on", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_column("issued_on")

    with op.batch_alter_table("key_actions", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
