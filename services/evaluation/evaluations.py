"""Evaluations: planning one (kind, cycle, scope in the registry, funding in the ledger), the
status machine and its history, the team (independence checked through the evaluators
module), and the report's content: criteria ratings, findings, quality assessment, documents.

One function per rule; no FastAPI here and callers commit. The read models (``*_read``)
compute what depends on the settings (rating labels), so nothing computed is ever stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.evaluation.clients import FundingLedger, ProjectRegistry, RegistryProject
from services.evaluation.evaluators import Independence, check_team_independence
from services.evaluation.models import (
    Criterion,
    CriterionRating,
    Evaluation,
    EvaluationCycle,
    EvaluationDocument,
    EvaluationFundingSource,
    EvaluationKind,
    EvaluationProject,
    EvaluationStatus,
    Evaluator,
    Finding,
    ManagementResponse,
    QualityAssessment,
    Recommendation,
    StatusChange,
    TeamMember,
    TeamRole,
)
from services.evaluation.numbering import next_number
from services.evaluation.schemas.evaluations import (
    DocumentCreate,
    EvaluationCreate,
    EvaluationRead,
    EvaluationUpdate,
    FindingCreate,
    FundingSource,
    Money,
    QualityAssessmentRead,
    QualityAssessmentWrite,
    RatingRead,
    RatingWrite,
    StatusChangeRead,
    TeamMemberCreate,
    TeamMemberRead,
    TransitionRequest,
)
from services.evaluation.settings import Settings
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem, not_found
from shared.types import refuse_nulls

# --------------------------------------------------------------------------- status history


def independent_evaluations(db_session: Session, cycle_ids: Iterable[int]) -> dict[int, Evaluation]:
    """The live (not cancelled) independent evaluation of each cycle, by cycle id."""
    ids = list(cycle_ids)
    if not ids:
        return {}
    rows = db_session.execute(
        select(Evaluation).where(
            Evaluation.cycle_id.in_(ids),
            Evaluation.kind == EvaluationKind.INDEPENDENT_CENTRE,
            Evaluation.status != EvaluationStatus.CANCELLED,
        )
    ).scalars()
    return {e.cycle_id: e for e in rows if e.cycle_id is not None}


def reached_on(evaluation: Evaluation | None, status: EvaluationStatus) -> dt.date | None:
    """The day ``evaluation`` first reached ``status`` (None when it has not)."""
    if evaluation is None:
        return None
    for change in evaluation.history:
        if change.to_status == status:
            return change.effective_on
    return None


# --------------------------------------------------------------------------- scope


def _projects_in_scope(
    registry: ProjectRegistry, project_ids: Sequence[int]
) -> list[RegistryProject]:
    """Each project from the registry; an unknown id is a 422 naming it."""
    projects: list[RegistryProject] = []
    for index, project_id in enumerate(project_ids):
        project = registry.project(project_id)
        if project is None:
            raise field_problem(
                422,
                f"project_ids.{index}",
                f"project {project_id} is not in the regional project registry",
                rule="unknown-project",
            )
        projects.append(project)
    return projects


def _period(cycle: EvaluationCycle | None) -> tuple[dt.date, dt.date] | None:
    return (cycle.period_start, cycle.period_end) if cycle is not None else None


def team_must_be_independent_of(
    registry: ProjectRegistry,
    evaluation: Evaluation,
    *,
    on: dt.date,
    settings: Settings,
    projects: Sequence[RegistryProject] | None = None,
) -> Independence:
    """What the team must be independent of on ``on``: the Centre (its identifier from the
    registry's profile) and the implementing partners of the projects in scope, which for a
    Centre-wide evaluation (no project list, or the independent evaluation of the Centre
    whatever it lists) include every project active in the period it covers (the cycle's; the
    whole registry for an evaluation without a cycle)."""
    period = _period(evaluation.cycle)
    if projects is None:
        listed = [p.project_id for p in evaluation.projects]
        projects = _projects_in_scope(registry, listed) if listed else []
    if not projects or evaluation.kind is EvaluationKind.INDEPENDENT_CENTRE:
        known = {p.id for p in projects}
        active = registry.projects_active(period)
        projects = [*projects, *(p for p in active if p.id not in known)]
    return Independence(
        centre=registry.centre(),
        projects=projects,
        on=on,
        cooling_off_years=settings.cooling_off_years,
        period_start=period[0] if period else None,
    )


def _check_in_period(projects: Sequence[RegistryProject], cycle: EvaluationCycle | None) -> None:
    """An evaluation of a cycle looks at projects active in the period the cycle covers."""
    if cycle is None:
        return
    for index, project in enumerate(projects):
        if not project.active_between(cycle.period_start, cycle.period_end):
            raise field_problem(
                422,
                f"project_ids.{index}",
                f"project {project.id} was not active in the period cycle {cycle.year} covers "
                f"({cycle.period_start.isoformat()} to {cycle.period_end.isoformat()}; "
                f"project {_span(project)})",
                rule="project-outside-cycle-period",
            )


def _span(project: RegistryProject) -> str:
    if project.start is None:
        return "has no start date"
    end = project.end.isoformat() if project.end else "open"
    return f"runs {project.start.isoformat()} to {end}"


# --------------------------------------------------------------------------- evaluations

_ORDER: tuple[EvaluationStatus, ...] = (
    EvaluationStatus.PLANNED,
    EvaluationStatus.TERMS_OF_REFERENCE_APPROVED,
    EvaluationStatus.EVALUATOR_CONTRACTED,
    EvaluationStatus.INCEPTION,
    EvaluationStatus.DATA_COLLECTION,
    EvaluationStatus.DRAFT_REPORT,
    EvaluationStatus.FINAL_REPORT,
    EvaluationStatus.MANAGEMENT_RESPONSE,
    EvaluationStatus.COMPLETED,
)
_TERMINAL = frozenset({EvaluationStatus.COMPLETED, EvaluationStatus.CANCELLED})
_NEEDS_REASON = frozenset({EvaluationStatus.CANCELLED, EvaluationStatus.POSTPONED})


def allowed_transitions(evaluation: Evaluation) -> set[EvaluationStatus]:
    current = evaluation.status
    if current in _TERMINAL:
        return set()
    if current is EvaluationStatus.POSTPONED:
        resume = evaluation.resume_status or EvaluationStatus.PLANNED
        return {resume, EvaluationStatus.CANCELLED}
    following = _ORDER[_ORDER.index(current) + 1]
    return {following, EvaluationStatus.CANCELLED, EvaluationStatus.POSTPONED}


def _check_scope_named(kind: EvaluationKind, project_ids: Sequence[int]) -> None:
    if kind is EvaluationKind.PROJECT and not project_ids:
        raise field_problem(
            422,
            "project_ids",
            "a project evaluation names at least one registry project",
            rule="scope-required",
        )


def _check_cycle(db_session: Session, data: EvaluationCreate) -> None:
    if data.kind is EvaluationKind.INDEPENDENT_CENTRE and data.cycle_id is None:
        raise field_problem(
            422,
            "cycle_id",
            "the independent evaluation of the Centre belongs to a biennial cycle",
            rule="cycle-required",
        )
    if data.cycle_id is not None and db_session.get(EvaluationCycle, data.cycle_id) is None:
        raise field_problem(
            422, "cycle_id", f"cycle {data.cycle_id} does not exist", rule="unknown-cycle"
        )
    _check_scope_named(data.kind, data.project_ids)
    if data.kind is EvaluationKind.INDEPENDENT_CENTRE:
        # Lock the cycle row so two concurrent requests cannot both create one.
        db_session.execute(
            select(EvaluationCycle.id).where(EvaluationCycle.id == data.cycle_id).with_for_update()
        )
        live = independent_evaluations(db_session, [data.cycle_id or 0])
        if live:
            raise conflict(
                f"cycle {data.cycle_id} already has its independent evaluation "
                f"(evaluation {live[data.cycle_id or 0].id})",
                rule="one-independent-evaluation-per-cycle",
            )


def _check_funding_sources(ledger: FundingLedger, sources: Sequence[FundingSource]) -> None:
    """Each source is in the ledger and can fund now: a signed or active agreement, an
    allocation not reversed (422 naming the source)."""
    for index, source in enumerate(sources):
        found = ledger.source(source.kind, source.id)
        if found is None:
            raise field_problem(
                422,
                f"funding_sources.{index}.id",
                f"{source.kind.value} {source.id} is not in the voluntary-funding ledger; "
                "evaluations are funded from voluntary contributions only (paragraph 11)",
                rule="unknown-funding-source",
            )
        refused = found.unusable()
        if refused is not None:
            rule, why = refused
            raise field_problem(422, f"funding_sources.{index}.id", why, rule=rule)


def create_evaluation(
    *,
    db_session: Session,
    data: EvaluationCreate,
    registry: ProjectRegistry,
    ledger: FundingLedger,
    today: dt.date,
) -> Evaluation:
    _check_cycle(db_session, data)
    cycle = db_session.get(EvaluationCycle, data.cycle_id) if data.cycle_id else None
    _check_in_period(_projects_in_scope(registry, data.project_ids), cycle)
    _check_funding_sources(ledger, data.funding_sources)
    evaluation = Evaluation(
        kind=data.kind,
        title=data.title,
        cycle_id=data.cycle_id,
        status=EvaluationStatus.PLANNED,
        commissioning_entities=list(data.commissioning_entities),
        budget_amount=data.budget.amount if data.budget else None,
        budget_currency=data.budget.currency if data.budget else None,
        projects=[EvaluationProject(project_id=p) for p in data.project_ids],
        funding_sources=[
            EvaluationFundingSource(kind=s.kind, ledger_id=s.id) for s in data.funding_sources
        ],
        history=[
            StatusChange(from_status=None, to_status=EvaluationStatus.PLANNED, effective_on=today)
        ],
    )
    db_session.add(evaluation)
    db_session.flush()
    return evaluation


def get_evaluation(
    *, db_session: Session, evaluation_id: int, for_update: bool = False
) -> Evaluation:
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id)
    if for_update:
        stmt = stmt.with_for_update(of=Evaluation)
    evaluation = db_session.execute(stmt).unique().scalar_one_or_none()
    if evaluation is None:
        raise not_found("evaluation", evaluation_id)
    return evaluation


def ensure_open(evaluation: Evaluation) -> None:
    if evaluation.status in _TERMINAL:
        raise conflict(
            f"evaluation {evaluation.id} is {evaluation.status.value} and can no longer change",
            rule="evaluation-closed",
        )


def update_evaluation(
    *,
    db_session: Session,
    evaluation: Evaluation,
    data: EvaluationUpdate,
    registry: ProjectRegistry,
    ledger: FundingLedger,
    settings: Settings,
    today: dt.date,
) -> Evaluation:
    """Change the title, scope, commissioning entities, budget or funding: check, then write."""
    ensure_open(evaluation)
    changes = data.model_dump(exclude_unset=True)
    _check_update(
        evaluation, data, changes, registry=registry, ledger=ledger, settings=settings, today=today
    )
    _apply_update(evaluation, data, budget_given="budget" in changes)
    db_session.flush()
    return evaluation


def _check_update(
    evaluation: Evaluation,
    data: EvaluationUpdate,
    changes: dict[str, Any],
    *,
    registry: ProjectRegistry,
    ledger: FundingLedger,
    settings: Settings,
    today: dt.date,
) -> None:
    """An update's checks: no required field nulled, a new scope the registry knows, active
    in the cycle's period and the team is independent of, funding sources the ledger holds."""
    refuse_nulls(changes, ("title", "project_ids", "commissioning_entities", "funding_sources"))
    if data.project_ids is not None:
        _check_scope_named(evaluation.kind, data.project_ids)
        projects = _projects_in_scope(registry, data.project_ids)
        _check_in_period(projects, evaluation.cycle)
        if evaluation.team:
            scope = team_must_be_independent_of(
                registry, evaluation, on=today, settings=settings, projects=projects
            )
            check_team_independence([m.evaluator for m in evaluation.team], scope)
    if data.funding_sources is not None:
        _check_funding_sources(ledger, data.funding_sources)


def _apply_update(evaluation: Evaluation, data: EvaluationUpdate, *, budget_given: bool) -> None:
    """An update's writes: each field given replaces the stored one."""
    if data.title is not None:
        evaluation.title = data.title
    if data.commissioning_entities is not None:
        evaluation.commissioning_entities = list(data.commissioning_entities)
    if budget_given:
        evaluation.budget_amount = data.budget.amount if data.budget else None
        evaluation.budget_currency = data.budget.currency if data.budget else None
    if data.project_ids is not None:
        evaluation.projects = [EvaluationProject(project_id=p) for p in data.project_ids]
    if data.funding_sources is not None:
        _replace_funding_sources(evaluation, data.funding_sources)


def _replace_funding_sources(evaluation: Evaluation, sources: Sequence[FundingSource]) -> None:
    """The funding becomes ``sources``: rows still wanted stay, new ones are added, others go."""
    wanted = {(s.kind, s.id) for s in sources}
    kept = [s for s in evaluation.funding_sources if (s.kind, s.ledger_id) in wanted]
    have = {(s.kind, s.ledger_id) for s in kept}
    evaluation.funding_sources = kept + [
        EvaluationFundingSource(kind=s.kind, ledger_id=s.id)
        for s in sources
        if (s.kind, s.id) not in have
    ]


def assign_evaluator(
    *,
    db_session: Session,
    evaluation: Evaluation,
    data: TeamMemberCreate,
    registry: ProjectRegistry,
    settings: Settings,
    today: dt.date,
) -> Evaluation:
    ensure_open(evaluation)
    evaluator = db_session.get(Evaluator, data.evaluator_id)
    if evaluator is None:
        raise field_problem(
            422,
            "evaluator_id",
            f"evaluator {data.evaluator_id} does not exist",
            rule="unknown-evaluator",
        )
    if any(m.evaluator_id == evaluator.id for m in evaluation.team):
        raise field_problem(
            409,
            "evaluator_id",
            f"evaluator {evaluator.id} is already on the team",
            rule="duplicate-team-member",
        )
    if data.role is TeamRole.LEAD and any(m.role is TeamRole.LEAD for m in evaluation.team):
        raise conflict("the evaluation already has a lead evaluator", rule="single-lead-evaluator")
    if evaluator.declaration_signed_on is None:
        raise conflict(
            f"evaluator {evaluator.name} has not signed a declaration of interests",
            rule="declaration-of-interests-unsigned",
        )
    scope = team_must_be_independent_of(registry, evaluation, on=today, settings=settings)
    check_team_independence([evaluator], scope)
    evaluation.team.append(TeamMember(evaluator=evaluator, role=data.role))
    db_session.flush()
    return evaluation


def _check_contracting(
    evaluation: Evaluation, registry: ProjectRegistry, settings: Settings, on: dt.date
) -> None:
    if not any(m.role is TeamRole.LEAD for m in evaluation.team):
        raise conflict(
            "an evaluation cannot reach evaluator_contracted without an independent lead "
            "evaluator on its team",
            rule="independent-lead-required",
        )
    scope = team_must_be_independent_of(registry, evaluation, on=on, settings=settings)
    check_team_independence([m.evaluator for m in evaluation.team], scope)


def _check_completion(db_session: Session, evaluation: Evaluation) -> None:
    unanswered = (
        db_session.execute(
            select(Recommendation.number)
            .outerjoin(ManagementResponse)
            .where(Recommendation.evaluation_id == evaluation.id, ManagementResponse.id.is_(None))
            .order_by(Recommendation.number)
        )
        .scalars()
        .all()
    )
    if unanswered:
        raise conflict(
            "every recommendation needs a management response before completion; missing for "
            "recommendation(s) " + ", ".join(str(n) for n in unanswered),
            rule="management-response-missing",
            recommendations=list(unanswered),
        )


def transition(
    *,
    db_session: Session,
    evaluation: Evaluation,
    data: TransitionRequest,
    registry: ProjectRegistry,
    settings: Settings,
    today: dt.date,
) -> Evaluation:
    """Move ``evaluation`` to ``data.status``: check the move and what the new status needs,
    then record it in the history."""
    effective_on = _check_move(evaluation, data, today)
    if data.status is EvaluationStatus.EVALUATOR_CONTRACTED:
        _check_contracting(evaluation, registry, settings, effective_on)
    if data.status is EvaluationStatus.COMPLETED:
        _check_completion(db_session, evaluation)
    _record_move(evaluation, data, effective_on)
    db_session.flush()
    return evaluation


def _check_move(evaluation: Evaluation, data: TransitionRequest, today: dt.date) -> dt.date:
    """The day the move takes effect, once it is known to be allowed, with a reason where one
    is needed and not dated before the previous status change."""
    target = data.status
    allowed = allowed_transitions(evaluation)
    if target not in allowed:
        raise conflict(
            f"an evaluation cannot go from {evaluation.status.value} to {target.value}; "
            f"allowed: {', '.join(sorted(s.value for s in allowed)) or 'none'}",
            rule="illegal-status-transition",
            current_status=evaluation.status.value,
            allowed=sorted(s.value for s in allowed),
        )
    if target in _NEEDS_REASON and not data.reason:
        raise field_problem(
            422, "reason", f"a reason is required to mark it {target.value}", rule="reason-required"
        )
    effective_on = data.effective_on or today
    previous = evaluation.history[-1].effective_on if evaluation.history else None
    if previous is not None and effective_on < previous:
        raise field_problem(
            422,
            "effective_on",
            f"must not be before the previous status change ({previous.isoformat()})",
            rule="status-dates-in-order",
        )
    return effective_on


def _record_move(evaluation: Evaluation, data: TransitionRequest, effective_on: dt.date) -> None:
    """The new status, its history entry, and where a postponed evaluation resumes."""
    target = data.status
    if target is EvaluationStatus.POSTPONED:
        evaluation.resume_status = evaluation.status
    elif evaluation.status is EvaluationStatus.POSTPONED:
        evaluation.resume_status = None
    evaluation.history.append(
        StatusChange(
            from_status=evaluation.status,
            to_status=target,
            reason=data.reason,
            effective_on=effective_on,
        )
    )
    evaluation.status = target
    evaluation.status_reason = data.reason if target in _NEEDS_REASON else None


def list_evaluations(
    *,
    db_session: Session,
    cycle_id: int | None,
    kind: EvaluationKind | None,
    status: EvaluationStatus | None,
    project_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Evaluation], str | None]:
    stmt = select(Evaluation)
    if cycle_id is not None:
        stmt = stmt.where(Evaluation.cycle_id == cycle_id)
    if kind is not None:
        stmt = stmt.where(Evaluation.kind == kind)
    if status is not None:
        stmt = stmt.where(Evaluation.status == status)
    if project_id is not None:
        stmt = stmt.where(
            Evaluation.id.in_(
                select(EvaluationProject.evaluation_id).where(
                    EvaluationProject.project_id == project_id
                )
            )
        )
    items, next_cursor = paginate(
        db_session, stmt, keys=[SortKey(Evaluation.id.expression)], limit=limit, cursor=cursor
    )
    return items, next_cursor


def evaluation_read(evaluation: Evaluation) -> EvaluationRead:
    budget = (
        Money(amount=evaluation.budget_amount, currency=evaluation.budget_currency)
        if evaluation.budget_amount is not None and evaluation.budget_currency
        else None
    )
    return EvaluationRead(
        id=evaluation.id,
        kind=evaluation.kind,
        title=evaluation.title,
        cycle_id=evaluation.cycle_id,
        cycle_year=evaluation.cycle.year if evaluation.cycle else None,
        status=evaluation.status,
        status_reason=evaluation.status_reason,
        project_ids=[p.project_id for p in evaluation.projects],
        commissioning_entities=list(evaluation.commissioning_entities),
        budget=budget,
        funding_sources=[
            FundingSource(kind=s.kind, id=s.ledger_id) for s in evaluation.funding_sources
        ],
        team=[
            TeamMemberRead(
                evaluator_id=m.evaluator_id,
                name=m.evaluator.name,
                role=m.role,
                employer_name=m.evaluator.employer_name,
                employer_iati_org_id=m.evaluator.employer_iati_org_id,
            )
            for m in evaluation.team
        ],
        history=[StatusChangeRead.model_validate(h) for h in evaluation.history],
        created_at=evaluation.created_at,
        updated_at=evaluation.updated_at,
    )


# --------------------------------------------------------------------------- content


def _check_score(score: int, settings: Settings) -> None:
    if score not in settings.rating_scale:
        allowed = ", ".join(str(s) for s in sorted(settings.rating_scale, reverse=True))
        raise field_problem(
            422, "score", f"{score} is not on the rating scale ({allowed})", rule="rating-scale"
        )


def get_rating(
    *, db_session: Session, evaluation_id: int, criterion: Criterion, for_update: bool = False
) -> CriterionRating | None:
    stmt = select(CriterionRating).where(
        CriterionRating.evaluation_id == evaluation_id, CriterionRating.criterion == criterion
    )
    if for_update:
        stmt = stmt.with_for_update()
    return db_session.execute(stmt).scalar_one_or_none()


def put_rating(
    *,
    db_session: Session,
    evaluation: Evaluation,
    criterion: Criterion,
    rating: CriterionRating | None,
    data: RatingWrite,
    settings: Settings,
) -> CriterionRating:
    ensure_open(evaluation)
    _check_score(data.score, settings)
    if rating is None:
        rating = CriterionRating(evaluation_id=evaluation.id, criterion=criterion)
        db_session.add(rating)
    rating.score = data.score
    rating.justification = data.justification
    db_session.flush()
    return rating


def rating_read(rating: CriterionRating, settings: Settings) -> RatingRead:
    return RatingRead(
        criterion=rating.criterion,
        score=rating.score,
        label=settings.rating_scale.get(rating.score, str(rating.score)),
        justification=rating.justification,
        updated_at=rating.updated_at,
    )


def list_ratings(*, db_session: Session, evaluation_id: int) -> list[CriterionRating]:
    order = {c: i for i, c in enumerate(Criterion)}
    rows = db_session.execute(
        select(CriterionRating).where(CriterionRating.evaluation_id == evaluation_id)
    ).scalars()
    return sorted(rows, key=lambda r: order[r.criterion])


def add_finding(*, db_session: Session, evaluation: Evaluation, data: FindingCreate) -> Finding:
    ensure_open(evaluation)
    number = next_number(db_session, Finding.number, Finding.evaluation_id == evaluation.id)
    finding = Finding(
        evaluation_id=evaluation.id, number=number, text=data.text, criterion=data.criterion
    )
    db_session.add(finding)
    db_session.flush()
    return finding


def list_findings(
    *, db_session: Session, evaluation_id: int, limit: int, cursor: str | None
) -> tuple[list[Finding], str | None]:
    return paginate(
        db_session,
        select(Finding).where(Finding.evaluation_id == evaluation_id),
        keys=[SortKey(Finding.number.expression), SortKey(Finding.id.expression)],
        limit=limit,
        cursor=cursor,
    )


def get_quality_assessment(
    *, db_session: Session, evaluation_id: int, for_update: bool = False
) -> QualityAssessment | None:
    stmt = select(QualityAssessment).where(QualityAssessment.evaluation_id == evaluation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return db_session.execute(stmt).scalar_one_or_none()


def put_quality_assessment(
    *,
    db_session: Session,
    evaluation: Evaluation,
    assessment: QualityAssessment | None,
    data: QualityAssessmentWrite,
    settings: Settings,
) -> QualityAssessment:
    if evaluation.status not in (
        EvaluationStatus.DRAFT_REPORT,
        EvaluationStatus.FINAL_REPORT,
        EvaluationStatus.MANAGEMENT_RESPONSE,
        EvaluationStatus.COMPLETED,
    ):
        raise conflict(
            f"evaluation {evaluation.id} has no report to assess yet "
            f"(status {evaluation.status.value})",
            rule="quality-assessment-needs-report",
        )
    _check_score(data.score, settings)
    if assessment is None:
        assessment = QualityAssessment(evaluation_id=evaluation.id)
        db_session.add(assessment)
    for field, value in data.model_dump().items():
        setattr(assessment, field, value)
    db_session.flush()
    return assessment


def quality_read(assessment: QualityAssessment, settings: Settings) -> QualityAssessmentRead:
    return QualityAssessmentRead(
        evaluation_id=assessment.evaluation_id,
        score=assessment.score,
        label=settings.rating_scale.get(assessment.score, str(assessment.score)),
        assessed_by=assessment.assessed_by,
        assessed_on=assessment.assessed_on,
        comments=assessment.comments,
        updated_at=assessment.updated_at,
    )


def add_document(
    *, db_session: Session, evaluation: Evaluation, data: DocumentCreate
) -> EvaluationDocument:
    document = EvaluationDocument(evaluation_id=evaluation.id, **data.model_dump())
    db_session.add(document)
    db_session.flush()
    return document


def list_documents(
    *,
    db_session: Session,
    evaluation_id: int,
    public: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[EvaluationDocument], str | None]:
    stmt = select(EvaluationDocument).where(EvaluationDocument.evaluation_id == evaluation_id)
    if public is not None:
        stmt = stmt.where(EvaluationDocument.public == public)
    return paginate(
        db_session,
        stmt,
        keys=[SortKey(EvaluationDocument.id.expression)],
        limit=limit,
        cursor=cursor,
    )
