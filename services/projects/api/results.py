"""Routes of the projects' results frameworks: read one or a batch, replace one."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.projects import projects, results
from services.projects.deps import READ, WRITE, BatchIdsDep
from services.projects.schemas.results import (
    ResultsFrameworkBatch,
    ResultsFrameworkIn,
    ResultsFrameworkRead,
)
from shared.deps import IdPath, SessionDep
from shared.etag import check_if_match, etag_response
from shared.problems import problem_responses
from shared.routing import api_router
from shared.types import QueryDate
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/projects", tags=["projects"])


@router.get(
    "/batch/results",
    response_model=ResultsFrameworkBatch,
    dependencies=[READ],
    responses=problem_responses(),
    summary=f"Results frameworks with progress of up to {projects.MAX_BATCH_IDS} projects",
)
def batch_results(
    session: SessionDep,
    project_ids: BatchIdsDep,
    periods_ended_by: QueryDate | None = Query(
        default=None,
        description="Only the periods ended on or before this day are shown and count towards "
        "progress (the annual report's results as of the year's end).",
    ),
) -> ResultsFrameworkBatch:
    return ResultsFrameworkBatch(
        items=results.framework_reads(session, project_ids, periods_ended_by)
    )


@router.get(
    "/{project_id}/results",
    response_model=ResultsFrameworkRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="The project's results framework with computed progress",
)
def get_results(project_id: IdPath, session: SessionDep, request: Request) -> Response:
    return etag_response(request, results.framework_of(session, project_id))


@router.put(
    "/{project_id}/results",
    response_model=ResultsFrameworkRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 412, 428),
    summary="Replace the results framework (If-Match of the framework's ETag)",
)
def put_results(
    project_id: IdPath,
    data: ResultsFrameworkIn,
    uow: UnitOfWorkDep,
    request: Request,
    if_match: IfMatchHeader = None,
) -> Response:
    project = projects.get_project(db_session=uow.session, project_id=project_id, for_update=True)
    check_if_match(if_match, results.framework_read(project))
    results.replace_results(db_session=uow.session, project=project, data=data)
    uow.commit()
    uow.session.expire_all()
    return etag_response(request, results.framework_of(uow.session, project_id))
