"""Routes of the organisations of the registry: register, search, read, change."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.projects import organisations
from services.projects.deps import READ, WRITE
from services.projects.schemas.organisations import (
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
)
from shared.deps import IdPath, SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/organisations", tags=["organisations"])


@router.post(
    "",
    status_code=201,
    response_model=OrganisationRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Register an organisation",
)
def create_organisation(data: OrganisationCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: OrganisationRead.model_validate(
            organisations.create_organisation(db_session=uow.session, data=data)
        ),
        location=lambda o: f"/api/v1/organisations/{o.id}",
    )


@router.get(
    "",
    response_model=Page[OrganisationRead],
    dependencies=[READ],
    responses=problem_responses(),
    summary="Search organisations",
)
def list_organisations(
    session: SessionDep,
    type: str | None = Query(
        default=None, pattern=r"^[0-9]{2}$", description="IATI OrganisationType code."
    ),
    country: str | None = Query(default=None, pattern=r"^[A-Z]{2}$"),
    q: str | None = Query(default=None, max_length=200, description="Text in the name."),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[OrganisationRead]:
    items, next_cursor = organisations.list_organisations(
        db_session=session, type_=type, country=country, q=q, limit=limit, cursor=cursor
    )
    return Page(items=[OrganisationRead.model_validate(o) for o in items], next_cursor=next_cursor)


@router.get(
    "/{organisation_id}",
    response_model=OrganisationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an organisation",
)
def get_organisation(organisation_id: IdPath, session: SessionDep, request: Request) -> Response:
    organisation = organisations.get_organisation(
        db_session=session, organisation_id=organisation_id
    )
    return etag_response(request, OrganisationRead.model_validate(organisation))


@router.patch(
    "/{organisation_id}",
    response_model=OrganisationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change an organisation (If-Match required)",
)
def update_organisation(
    organisation_id: IdPath,
    data: OrganisationUpdate,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    organisation = organisations.get_organisation(
        db_session=uow.session, organisation_id=organisation_id, for_update=True
    )
    return uow.update(
        organisation,
        OrganisationRead.model_validate,
        lambda: organisations.update_organisation(
            db_session=uow.session, organisation=organisation, data=data
        ),
        if_match,
    )
