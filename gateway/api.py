"""The gateway's own routes: API-key administration (admin scope)."""

from __future__ import annotations

from fastapi import Depends, Query, Request, Response

from gateway import keys
from gateway.deps import gateway_of
from gateway.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyRead
from gateway.security import authenticate
from shared.auth import require_scope
from shared.deps import SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import UnitOfWorkDep

api_keys = api_router(
    prefix="/api/v1/api-keys",
    tags=["api-keys"],
    dependencies=[Depends(authenticate), require_scope("admin")],
)


@api_keys.post(
    "",
    status_code=201,
    response_model=ApiKeyIssued,
    responses=problem_responses(409),
    summary="Issue an API key (its secret is shown once)",
    description="The secret (`api_key`) is in this answer only; nothing at rest holds it. A "
    "retry with the same `Idempotency-Key` answers 409 `already-created` with the key's "
    "`Location`, never the secret again.",
)
def create_api_key(data: ApiKeyCreate, uow: UnitOfWorkDep) -> Response:
    def issue() -> ApiKeyIssued:
        issued = keys.issue_key(
            db_session=uow.session,
            name=data.name,
            scopes=list(data.scopes),
            created_by=uow.identity.actor or uow.identity.key_id,
        )
        read = ApiKeyRead.model_validate(issued.key)
        return ApiKeyIssued(**read.model_dump(), api_key=issued.token)

    return uow.create(
        data, issue, location=lambda k: f"/api/v1/api-keys/{k.key_id}", shows_secret=True
    )


@api_keys.get("", response_model=Page[ApiKeyRead], summary="List API keys")
def list_api_keys(
    session: SessionDep,
    include_revoked: bool = Query(default=False),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ApiKeyRead]:
    items, next_cursor = keys.list_keys(
        db_session=session, include_revoked=include_revoked, limit=limit, cursor=cursor
    )
    return Page(items=[ApiKeyRead.model_validate(k) for k in items], next_cursor=next_cursor)


@api_keys.get(
    "/{key_id}",
    response_model=ApiKeyRead,
    responses=problem_responses(404),
    summary="Read an API key (never its secret)",
)
def get_api_key(key_id: str, session: SessionDep, request: Request) -> Response:
    key = keys.get_key(db_session=session, key_id=key_id)
    return etag_response(request, ApiKeyRead.model_validate(key))


@api_keys.delete(
    "/{key_id}",
    status_code=204,
    responses=problem_responses(404, 409),
    summary="Revoke an API key (it stays listed as revoked)",
)
def revoke_api_key(key_id: str, uow: UnitOfWorkDep, request: Request) -> Response:
    key = keys.get_key(db_session=uow.session, key_id=key_id, for_update=True)
    keys.revoke_key(db_session=uow.session, key=key)
    uow.commit()
    gateway_of(request.app).key_verifier.clear()
    return Response(status_code=204)


routers = (api_keys,)
