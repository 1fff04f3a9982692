"""HTTP routes of evaluations: planning, scope and funding, the status machine, the team,
ratings, findings, the quality assessment and documents (thin: parse, call, answer)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.evaluation import evaluations
from services.evaluation.deps import READ, WRITE, ClockDep, LedgerDep, RegistryDep, SettingsDep
from services.evaluation.models import Criterion, EvaluationKind, EvaluationStatus
from services.evaluation.schemas.evaluations import (
    DocumentCreate,
    DocumentRead,
    EvaluationCreate,
    EvaluationRead,
    EvaluationUpdate,
    FindingCreate,
    FindingRead,
    QualityAssessmentRead,
    QualityAssessmentWrite,
    RatingRead,
    RatingWrite,
    TeamMemberCreate,
    TransitionRequest,
)
from shared.deps import IdPath, SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import not_found, problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/evaluations", tags=["evaluations"])


@router.post(
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
        lambda: evaluations.evaluation_read(
            evaluations.create_evaluation(
                db_session=uow.session, data=data, registry=registry, ledger=ledger, today=today
            )
        ),
        location=lambda e: f"/api/v1/evaluations/{e.id}",
    )


@router.get(
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
    items, next_cursor = evaluations.list_evaluations(
        db_session=session,
        cycle_id=cycle_id,
        kind=kind,
        status=status,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[evaluations.evaluation_read(e) for e in items], next_cursor=next_cursor)


@router.get(
    "/{evaluation_id}",
    response_model=EvaluationRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an evaluation",
)
def get_evaluation(evaluation_id: IdPath, session: SessionDep, request: Request) -> Response:
    evaluation = evaluations.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    return etag_response(request, evaluations.evaluation_read(evaluation))


@router.patch(
    "/{evaluation_id}",
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 412, 428, 502, 503, 504),
    summary="Change an evaluation's title, scope, budget or funding (If-Match required)",
)
def update_evaluation(
    evaluation_id: IdPath,
    data: EvaluationUpdate,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    today: ClockDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluation = evaluations.get_evaluation(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    return uow.update(
        evaluation,
        evaluations.evaluation_read,
        lambda: evaluations.update_evaluation(
            db_session=uow.session,
            evaluation=evaluation,
            data=data,
            registry=registry,
            ledger=ledger,
            settings=settings,
            today=today,
        ),
        if_match,
    )


@router.post(
    "/{evaluation_id}/transitions",
    status_code=200,
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 502, 503, 504),
    summary="Move an evaluation to its next status (or cancel / postpone it with a reason)",
)
def transition_evaluation(
    evaluation_id: IdPath,
    data: TransitionRequest,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    settings: SettingsDep,
    today: ClockDep,
) -> Response:
    def produce() -> EvaluationRead:
        evaluation = evaluations.get_evaluation(
            db_session=uow.session, evaluation_id=evaluation_id, for_update=True
        )
        evaluations.transition(
            db_session=uow.session,
            evaluation=evaluation,
            data=data,
            registry=registry,
            settings=settings,
            today=today,
        )
        return evaluations.evaluation_read(evaluation)

    return uow.create(data, produce, status_code=200)


@router.post(
    "/{evaluation_id}/team",
    status_code=201,
    response_model=EvaluationRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409, 502, 503, 504),
    summary="Put an evaluator on the team (independence of the Centre and of the implementing "
    "partners in scope checked, employment history and cooling-off included; a conflict is "
    "a 409)",
)
def assign_evaluator(
    evaluation_id: IdPath,
    data: TeamMemberCreate,
    uow: UnitOfWorkDep,
    registry: RegistryDep,
    settings: SettingsDep,
    today: ClockDep,
) -> Response:
    def produce() -> EvaluationRead:
        evaluation = evaluations.get_evaluation(
            db_session=uow.session, evaluation_id=evaluation_id, for_update=True
        )
        evaluations.assign_evaluator(
            db_session=uow.session,
            evaluation=evaluation,
            data=data,
            registry=registry,
            settings=settings,
            today=today,
        )
        return evaluations.evaluation_read(evaluation)

    return uow.create(data, produce, location=lambda e: f"/api/v1/evaluations/{e.id}")


@router.put(
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
    evaluation_id: IdPath,
    criterion: Criterion,
    data: RatingWrite,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluation = evaluations.get_evaluation(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    rating = evaluations.get_rating(
        db_session=uow.session, evaluation_id=evaluation_id, criterion=criterion, for_update=True
    )
    return uow.update(
        rating,
        lambda r: evaluations.rating_read(r, settings),
        lambda: evaluations.put_rating(
            db_session=uow.session,
            evaluation=evaluation,
            criterion=criterion,
            rating=rating,
            data=data,
            settings=settings,
        ),
        if_match,
    )


@router.get(
    "/{evaluation_id}/ratings",
    response_model=Page[RatingRead],
    dependencies=[READ],
    responses=problem_responses(404),
    summary="The criteria ratings of an evaluation (at most six: one page)",
)
def list_ratings(
    evaluation_id: IdPath, session: SessionDep, settings: SettingsDep
) -> Page[RatingRead]:
    evaluations.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    ratings = evaluations.list_ratings(db_session=session, evaluation_id=evaluation_id)
    return Page(items=[evaluations.rating_read(r, settings) for r in ratings])


@router.post(
    "/{evaluation_id}/findings",
    status_code=201,
    response_model=FindingRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 409),
    summary="Record a finding",
)
def add_finding(evaluation_id: IdPath, data: FindingCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> FindingRead:
        evaluation = evaluations.get_evaluation(
            db_session=uow.session, evaluation_id=evaluation_id, for_update=True
        )
        finding = evaluations.add_finding(db_session=uow.session, evaluation=evaluation, data=data)
        return FindingRead.model_validate(finding)

    return uow.create(data, produce)


@router.get(
    "/{evaluation_id}/findings",
    response_model=Page[FindingRead],
    dependencies=[READ],
    responses=problem_responses(404),
    summary="List an evaluation's findings",
)
def list_findings(
    evaluation_id: IdPath,
    session: SessionDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[FindingRead]:
    evaluations.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    items, next_cursor = evaluations.list_findings(
        db_session=session, evaluation_id=evaluation_id, limit=limit, cursor=cursor
    )
    return Page(items=[FindingRead.model_validate(f) for f in items], next_cursor=next_cursor)


@router.put(
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
    evaluation_id: IdPath,
    data: QualityAssessmentWrite,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluation = evaluations.get_evaluation(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    assessment = evaluations.get_quality_assessment(
        db_session=uow.session, evaluation_id=evaluation_id, for_update=True
    )
    return uow.update(
        assessment,
        lambda a: evaluations.quality_read(a, settings),
        lambda: evaluations.put_quality_assessment(
            db_session=uow.session,
            evaluation=evaluation,
            assessment=assessment,
            data=data,
            settings=settings,
        ),
        if_match,
    )


@router.get(
    "/{evaluation_id}/quality-assessment",
    response_model=QualityAssessmentRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read the quality assessment of the report",
)
def get_quality_assessment(
    evaluation_id: IdPath, session: SessionDep, request: Request, settings: SettingsDep
) -> Response:
    evaluations.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    assessment = evaluations.get_quality_assessment(db_session=session, evaluation_id=evaluation_id)
    if assessment is None:
        raise not_found("quality assessment of evaluation", evaluation_id)
    return etag_response(request, evaluations.quality_read(assessment, settings))


@router.post(
    "/{evaluation_id}/documents",
    status_code=201,
    response_model=DocumentRead,
    dependencies=[WRITE],
    responses=problem_responses(404),
    summary="Register a document (URL, SHA-256 checksum, public flag)",
)
def add_document(evaluation_id: IdPath, data: DocumentCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> DocumentRead:
        evaluation = evaluations.get_evaluation(db_session=uow.session, evaluation_id=evaluation_id)
        document = evaluations.add_document(
            db_session=uow.session, evaluation=evaluation, data=data
        )
        return DocumentRead.model_validate(document)

    return uow.create(data, produce)


@router.get(
    "/{evaluation_id}/documents",
    response_model=Page[DocumentRead],
    dependencies=[READ],
    responses=problem_responses(404),
    summary="List an evaluation's documents",
)
def list_documents(
    evaluation_id: IdPath,
    session: SessionDep,
    public: bool | None = Query(default=None),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[DocumentRead]:
    evaluations.get_evaluation(db_session=session, evaluation_id=evaluation_id)
    items, next_cursor = evaluations.list_documents(
        db_session=session, evaluation_id=evaluation_id, public=public, limit=limit, cursor=cursor
    )
    return Page(items=[DocumentRead.model_validate(d) for d in items], next_cursor=next_cursor)
