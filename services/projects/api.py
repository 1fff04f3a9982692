"""HTTP routes of the regional project registry (thin: parse, call service, answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from services.projects import action_plans as plans
from services.projects import centre as centre_service
from services.projects import facets as facet_service
from services.projects import iati, reads, service
from services.projects import reference as ref
from services.projects import results as results_service
from services.projects.models import (
    ActionPlanStatus,
    ActivityStatus,
    Dimension,
    ParticipantRole,
)
from services.projects.schemas import (
    ActionPlanAdopt,
    ActionPlanCreate,
    ActionPlanRead,
    ActionPlanUpdate,
    CentreRead,
    CentreRevisionRead,
    CentreUpdate,
    CodelistItemRead,
    CountryRead,
    FacetCount,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    ProjectBatch,
    ProjectCreate,
    ProjectFacets,
    ProjectRead,
    ProjectUpdate,
    ResultsFrameworkBatch,
    ResultsFrameworkIn,
    ResultsFrameworkRead,
    SdgGoalRead,
    SdgIndicatorRead,
    SdgTargetRead,
    VocabularyEntryRead,
)
from shared.auth import require_scope
from shared.deps import SessionDep
from shared.etag import check_if_match, etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import field_problem, problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

READ = require_scope("projects:read")
WRITE = require_scope("projects:write")

# ------------------------------------------------------------------ reference

reference = api_router(tags=["reference"], dependencies=[READ])


@reference.get(
    "/api/v1/sdg/goals",
    response_model=Page[SdgGoalRead],
    summary="The 17 SDG goals (Source: United Nations)",
)
def list_sdg_goals(request: Request) -> Response:
    items = [
        SdgGoalRead(
            code=g.code,
            title=g.title,
            target_count=len(g.targets),
            dimensions=list(ref.dimensions_for_goal(g.code)),
        )
        for g in ref.sdg_goals()
    ]
    return etag_response(request, Page(items=items))


@reference.get(
    "/api/v1/sdg/targets",
    response_model=Page[SdgTargetRead],
    responses=problem_responses(),
    summary="SDG targets, optionally of one goal",
)
def list_sdg_targets(
    request: Request, goal: str | None = Query(default=None, max_length=2)
) -> Response:
    if goal is not None and ref.sdg_goal(goal) is None:
        raise field_problem(
            422,
            "goal",
            f"{goal!r} is not an SDG goal (1-17)",
            rule="unknown-sdg-goal",
            location="query",
        )
    targets = ref.targets_of_goal(goal) if goal is not None else ref.sdg_targets()
    items = [SdgTargetRead(code=t.code, goal=t.goal_code, title=t.title) for t in targets]
    return etag_response(request, Page(items=items))


@reference.get(
    "/api/v1/sdg/indicators",
    response_model=Page[SdgIndicatorRead],
    responses=problem_responses(),
    summary="SDG indicators, optionally of one target",
)
def list_sdg_indicators(
    request: Request, target: str | None = Query(default=None, max_length=5)
) -> Response:
    if target is not None and ref.sdg_target(target) is None:
        raise field_problem(
            422,
            "target",
            f"{target!r} is not an SDG target",
            rule="unknown-sdg-target",
            location="query",
        )
    indicators = ref.indicators_of_target(target) if target is not None else ref.sdg_indicators()
    items = [
        SdgIndicatorRead(code=i.code, target=i.target_code, title=i.title, unsd_code=i.unsd_code)
        for i in indicators
    ]
    return etag_response(request, Page(items=items))


@reference.get(
    "/api/v1/reference/countries",
    response_model=Page[CountryRead],
    summary="ISO 3166-1 countries; the six programme countries marked",
)
def list_countries(
    request: Request,
    programme: bool | None = Query(default=None, description="Only programme countries."),
) -> Response:
    countries = ref.programme_countries() if programme else ref.countries()
    items = [
        CountryRead(
            alpha2=c.alpha2,
            name=c.name,
            programme=c.programme,
            alpha3=c.alpha3,
            m49=c.m49,
            m49_region=c.m49_region,
            regional_platform=c.regional_platform,
        )
        for c in countries
    ]
    return etag_response(request, Page(items=items))


def _entries(entries: tuple[ref.ReferenceEntry, ...]) -> Page[VocabularyEntryRead]:
    return Page(
        items=[
            VocabularyEntryRead(
                code=e.code, name=e.name, description=e.description, former_name=e.former_name
            )
            for e in entries
        ]
    )


@reference.get(
    "/api/v1/reference/speca-groups",
    response_model=Page[VocabularyEntryRead],
    summary="SPECA thematic working groups",
)
def list_speca_groups(request: Request) -> Response:
    return etag_response(request, _entries(ref.speca_groups()))


@reference.get(
    "/api/v1/reference/lldc-priorities",
    response_model=Page[VocabularyEntryRead],
    summary="Priority areas of the Programme of Action for LLDCs 2024-2034",
)
def list_lldc_priorities(request: Request) -> Response:
    return etag_response(request, _entries(ref.lldc_priorities()))


@reference.get(
    "/api/v1/reference/coalitions",
    response_model=Page[VocabularyEntryRead],
    summary="Issue-based coalitions of the Regional Collaborative Platform",
)
def list_coalitions(request: Request) -> Response:
    return etag_response(request, _entries(ref.coalitions()))


@reference.get(
    "/api/v1/reference/dimensions",
    response_model=Page[VocabularyEntryRead],
    summary="The three dimensions of sustainable development",
)
def list_dimensions(request: Request) -> Response:
    return etag_response(request, _entries(ref.dimensions()))


@reference.get(
    "/api/v1/reference/codelists/{name}",
    response_model=Page[CodelistItemRead],
    responses=problem_responses(404),
    summary="An IATI codelist (IATI Standard, http://iatistandard.org/)",
)
def get_codelist(name: str, request: Request) -> Response:
    if name not in ref.codelist_names():
        raise field_problem(
            404, "name", f"no IATI codelist {name!r} is shipped", rule="not-found", location="path"
        )
    items = [
        CodelistItemRead(code=i.code, name=i.name, withdrawn=i.withdrawn)
        for i in ref.codelist(name).items
    ]
    return etag_response(request, Page(items=items))


# -------------------------------------------------------------- organisations

organisations = api_router(prefix="/api/v1/organisations", tags=["organisations"])


@organisations.post(
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
            service.create_organisation(db_session=uow.session, data=data)
        ),
        location=lambda o: f"/api/v1/organisations/{o.id}",
    )


@organisations.get(
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
    items, next_cursor = service.list_organisations(
        db_session=session, type_=type, country=country, q=q, limit=limit, cursor=cursor
    )
    return Page(items=[OrganisationRead.model_validate(o) for o in items], next_cursor=next_cursor)


@organisations.get(
    "/{organisation_id}",
    response_model=OrganisationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an organisation",
)
def get_organisation(organisation_id: int, session: SessionDep, request: Request) -> Response:
    organisation = service.get_organisation(db_session=session, organisation_id=organisation_id)
    return etag_response(request, OrganisationRead.model_validate(organisation))


@organisations.patch(
    "/{organisation_id}",
    response_model=OrganisationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change an organisation (If-Match required)",
)
def update_organisation(
    organisation_id: int,
    data: OrganisationUpdate,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    organisation = service.get_organisation(
        db_session=uow.session, organisation_id=organisation_id, for_update=True
    )
    return uow.update(
        organisation,
        OrganisationRead.model_validate,
        lambda: service.update_organisation(
            db_session=uow.session, organisation=organisation, data=data
        ),
        if_match,
    )


# ------------------------------------------------------------------- projects

projects = api_router(prefix="/api/v1/projects", tags=["projects"])


async def project_filter(
    country: str | None = Query(
        default=None, pattern=r"^[A-Z]{2}$", description="Recipient country (ISO alpha-2)."
    ),
    sdg_goal: str | None = Query(default=None, max_length=2, alias="goal"),
    sdg_target: str | None = Query(default=None, max_length=5, alias="target"),
    dimension: Dimension | None = Query(default=None),
    status: ActivityStatus | None = Query(default=None, description="IATI activity status."),
    organisation_id: int | None = Query(default=None, alias="organisation"),
    role: ParticipantRole | None = Query(default=None, description="With organisation, its role."),
    speca_group: str | None = Query(default=None, max_length=60),
    lldc_priority: str | None = Query(default=None, max_length=2),
    coalition: str | None = Query(default=None, max_length=60),
    action_plan_version: int | None = Query(default=None, ge=1),
    year_active: int | None = Query(
        default=None, ge=1990, le=2100, description="Active at some time in this year."
    ),
    q: str | None = Query(default=None, max_length=200, description="Text in title/description."),
) -> service.ProjectFilter:
    return service.ProjectFilter(
        country=country,
        sdg_goal=sdg_goal,
        sdg_target=sdg_target,
        dimension=dimension,
        status=status,
        organisation_id=organisation_id,
        role=role,
        speca_group=speca_group,
        lldc_priority=lldc_priority,
        coalition=coalition,
        action_plan_version=action_plan_version,
        year_active=year_active,
        q=q,
    )


FilterDep = Annotated[service.ProjectFilter, Depends(project_filter)]


@projects.post(
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
            uow.session, service.create_project(db_session=uow.session, data=data).id
        ),
        location=lambda p: f"/api/v1/projects/{p.id}",
    )


@projects.get(
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


@projects.get(
    "/facets",
    response_model=ProjectFacets,
    dependencies=[READ],
    responses=problem_responses(),
    summary="Counts per country, goal, dimension and status for the filter",
)
def project_facets(session: SessionDep, filters: FilterDep) -> ProjectFacets:
    facets = facet_service.project_facets(db_session=session, filters=filters)
    return ProjectFacets(
        total=facets["total"],
        **{
            name: [FacetCount(code=code, count=n) for code, n in facets[name]]
            for name in ("country", "sdg_goal", "dimension", "status")
        },
    )


@projects.get(
    "/batch",
    response_model=ProjectBatch,
    dependencies=[READ],
    responses=problem_responses(),
    summary=f"Read up to {service.MAX_BATCH_IDS} projects by id (unknown ids absent)",
)
def batch_projects(
    session: SessionDep,
    ids: str = Query(
        max_length=1200,
        pattern=r"^\d{1,10}(,\d{1,10})*$",
        description="Comma-separated project ids, e.g. 1,2,3.",
    ),
) -> ProjectBatch:
    project_ids = [int(i) for i in ids.split(",")]
    return ProjectBatch(items=reads.project_reads(session, project_ids))


@projects.get(
    "/batch/results",
    response_model=ResultsFrameworkBatch,
    dependencies=[READ],
    responses=problem_responses(),
    summary=f"Results frameworks with progress of up to {service.MAX_BATCH_IDS} projects",
)
def batch_results(
    session: SessionDep,
    ids: str = Query(
        max_length=1200,
        pattern=r"^\d{1,10}(,\d{1,10})*$",
        description="Comma-separated project ids, e.g. 1,2,3.",
    ),
) -> ResultsFrameworkBatch:
    project_ids = [int(i) for i in ids.split(",")]
    service.check_batch_size(project_ids)
    return ResultsFrameworkBatch(items=results_service.framework_reads(session, project_ids))


@projects.get(
    "/{project_id}",
    response_model=ProjectRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a project",
)
def get_project(project_id: int, session: SessionDep, request: Request) -> Response:
    return etag_response(request, reads.project_read(session, project_id))


@projects.patch(
    "/{project_id}",
    response_model=ProjectRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a project (If-Match required; the identifier never changes)",
)
def update_project(
    project_id: int,
    data: ProjectUpdate,
    uow: UnitOfWorkDep,
    request: Request,
    if_match: IfMatchHeader = None,
) -> Response:
    project = service.get_project(db_session=uow.session, project_id=project_id, for_update=True)
    check_if_match(if_match, reads.project_read(uow.session, project_id))
    service.update_project(db_session=uow.session, project=project, data=data)
    answer = reads.project_read(uow.session, project_id)
    uow.commit()
    return etag_response(request, answer)


@projects.get(
    "/{project_id}/results",
    response_model=ResultsFrameworkRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="The project's results framework with computed progress",
)
def get_results(project_id: int, session: SessionDep, request: Request) -> Response:
    return etag_response(request, results_service.framework_of(session, project_id))


@projects.put(
    "/{project_id}/results",
    response_model=ResultsFrameworkRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 412, 428),
    summary="Replace the results framework (If-Match of the framework's ETag)",
)
def put_results(
    project_id: int,
    data: ResultsFrameworkIn,
    uow: UnitOfWorkDep,
    request: Request,
    if_match: IfMatchHeader = None,
) -> Response:
    project = service.get_project(db_session=uow.session, project_id=project_id, for_update=True)
    check_if_match(if_match, results_service.framework_read(project))
    results_service.replace_results(db_session=uow.session, project=project, data=data)
    uow.commit()
    uow.session.expire_all()
    return etag_response(request, results_service.framework_of(uow.session, project_id))


# --------------------------------------------------------------------- Centre

centre = api_router(prefix="/api/v1/centre", tags=["centre"])


@centre.get(
    "",
    response_model=CentreRead,
    dependencies=[READ],
    summary="The Centre: seat, head, terms of reference, IATI organisation identifier",
)
def get_centre(session: SessionDep, request: Request) -> Response:
    profile = service.get_centre(db_session=session)
    return etag_response(request, CentreRead.model_validate(profile))


@centre.put(
    "",
    response_model=CentreRead,
    dependencies=[require_scope("admin")],
    responses=problem_responses(412, 428),
    summary="Change the Centre's profile (admin; If-Match required; kept in history)",
)
def put_centre(data: CentreUpdate, uow: UnitOfWorkDep, if_match: IfMatchHeader = None) -> Response:
    profile = service.get_centre(db_session=uow.session, for_update=True)
    return uow.update(
        profile,
        CentreRead.model_validate,
        lambda: centre_service.update_centre(
            db_session=uow.session,
            centre=profile,
            data=data,
            actor=uow.identity.actor or uow.identity.key_id,
        ),
        if_match,
    )


@centre.get(
    "/history",
    response_model=Page[CentreRevisionRead],
    dependencies=[READ],
    responses=problem_responses(),
    summary="Past versions of the profile, newest first",
)
def centre_history(
    session: SessionDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[CentreRevisionRead]:
    items, next_cursor = centre_service.list_revisions(
        db_session=session, limit=limit, cursor=cursor
    )
    return Page(
        items=[CentreRevisionRead.model_validate(r) for r in items], next_cursor=next_cursor
    )


# ------------------------------------------------------------- action plans

action_plans = api_router(prefix="/api/v1/action-plans", tags=["action plans"])


@action_plans.post(
    "",
    status_code=201,
    response_model=ActionPlanRead,
    dependencies=[WRITE],
    responses=problem_responses(409),
    summary="Draft a new version of the comprehensive action plan",
)
def create_action_plan(data: ActionPlanCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: plans.action_plan_read(plans.create_action_plan(db_session=uow.session, data=data)),
        location=lambda p: f"/api/v1/action-plans/{p.id}",
    )


@action_plans.get(
    "",
    response_model=Page[ActionPlanRead],
    dependencies=[READ],
    responses=problem_responses(),
    summary="Versions, newest first",
)
def list_action_plans(
    session: SessionDep,
    status: ActionPlanStatus | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[ActionPlanRead]:
    items, next_cursor = plans.list_action_plans(
        db_session=session, status=status, limit=limit, cursor=cursor
    )
    return Page(items=[plans.action_plan_read(p) for p in items], next_cursor=next_cursor)


@action_plans.get(
    "/{action_plan_id}",
    response_model=ActionPlanRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read a version",
)
def get_action_plan(action_plan_id: int, session: SessionDep, request: Request) -> Response:
    plan = plans.get_action_plan(db_session=session, action_plan_id=action_plan_id)
    return etag_response(request, plans.action_plan_read(plan))


@action_plans.patch(
    "/{action_plan_id}",
    response_model=ActionPlanRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Change a draft version (If-Match required)",
)
def update_action_plan(
    action_plan_id: int,
    data: ActionPlanUpdate,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    plan = plans.get_action_plan(
        db_session=uow.session, action_plan_id=action_plan_id, for_update=True
    )
    return uow.update(
        plan,
        plans.action_plan_read,
        lambda: plans.update_action_plan(db_session=uow.session, plan=plan, data=data),
        if_match,
    )


@action_plans.post(
    "/{action_plan_id}/adopt",
    response_model=ActionPlanRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428),
    summary="Adopt a draft; the adopted version is superseded atomically",
)
def adopt_action_plan(
    action_plan_id: int,
    data: ActionPlanAdopt,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    plan = plans.get_action_plan(
        db_session=uow.session, action_plan_id=action_plan_id, for_update=True
    )
    return uow.update(
        plan,
        plans.action_plan_read,
        lambda: plans.adopt_action_plan(db_session=uow.session, plan=plan, data=data),
        if_match,
    )


# ---------------------------------------------------------------------- IATI

iati_router = api_router(prefix="/api/v1/iati", tags=["IATI 2.03"])
XML_MEDIA_TYPE = "application/xml"
_XML_BODY = {"schema": {"type": "string", "format": "binary"}}


class ImportSummary(BaseModel):
    created: list[int]
    updated: list[int]


@iati_router.get(
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


@iati_router.post(
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


routers = (reference, organisations, projects, centre, action_plans, iati_router)
