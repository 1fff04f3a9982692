"""HTTP routes of contributors (thin: parse, call :mod:`services.funding.contributors`, answer)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.funding import contributors
from services.funding.deps import READ, WRITE, RegistryDep
from services.funding.models import ContributorType
from services.funding.schemas.contributors import (
    ContributorCreate,
    ContributorRead,
    ContributorUpdate,
)
from shared.deps import IdPath
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, SessionDep, UnitOfWorkDep

router = api_router(prefix="/api/v1/contributors", tags=["contributors"])


@router.post(
    "",
    status_code=201,
    response_model=ContributorRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Register a contributor",
)
def create_contributor(
    data: ContributorCreate, uow: UnitOfWorkDep, registry: RegistryDep
) -> Response:
    seat = registry.seat_country() if data.type in contributors.STATE_TYPES else None
    return uow.create(
        data,
        lambda: ContributorRead.model_validate(
            contributors.create_contributor(db_session=uow.session, data=data, seat_country=seat)
        ),
        location=lambda c: f"/api/v1/contributors/{c.id}",
    )


@router.get(
    "",
    response_model=Page[ContributorRead],
    dependencies=[READ],
    summary="List contributors",
)
def list_contributors(
    session: SessionDep,
    type: ContributorType | None = Query(default=None),
    country: str | None = Query(default=None, pattern=r"^[A-Z]{2}$"),
    q: str | None = Query(default=None, max_length=200, description="Text in the name."),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ContributorRead]:
    items, next_cursor = contributors.list_contributors(
        db_session=session, type_=type, country=country, q=q, limit=limit, cursor=cursor
    )
    return Page(items=[ContributorRead.model_validate(c) for c in items], next_cursor=next_cursor)


@router.get(
    "/{contributor_id}",
    response_model=ContributorRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a contributor",
)
def get_contributor(contributor_id: IdPath, session: SessionDep, request: Request) -> Response:
    contributor = contributors.get_contributor(db_session=session, contributor_id=contributor_id)
    return etag_response(request, ContributorRead.model_validate(contributor))


@router.patch(
    "/{contributor_id}",
    response_model=ContributorRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a contributor (If-Match required)",
)
def update_contributor(
    contributor_id: IdPath,
    data: ContributorUpdate,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    if_match: IfMatchHeader = None,
) -> Response:
    touches_state = bool(data.model_fields_set & {"type", "country"})
    seat = registry.seat_country() if touches_state else None
    contributor = contributors.get_contributor(
        db_session=uow.session, contributor_id=contributor_id, for_update=True
    )
    return uow.update(
        contributor,
        ContributorRead.model_validate,
        lambda: contributors.update_contributor(
            db_session=uow.session, contributor=contributor, data=data, seat_country=seat
        ),
        if_match,
    )


routers = (router,)
