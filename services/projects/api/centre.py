"""Routes of the Centre's profile and its history."""

from __future__ import annotations

from fastapi import Request, Response

from services.projects import centre
from services.projects.deps import ADMIN, READ
from services.projects.schemas.centre import CentreRead, CentreRevisionRead, CentreUpdate
from shared.deps import SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/centre", tags=["centre"])


@router.get(
    "",
    response_model=CentreRead,
    dependencies=[READ],
    summary="The Centre: seat, head, terms of reference, IATI organisation identifier",
)
def get_centre(session: SessionDep, request: Request) -> Response:
    profile = centre.get_centre(db_session=session)
    return etag_response(request, CentreRead.model_validate(profile))


@router.put(
    "",
    response_model=CentreRead,
    dependencies=[ADMIN],
    responses=problem_responses(412, 428),
    summary="Change the Centre's profile (admin; If-Match required; kept in history)",
)
def put_centre(data: CentreUpdate, uow: UnitOfWorkDep, if_match: IfMatchHeader = None) -> Response:
    profile = centre.get_centre(db_session=uow.session, for_update=True)
    return uow.update(
        profile,
        CentreRead.model_validate,
        lambda: centre.update_centre(
            db_session=uow.session,
            centre=profile,
            data=data,
            actor=uow.identity.actor or uow.identity.key_id,
        ),
        if_match,
    )


@router.get(
    "/history",
    response_model=Page[CentreRevisionRead],
    dependencies=[READ],
    responses=problem_responses(),
    summary="Past versions of the profile, newest first",
)
def centre_history(
    session: SessionDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[CentreRevisionRead]:
    items, next_cursor = centre.list_revisions(db_session=session, limit=limit, cursor=cursor)
    return Page(
        items=[CentreRevisionRead.model_validate(r) for r in items], next_cursor=next_cursor
    )
