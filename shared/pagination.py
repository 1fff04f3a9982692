"""Keyset (cursor) pagination: every list answers ``{"items": [...], "next_cursor": ...}``.

The cursor is an opaque URL-safe token holding the sort-key values of the last item; the next
page is everything strictly after it in a stable order that always ends with the primary key.
Offsets are never used, so page reads stay cheap however deep a client goes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared.problems import field_problem

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50

LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (1-{MAX_LIMIT}).")]
CursorParam = Annotated[
    str | None,
    Query(max_length=1024, description="Opaque cursor from the previous page's next_cursor."),
]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class SortKey:
    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    direction: Literal["asc", "desc"] = "asc"


def _encode_value(value: Any) -> list[Any]:
    if isinstance(value, bool) or value is None:
        return ["j", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, Decimal):
        return ["d", str(value)]
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["D", value.isoformat()]
    return ["s", str(value)]


def _decode_value(tagged: Any) -> Any:
    tag, value = tagged
    match tag:
        case "j" if value is None or isinstance(value, bool):
            return value
        case "i" if isinstance(value, int) and not isinstance(value, bool):
            return value
        case "s" if isinstance(value, str):
            return value
        case "d" if isinstance(value, str):
            return Decimal(value)
        case "t" if isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        case "D" if isinstance(value, str):
            return dt.date.fromisoformat(value)
    raise ValueError(tag)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tagged = json.loads(raw)
        if not isinstance(tagged, list) or len(tagged) != width:
            raise ValueError("width")
        return [_decode_value(t) for t in tagged]
    except (ValueError, TypeError, ArithmeticError, json.JSONDecodeError):
        raise _cursor_problem() from None


# The values PostgreSQL's BIGINT holds: a larger integer in a forged cursor is refused here
# rather than by the database.
_BIGINT = range(-(2**63), 2**63)


def _column_python_type(key: SortKey) -> type | None:
    try:
        return key.column.type.python_type
    except NotImplementedError:
        return None


def _fits(key: SortKey, value: Any) -> bool:
    """Whether ``value`` can be compared with ``key``'s column in SQL without an error."""
    if value is None or isinstance(value, bool):
        return False  # sort keys are never null, and no sort column is boolean
    expected = _column_python_type(key)
    if isinstance(value, int):
        return value in _BIGINT and expected in (None, int)
    if isinstance(value, str):
        return "\x00" not in value and (expected is None or issubclass(expected, str))
    if isinstance(value, Decimal):
        return value.is_finite() and expected in (None, Decimal, float)
    if isinstance(value, dt.datetime):
        aware = getattr(key.column.type, "timezone", False)
        return expected in (None, dt.datetime) and (value.tzinfo is not None) == bool(aware)
    if isinstance(value, dt.date):
        return expected in (None, dt.date)
    return False


def _cursor_problem() -> Exception:
    return field_problem(
        422,
        "cursor",
        "is not a cursor this list issued",
        rule="invalid-cursor",
        location="query",
    )


def decode_cursor_for(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    """The sort values in ``cursor``, each of its key's column type (422 for anything else:
    a cursor is opaque, and a crafted one must never reach the database as a bad value)."""
    values = decode_cursor(cursor, len(keys))
    if not all(_fits(key, value) for key, value in zip(keys, values, strict=True)):
        raise _cursor_problem()
    return values


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    clauses = []
    for i, key in enumerate(keys):
        equal_prefix = [keys[j].column == values[j] for j in range(i)]
        step = key.column > values[i] if key.direction == "asc" else key.column < values[i]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    keys: Sequence[SortKey],
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Items of ``stmt`` after ``cursor``, and the next cursor.

    Items are the selected entity when ``stmt`` selects one, otherwise dicts of its columns.

    ``keys`` must identify a row uniquely (end with the primary key) and be non-null.
    """
    single = len(stmt.column_descriptions) == 1
    if cursor:
        stmt = stmt.where(_after(keys, decode_cursor_for(cursor, keys)))
    stmt = stmt.order_by(
        *(k.column.asc() if k.direction == "asc" else k.column.desc() for k in keys)
    ).limit(limit + 1)
    sort_labels = [f"_sort_{i}" for i in range(len(keys))]
    stmt = stmt.add_columns(*(k.column.label(n) for k, n in zip(keys, sort_labels, strict=True)))
    rows = session.execute(stmt).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    width = len(keys)
    items: list[Any]
    if single:
        items = [row[0] for row in rows]
    else:  # several columns: plain mappings without the sort labels
        items = [
            {k: v for k, v in row._mapping.items() if not str(k).startswith("_sort_")}
            for row in rows
        ]
    next_cursor = encode_cursor(list(rows[-1][-width:])) if has_more and rows else None
    return items, next_cursor
