"""Routes of the IATI 2.03 exchange: export the filtered projects, import a document."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from services.projects import iati
from services.projects.deps import READ, WRITE, FilterDep
from services.projects.schemas.iati import ImportSummary
from shared.deps import SessionDep
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import UnitOfWorkDep

router = api_router(prefix="/api/v1/iati", tags=["IATI 2.03"])
XML_MEDIA_TYPE = "application/xml"
_XML_BODY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/activities",
    dependencies=[READ],
    responses={
        **problem_responses(),
        200: {"content": {XML_MEDIA_TYPE: _XML_BODY}, "description": "iati-activities 2.03"},
    },
    response_class=Response,
    summary="The filtered projects as an IATI 2.03 iati-activities document",
)
def export_activities(session: SessionDep, filters: FilterDep) -> Response:
    document = iati.export_activities(db_session=session, filters=filters)
    return Response(document, media_type=XML_MEDIA_TYPE)


@router.post(
    "/activities",
    response_model=ImportSummary,
    dependencies=[WRITE],
    responses=problem_responses(409),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {XML_MEDIA_TYPE: _XML_BODY, "text/xml": _XML_BODY},
        }
    },
    summary="Import an iati-activities document: upsert by identifier, all or nothing",
)
async def import_activities(request: Request, uow: UnitOfWorkDep) -> ImportSummary:
    raw = await request.body()  # bounded by the app's body limit (413 beyond it)

    def run() -> ImportSummary:
        outcome = iati.import_activities(db_session=uow.session, raw=raw)
        uow.commit()
        return ImportSummary(created=outcome.created, updated=outcome.updated)

    return await run_in_threadpool(run)
