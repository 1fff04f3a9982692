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
        case "j" | "i" | "s":
            return value
        case "d":
            return Decimal(value)
        case "t":
            return dt.datetime.fromisoformat(value)
        case "D":
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
    except (ValueError, TypeError, json.JSONDecodeError):
        raise field_problem(
            422,
            "cursor",
            "is not a cursor this list issued",
            rule="invalid-cursor",
            location="query",
        ) from None


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
        stmt = stmt.where(_after(keys, decode_cursor(cursor, len(keys))))
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
