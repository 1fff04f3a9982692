"""The audit trail: every write, recorded automatically at flush time.

A session listener turns each inserted, updated or deleted ORM object into an ``audit_events``
row (actor, action, entity, entity id, before/after of the changed columns, request id, time)
inside the same transaction, so no write can skip the trail and no trail row survives a
rolled-back write. Admins read it at ``/api/v1/audit-events``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import Table, event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from shared.auth import require_scope
from shared.db import utcnow
from shared.deps import SessionDep
from shared.pagination import CursorParam, LimitParam, Page, SortKey, paginate
from shared.problems import problem_responses
from shared.routing import api_router

AUDIT_INFO_KEY = "sdgc_audit"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _columns(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {attr.key: _jsonable(getattr(obj, attr.key)) for attr in state.mapper.column_attrs}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = _jsonable(history.deleted[0]) if history.deleted else None
            after[attr.key] = _jsonable(history.added[0]) if history.added else None
    return before, after


def _table_name(obj: Any) -> str:
    return str(getattr(inspect(obj).mapper.local_table, "name", type(obj).__name__))


def _entity_id(obj: Any) -> str:
    # The primary key from the instance itself: in after_flush a new object's identity key is
    # not assigned yet, but the INSERT has already filled its key columns.
    state = inspect(obj)
    values = state.mapper.primary_key_from_instance(obj)
    return ",".join("?" if v is None else str(v) for v in values)


def record_created(
    session: Session, audit_table: Table, entity: str, entity_id: str, after: dict[str, Any]
) -> None:
    """One ``create`` event for what a bulk path wrote with Core inserts (the listener sees ORM
    objects only), shaped like the listener's; ``entity_id`` may name a range (``"7..42"``)."""
    who = session.info.get(AUDIT_INFO_KEY)
    if who is None:
        return
    session.connection().execute(
        insert(audit_table),
        {
            "occurred_at": utcnow(),
            "actor": who["actor"],
            "key_id": who["key_id"],
            "request_id": who["request_id"],
            "action": "create",
            "entity": entity,
            "entity_id": entity_id,
            "before": None,
            "after": _jsonable(after),
        },
    )


def install_audit(factory: sessionmaker[Session], audit_table: Table) -> None:
    """Record every flushed change of sessions from ``factory`` into ``audit_table``."""

    @event.listens_for(factory, "after_flush")
    def _record(session: Session, _context: Any) -> None:
        who = session.info.get(AUDIT_INFO_KEY)
        if who is None:
            return  # migrations, seeding and tests that write outside a request
        rows: list[dict[str, Any]] = []
        now = utcnow()
        for action, objects in (
            ("create", session.new),
            ("update", session.dirty),
            ("delete", session.deleted),
        ):
            for obj in objects:
                if action == "update":
                    if not session.is_modified(obj, include_collections=False):
                        continue
                    before, after = _changes(obj)
                    if not after:
                        continue
                    before_value: dict[str, Any] | None = before
                    after_value: dict[str, Any] | None = after
                elif action == "create":
                    before_value, after_value = None, _columns(obj)
                else:
                    before_value, after_value = _columns(obj), None
                rows.append(
                    {
                        "occurred_at": now,
                        "actor": who["actor"],
                        "key_id": who["key_id"],
                        "request_id": who["request_id"],
                        "action": action,
                        "entity": _table_name(obj),
                        "entity_id": _entity_id(obj),
                        "before": before_value,
                        "after": after_value,
                    }
                )
        if rows:
            session.connection().execute(insert(audit_table), rows)


class AuditEventRead(BaseModel):
    id: int
    occurred_at: dt.datetime
    actor: str
    key_id: str
    request_id: str | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def audit_router(
    audit_table: Table, path: str = "/api/v1/audit-events", dependencies: Sequence[Any] = ()
) -> APIRouter:
    """Admin-only read access to a service's audit trail."""
    router = api_router(tags=["audit"], dependencies=[*dependencies, require_scope("admin")])

    @router.get(
        path,
        response_model=Page[AuditEventRead],
        responses=problem_responses(),
        summary="List audit events (admin)",
    )
    def list_audit_events(
        session: SessionDep,
        entity: str | None = Query(default=None, max_length=64),
        entity_id: str | None = Query(default=None, max_length=200),
        actor: str | None = Query(default=None, max_length=200),
        request_id: str | None = Query(default=None, max_length=128),
        limit: LimitParam = 50,
        cursor: CursorParam = None,
    ) -> Page[AuditEventRead]:
        stmt = select(audit_table)
        for column, value in (
            ("entity", entity),
            ("entity_id", entity_id),
            ("actor", actor),
            ("request_id", request_id),
        ):
            if value is not None:
                stmt = stmt.where(audit_table.c[column] == value)
        rows, next_cursor = paginate(
            session, stmt, keys=[SortKey(audit_table.c.id, "desc")], limit=limit, cursor=cursor
        )
        return Page(
            items=[AuditEventRead.model_validate(row) for row in rows],
            next_cursor=next_cursor,
        )

    return router
