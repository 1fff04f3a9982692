"""Routes of the projects of the registry: register, list, read (one or a batch), change."""

from __future__ import annotations

from fastapi import Request, Response

from services.projects import projects, reads
from services.projects.deps import READ, WRITE, BatchIdsDep, FilterDep
from services.projects.schemas.projects import (
    ProjectBatch,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)
from shared.deps import IdPath, SessionDep
from shared.etag import check_if_match, etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/projects", tags=["projects"])


@router.post(
    "",
    status_code=201,
    response_model=ProjectRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Register a project",
)
def create_project(data: ProjectCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: reads.project_read(
            uow.session, projects.create_project(db_session=uow.session, data=data).id
        ),
        location=lambda p: f"/api/v1/projects/{p.id}",
    )


@router.get(
    "",
    response_model=Page[ProjectRead],
    dependencies=[READ],
    responses=problem_responses(),
    summary="List projects (filters AND together)",
)
def list_projects(
    session: SessionDep, filters: FilterDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[ProjectRead]:
    items, next_cursor = reads.list_project_reads(
        db_session=session, filters=filters, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/batch",
    response_model=ProjectBatch,
    dependencies=[READ],
    responses=problem_responses(),
    summary=f"Read up to {projects.MAX_BATCH_IDS} projects by id (unknown ids absent)",
)
def batch_projects(session: SessionDep, project_ids: BatchIdsDep) -> ProjectBatch:
    return ProjectBatch(items=reads.project_reads(session, project_ids))


@router.get(
    "/{project_id}",
    response_model=ProjectRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a project",
)
def get_project(project_id: IdPath, session: SessionDep, request: Request) -> Response:
    return etag_response(request, reads.project_read(session, project_id))


@router.patch(
    "/{project_id}",
    response_model=ProjectRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a project (If-Match required; the identifier never changes)",
)
def update_project(
    project_id: IdPath,
    data: ProjectUpdate,
    uow: UnitOfWorkDep,
    request: Request,
    if_match: IfMatchHeader = None,
) -> Response:
    project = projects.get_project(db_session=uow.session, project_id=project_id, for_update=True)
    check_if_match(if_match, reads.project_read(uow.session, project_id))
    projects.update_project(db_session=uow.session, project=project, data=data)
    answer = reads.project_read(uow.session, project_id)
    uow.commit()
    return etag_response(request, answer)
