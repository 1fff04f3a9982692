"""HTTP routes of the biennial evaluation tracking (thin: parse, call service, answer)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.evaluation import evaluations as service
from services.evaluation import tracking
from services.evaluation.deps import (
    READ,
    TRACK,
    WRITE,
    ClockDep,
    LedgerDep,
    RegistryDep,
    SettingsDep,
    TodayDep,
)
from services.evaluation.models import (
    Criterion,
    EvaluationKind,
    EvaluationStatus,
)
from services.evaluation.schemas.evaluations import (
    CycleTrackingRead,
    DeadlinePage,
    DocumentCreate,
    DocumentRead,
    EvaluationCreate,
    EvaluationRead,
    EvaluationUpdate,
    FindingCreate,
    FindingRead,
    ProjectEvaluationsBatch,
    QualityAssessmentRead,
    QualityAssessmentWrite,
    RatingRead,
    RatingWrite,
    TeamMemberCreate,
    TransitionRequest,
)
from services.evaluation.schemas.recommendations import KeyActionRead
from shared.deps import SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import field_problem, not_found, problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

MAX_BATCH_PROJECTS = 100

# --------------------------------------------------------------------------- evaluations

evaluations = api_router(prefix="/api/v1/evaluations", tags=["evaluations"])


@evaluations.post(
    "",
    status_code=201,
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(409, 502, 503, 504),
    summary="Plan an evaluation (scope checked in the registry, funding in the ledger)",
)
def create_evaluation(
    data: EvaluationCreate,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    ledger: LedgerDep,
    today: ClockDep,
) -> Response:
    return uow.create(
        data,
        lambda: service.evaluation_read(
            service.create_evaluation(
                db_session=uow.session, data=data, registry=registry, ledger=ledger, today=today
            )
        ),
        location=lambda e: f"/api/v1/evaluations/{e.id}",
    )


@evaluations.get(
    "", response_model=Page[EvaluationRead], dependencies=[READ], summary="List evaluations"
)
def list_evaluations(
    session: SessionDep,
    cycle_id: int | None = Query(default=None),
    kind: EvaluationKind | None = Query(default=None),
    status: EvaluationStatus | None = Query(default=None),
    project_id: int | None = Query(default=None, description="Registry project in scope."),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[EvaluationRead]:
    items, next_cursor = service.list_evaluations(
        db_session=session,
        cycle_id=cycle_id,
        kind=kind,
        status=status,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[service.evaluation_read(e) for e in items], next_cursor=next_cursor)


@evaluations.get(
    "/{evaluation_id}",
    response_model=EvaluationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an evaluation",
)
def get_evaluation(evaluation_id: int, session: SessionDep, request: Request) -> Response:
    evaluation = service.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    return etag_response(request, service.evaluation_read(evaluation))


@evaluations.patch(
    "/{evaluation_id}",
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428, 502, 503, 504),
    summary="Change an evaluation's title, scope, budget or funding (If-Match required)",
)
def update_evaluation(
    evaluation_id: int,
    data: EvaluationUpdate,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluation = service.get_evaluation(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    return uow.update(
        evaluation,
        service.evaluation_read,
        lambda: service.update_evaluation(
            db_session=uow.session,
            evaluation=evaluation,
            data=data,
            registry=registry,
            ledger=ledger,
            settings=settings,
        ),
        if_match,
    )


@evaluations.post(
    "/{evaluation_id}/transitions",
    status_code=200,
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 502, 503, 504),
    summary="Move an evaluation to its next status (or cancel / postpone it with a reason)",
)
def transition_evaluation(
    evaluation_id: int,
    data: TransitionRequest,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    settings: SettingsDep,
    today: ClockDep,
) -> Response:
    def produce() -> EvaluationRead:
        evaluation = service.get_evaluation(
            db_session=uow.session, evaluation_id=evaluation_id, for_update=True
        )
        service.transition(
            db_session=uow.session,
            evaluation=evaluation,
            data=data,
            registry=registry,
            settings=settings,
            today=today,
        )
        return service.evaluation_read(evaluation)

    return uow.create(data, produce, status_code=200)


@evaluations.post(
    "/{evaluation_id}/team",
    status_code=201,
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 502, 503, 504),
    summary="Put an evaluator on the team (independence checked; a conflict is a 409)",
)
def assign_evaluator(
    evaluation_id: int,
    data: TeamMemberCreate,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Response:
    def produce() -> EvaluationRead:
        evaluation = service.get_evaluation(
            db_session=uow.session, evaluation_id=evaluation_id, for_update=True
        )
        service.assign_evaluator(
            db_session=uow.session,
            evaluation=evaluation,
            data=data,
            registry=registry,
            settings=settings,
        )
        return service.evaluation_read(evaluation)

    return uow.create(data, produce, location=lambda e: f"/api/v1/evaluations/{e.id}")


@evaluations.put(
    "/{evaluation_id}/ratings/{criterion}",
    response_model=RatingRead,
    dependencies=[WRITE],
    responses={
        **problem_responses(404, 409, 412, 428),
        201: {"model": RatingRead, "description": "Created (the first write)"},
    },
    summary="Rate an OECD-DAC criterion (If-Match required to change an existing rating)",
)
def put_rating(
    evaluation_id: int,
    criterion: Criterion,
    data: RatingWrite,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluation = service.get_evaluation(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    rating = service.get_rating(
        db_session=uow.session, evaluation_id=evaluation_id, criterion=criterion, for_update=True
    )
    return uow.update(
        rating,
        lambda r: service.rating_read(r, settings),
        lambda: service.put_rating(
            db_session=uow.session,
            evaluation=evaluation,
            criterion=criterion,
            rating=rating,
            data=data,
            settings=settings,
        ),
        if_match,
    )


@evaluations.get(
    "/{evaluation_id}/ratings",
    response_model=Page[RatingRead],
    dependencies=[READ],
    responses=problem_responses(404),
    summary="The criteria ratings of an evaluation (at most six: one page)",
)
def list_ratings(
    evaluation_id: int, session: SessionDep, settings: SettingsDep
) -> Page[RatingRead]:
    service.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    ratings = service.list_ratings(db_session=session, evaluation_id=evaluation_id)
    return Page(items=[service.rating_read(r, settings) for r in ratings])


@evaluations.post(
    "/{evaluation_id}/findings",
    status_code=201,
    response_model=FindingRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Record a finding",
)
def add_finding(evaluation_id: int, data: FindingCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> FindingRead:
        evaluation = service.get_evaluation(
            db_session=uow.session, evaluation_id=evaluation_id, for_update=True
        )
        finding = service.add_finding(db_session=uow.session, evaluation=evaluation, data=data)
        return FindingRead.model_validate(finding)

    return uow.create(data, produce)


@evaluations.get(
    "/{evaluation_id}/findings",
    response_model=Page[FindingRead],
    dependencies=[READ],
    responses=problem_responses(404),
    summary="List an evaluation's findings",
)
def list_findings(
    evaluation_id: int,
    session: SessionDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[FindingRead]:
    service.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    items, next_cursor = service.list_findings(
        db_session=session, evaluation_id=evaluation_id, limit=limit, cursor=cursor
    )
    return Page(items=[FindingRead.model_validate(f) for f in items], next_cursor=next_cursor)


@evaluations.put(
    "/{evaluation_id}/quality-assessment",
    response_model=QualityAssessmentRead,
    dependencies=[WRITE],
    responses={
        **problem_responses(404, 409, 412, 428),
        201: {"model": QualityAssessmentRead, "description": "Created (the first write)"},
    },
    summary="Assess the quality of the report (If-Match required to change an assessment)",
)
def put_quality_assessment(
    evaluation_id: int,
    data: QualityAssessmentWrite,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluation = service.get_evaluation(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    assessment = service.get_quality_assessment(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    return uow.update(
        assessment,
        lambda a: service.quality_read(a, settings),
        lambda: service.put_quality_assessment(
            db_session=uow.session,
            evaluation=evaluation,
            assessment=assessment,
            data=data,
            settings=settings,
        ),
        if_match,
    )


@evaluations.get(
    "/{evaluation_id}/quality-assessment",
    response_model=QualityAssessmentRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read the quality assessment of the report",
)
def get_quality_assessment(
    evaluation_id: int, session: SessionDep, request: Request, settings: SettingsDep
) -> Response:
    service.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    assessment = service.get_quality_assessment(db_session=session, evaluation_id=evaluation_id)
    if assessment is None:
        raise not_found("quality assessment of evaluation", evaluation_id)
    return etag_response(request, service.quality_read(assessment, settings))


@evaluations.post(
    "/{evaluation_id}/documents",
    status_code=201,
    response_model=DocumentRead,
    dependencies=[WRITE],
    responses=problem_responses(404),
    summary="Register a document (URL, SHA-256 checksum, public flag)",
)
def add_document(evaluation_id: int, data: DocumentCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> DocumentRead:
        evaluation = service.get_evaluation(db_session=uow.session, evaluation_id=evaluation_id)
        document = service.add_document(db_session=uow.session, evaluation=evaluation, data=data)
        return DocumentRead.model_validate(document)

    return uow.create(data, produce)


@evaluations.get(
    "/{evaluation_id}/documents",
    response_model=Page[DocumentRead],
    dependencies=[READ],
    responses=problem_responses(404),
    summary="List an evaluation's documents",
)
def list_documents(
    evaluation_id: int,
    session: SessionDep,
    public: bool | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[DocumentRead]:
    service.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    items, next_cursor = service.list_documents(
        db_session=session, evaluation_id=evaluation_id, public=public, limit=limit, cursor=cursor
    )
    return Page(items=[DocumentRead.model_validate(d) for d in items], next_cursor=next_cursor)


# --------------------------------------------------------------------------- tracking

tracking_router = api_router(
    prefix="/api/v1/evaluation-tracking", tags=["evaluation tracking"], dependencies=[TRACK]
)


@tracking_router.get(
    "/deadlines",
    response_model=DeadlinePage,
    summary="Unmet deadlines in the next N days (cycle milestones, responses, key actions)",
)
def deadlines(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    within_days: int = Query(default=30, ge=0, le=366),
) -> DeadlinePage:
    return DeadlinePage(
        items=tracking.deadlines(
            db_session=session, today=today, within_days=within_days, settings=settings
        )
    )


@tracking_router.get(
    "/overdue-actions",
    response_model=Page[KeyActionRead],
    summary="Key actions open and past due, oldest due first",
)
def overdue_actions(
    session: SessionDep,
    today: TodayDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[KeyActionRead]:
    items, next_cursor = tracking.overdue_actions(
        db_session=session, today=today, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@tracking_router.get(
    "/cycles",
    response_model=Page[CycleTrackingRead],
    summary="Per cycle: acceptance and implementation rates, timeliness, paragraph-11 compliance",
)
def cycle_tracking(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[CycleTrackingRead]:
    items, next_cursor = tracking.cycle_tracking(
        db_session=session, today=today, settings=settings, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


def _project_ids(ids: str) -> list[int]:
    try:
        values = [int(part) for part in ids.split(",")]
    except ValueError:
        values = []
    if not values or any(v < 1 for v in values):
        raise field_problem(
            422,
            "ids",
            "give registry project ids as positive integers separated by commas",
            rule="project-id-list",
            location="query",
        )
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_BATCH_PROJECTS:
        raise field_problem(
            422,
            "ids",
            f"at most {MAX_BATCH_PROJECTS} project ids per call",
            rule="too-many-ids",
            location="query",
        )
    return unique


@tracking_router.get(
    "/projects",
    response_model=ProjectEvaluationsBatch,
    summary="For the gateway: per registry project, its evaluations, open recommendations "
    "and overdue key actions (one call for many projects)",
)
def projects_view(
    session: SessionDep,
    today: TodayDep,
    ids: str = Query(max_length=2000, description="Comma-separated project ids, e.g. 1,2,3."),
) -> ProjectEvaluationsBatch:
    items = tracking.projects_view(db_session=session, project_ids=_project_ids(ids), today=today)
    return ProjectEvaluationsBatch(items=items, as_of=today)
