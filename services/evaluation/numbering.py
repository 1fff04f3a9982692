"""Numbers of findings, recommendations and key actions: 1, 2, 3, … within their parent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def next_number(db_session: Session, column: Any, where: Any) -> int:
    """One more than the highest ``column`` among the rows matching ``where`` (1 for none)."""
    current = db_session.execute(select(func.max(column)).where(where)).scalar()
    return int(current or 0) + 1
