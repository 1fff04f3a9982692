"""The unit of work of one request: its session, its actor, idempotent creation, commit.

Domain code (``service.py``) only adds and flushes; the route commits through
:class:`UnitOfWork`, so one request is one transaction and a refused request stores nothing.
Creating POSTs go through :meth:`UnitOfWork.create`, which implements ``Idempotency-Key``:
the key row is inserted in the same transaction as the record, so concurrent duplicates queue
on the unique index and exactly one record is created; a retry replays the first answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.audit import AUDIT_INFO_KEY
from shared.auth import CurrentIdentity, Identity
from shared.context import current_request_id
from shared.db import utcnow
from shared.deps import SessionDep as SessionDep
from shared.etag import check_if_match, etag_of, etag_response
from shared.problems import PROBLEM_MEDIA_TYPE, ProblemError, field_problem
from shared.state import core_of
from shared.tables import CommonTables

T = TypeVar("T")

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Makes a creating POST safe to retry: a retry returns the first answer.",
    ),
]
IfMatchHeader = Annotated[
    str | None,
    Header(alias="If-Match", max_length=200, description="ETag of the version being changed."),
]


class UnitOfWork:
    """Session + identity of one writing request."""

    def __init__(
        self,
        session: Session,
        identity: Identity,
        request: Request,
        tables: CommonTables,
        idempotency_key: str | None,
    ) -> None:
        self.session = session
        self.identity = identity
        self.request = request
        self.tables = tables
        self.idempotency_key = idempotency_key
        session.info[AUDIT_INFO_KEY] = {
            "actor": identity.actor or identity.key_id,
            "key_id": identity.key_id,
            "request_id": current_request_id(),
        }

    def commit(self) -> None:
        self.session.commit()

    def update(
        self,
        current: T | None,
        read: Callable[[T], BaseModel],
        change: Callable[[], T],
        if_match: str | None,
    ) -> Response:
        """Optimistic concurrency for an update or a create-or-replace PUT: ``If-Match`` is
        checked against the representation of ``current`` (428 without it, 412 when stale);
        then ``change`` runs, the transaction commits and the new representation answers with
        its ETag — 200, or 201 when there was nothing yet (``current`` is None: a PUT creates)."""
        if current is not None:
            check_if_match(if_match, read(current))
        changed = change()
        self.commit()
        return etag_response(
            self.request, read(changed), status_code=201 if current is None else 200
        )

    def _request_hash(self, body: BaseModel | None) -> str:
        payload = body.model_dump_json() if body is not None else ""
        raw = f"{self.request.method} {self.request.url.path}\n{payload}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def create(
        self,
        body: BaseModel | None,
        produce: Callable[[], BaseModel],
        *,
        location: Callable[[Any], str] | None = None,
        status_code: int = 201,
        shows_secret: bool = False,
    ) -> Response:
        """Run ``produce`` once per Idempotency-Key, commit, answer 201 with Location/ETag.

        An answer that ``shows_secret`` (an issued API key) is never stored: a retry with the
        same key answers 409 ``already-created`` pointing at the record, whose secret was shown
        once and exists nowhere at rest."""
        table = self.tables.idempotency_keys
        if self.idempotency_key is not None:
            request_hash = self._request_hash(body)
            try:
                self.session.execute(
                    insert(table).values(
                        key_id=self.identity.key_id,
                        idempotency_key=self.idempotency_key,
                        method=self.request.method,
                        path=self.request.url.path[:500],
                        request_hash=request_hash,
                        created_at=utcnow(),
                    )
                )
            except IntegrityError:
                self.session.rollback()
                return self._replay(request_hash)
        result = produce()
        headers = {"ETag": etag_of(result)}
        if location is not None:
            headers["Location"] = location(result)
        response = JSONResponse(
            result.model_dump(mode="json"), status_code=status_code, headers=headers
        )
        if self.idempotency_key is not None:
            stored = (
                _already_created(headers.get("Location"))
                if shows_secret
                else (status_code, bytes(response.body).decode(), headers)
            )
            self.session.execute(
                update(table)
                .where(
                    table.c.key_id == self.identity.key_id,
                    table.c.idempotency_key == self.idempotency_key,
                )
                .values(status_code=stored[0], response_body=stored[1], response_headers=stored[2])
            )
        self.session.commit()
        return response

    def _replay(self, request_hash: str) -> Response:
        table = self.tables.idempotency_keys
        row = self.session.execute(
            select(table).where(
                table.c.key_id == self.identity.key_id,
                table.c.idempotency_key == self.idempotency_key,
            )
        ).one()
        if row.request_hash != request_hash:
            raise field_problem(
                422,
                IDEMPOTENCY_HEADER,
                "this key was already used with a different request",
                rule="idempotency-key-reused",
                location="header",
            )
        if row.status_code is None:  # pragma: no cover - rows are written with their answer
            raise ProblemError(
                409,
                "the first request with this key is still running",
                type_="idempotency-in-progress",
            )
        headers = dict(row.response_headers or {})
        headers[REPLAY_HEADER] = "true"
        return Response(
            row.response_body,
            status_code=row.status_code,
            media_type=headers.pop("Content-Type", "application/json"),
            headers=headers,
        )


def _already_created(location: str | None) -> tuple[int, str, dict[str, str]]:
    """What a retry of a create whose answer showed a secret gets instead of that answer."""
    problem = ProblemError(
        409,
        "this Idempotency-Key already created the record at Location; its secret was shown "
        "once and is not kept: revoke it and create another if it was lost",
        type_="already-created",
    ).to_problem(location)
    problem.request_id = None  # the first request's id would be a stranger's to the retry
    headers = {"Content-Type": PROBLEM_MEDIA_TYPE}
    if location is not None:
        headers["Location"] = location
    return 409, problem.model_dump_json(exclude_none=True), headers


async def get_unit_of_work(
    request: Request,
    session: SessionDep,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKeyHeader = None,
) -> UnitOfWork:
    tables = core_of(request.app).common_tables
    return UnitOfWork(session, identity, request, tables, idempotency_key)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
