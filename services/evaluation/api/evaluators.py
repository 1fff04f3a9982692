"""HTTP routes of the evaluator register (thin)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.evaluation import evaluators
from services.evaluation.deps import READ, WRITE
from services.evaluation.schemas.evaluators import (
    EmploymentCreate,
    EmploymentRead,
    EvaluatorCreate,
    EvaluatorRead,
    EvaluatorUpdate,
)
from shared.deps import IdPath, SessionDep
from shared.etag import etag_response
from shared.pagination import CursorParam, LimitParam, Page
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import IfMatchHeader, UnitOfWorkDep

router = api_router(prefix="/api/v1/evaluators", tags=["evaluators"])


@router.post(
    "",
    status_code=201,
    response_model=EvaluatorRead,
    dependencies=[WRITE],
    responses=problem_responses(),
    summary="Register an evaluator with employer, employment history and declaration of interests",
)
def create_evaluator(data: EvaluatorCreate, uow: UnitOfWorkDep) -> Response:
    return uow.create(
        data,
        lambda: EvaluatorRead.model_validate(
            evaluators.create_evaluator(db_session=uow.session, data=data)
        ),
        location=lambda e: f"/api/v1/evaluators/{e.id}",
    )


@router.get("", response_model=Page[EvaluatorRead], dependencies=[READ], summary="List evaluators")
def list_evaluators(
    session: SessionDep,
    q: str | None = Query(default=None, max_length=200, description="Text in the name."),
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[EvaluatorRead]:
    items, next_cursor = evaluators.list_evaluators(
        db_session=session, q=q, limit=limit, cursor=cursor
    )
    return Page(items=[EvaluatorRead.model_validate(e) for e in items], next_cursor=next_cursor)


@router.get(
    "/{evaluator_id}",
    response_model=EvaluatorRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read an evaluator",
)
def get_evaluator(evaluator_id: IdPath, session: SessionDep, request: Request) -> Response:
    evaluator = evaluators.get_evaluator(db_session=session, evaluator_id=evaluator_id)
    return etag_response(request, EvaluatorRead.model_validate(evaluator))


@router.patch(
    "/{evaluator_id}",
    response_model=EvaluatorRead,
    dependencies=[WRITE],
    responses=problem_responses(404, 412, 428),
    summary="Change an evaluator (If-Match required)",
)
def update_evaluator(
    evaluator_id: IdPath,
    data: EvaluatorUpdate,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader = None,
) -> Response:
    evaluator = evaluators.get_evaluator(
        db_session=uow.session, evaluator_id=evaluator_id, for_update=True
    )
    return uow.update(
        evaluator,
        EvaluatorRead.model_validate,
        lambda: evaluators.update_evaluator(db_session=uow.session, evaluator=evaluator, data=data),
        if_match,
    )


@router.post(
    "/{evaluator_id}/employments",
    status_code=201,
    response_model=EmploymentRead,
    dependencies=[WRITE],
    responses=problem_responses(404),
    summary="Add an employment to an evaluator's history (employer, from, to)",
)
def add_employment(evaluator_id: IdPath, data: EmploymentCreate, uow: UnitOfWorkDep) -> Response:
    def produce() -> EmploymentRead:
        evaluator = evaluators.get_evaluator(
            db_session=uow.session, evaluator_id=evaluator_id, for_update=True
        )
        return EmploymentRead.model_validate(
            evaluators.add_employment(db_session=uow.session, evaluator=evaluator, data=data)
        )

    return uow.create(
        data,
        produce,
        location=lambda e: f"/api/v1/evaluators/{evaluator_id}/employments/{e.id}",
    )


@router.get(
    "/{evaluator_id}/employments/{employment_id}",
    response_model=EmploymentRead,
    dependencies=[READ],
    responses=problem_responses(404),
    summary="Read one employment of an evaluator",
)
def get_employment(
    evaluator_id: IdPath, employment_id: IdPath, session: SessionDep, request: Request
) -> Response:
    employment = evaluators.get_employment(
        db_session=session, evaluator_id=evaluator_id, employment_id=employment_id
    )
    return etag_response(request, EmploymentRead.model_validate(employment))
