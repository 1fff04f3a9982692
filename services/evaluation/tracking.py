"""Tracking views: deadlines ahead, overdue actions, per-cycle rates and paragraph-11
compliance, and the batch view by registry project the gateway merges into its dossiers.

Read-only and computed on ``today``: nothing here is stored. Each view runs a fixed number of
queries whatever the number of cycles, evaluations or projects (relationships load in batches).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.evaluation import recommendations
from services.evaluation.clients import Backends, FundingLedger, ProjectRegistry
from services.evaluation.cycles import contracting, list_cycles
from services.evaluation.evaluations import (
    evaluation_read,
    independent_evaluations,
    reached_on,
    team_must_be_independent_of,
)
from services.evaluation.evaluators import employer_conflicts
from services.evaluation.models import (
    Acceptance,
    Evaluation,
    EvaluationCycle,
    EvaluationProject,
    EvaluationStatus,
    FundingSourceKind,
    KeyAction,
    ManagementResponse,
    Recommendation,
    TeamRole,
)
from services.evaluation.schemas.recommendations import KeyActionRead
from services.evaluation.schemas.tracking import (
    CycleTrackingRead,
    DeadlineRead,
    EvaluationFundingRead,
    FundingSourceState,
    OpenRecommendation,
    Paragraph11Compliance,
    ProjectEvaluations,
    ProjectEvaluationSummary,
)
from services.evaluation.settings import Settings

#: Milestone → the evaluation status that meets it.
MILESTONES: tuple[tuple[str, str, EvaluationStatus], ...] = (
    ("terms_of_reference", "terms_of_reference_due", EvaluationStatus.TERMS_OF_REFERENCE_APPROVED),
    ("evaluator_contracted", "evaluator_contracted_due", EvaluationStatus.EVALUATOR_CONTRACTED),
    ("inception", "inception_due", EvaluationStatus.INCEPTION),
    ("draft_report", "draft_report_due", EvaluationStatus.DRAFT_REPORT),
    ("final_report", "final_report_due", EvaluationStatus.FINAL_REPORT),
    ("management_response", "management_response_due", EvaluationStatus.MANAGEMENT_RESPONSE),
)
_ACCEPTED = (Acceptance.FULLY_ACCEPTED, Acceptance.PARTIALLY_ACCEPTED)
#: Deadlines due the same day: cycle milestones first, then responses, then key actions.
_KIND_ORDER = {"cycle_milestone": 0, "management_response": 1, "key_action": 2}


def _met(evaluation: Evaluation | None, status: EvaluationStatus) -> bool:
    return reached_on(evaluation, status) is not None


def deadlines(
    *, db_session: Session, today: dt.date, within_days: int, settings: Settings
) -> list[DeadlineRead]:
    """Every unmet deadline from ``today`` to ``today + within_days``, soonest first."""
    end = today + dt.timedelta(days=within_days)
    items = [
        *_milestone_deadlines(db_session, today=today, end=end),
        *_response_deadlines(db_session, today=today, end=end, settings=settings),
        *_key_action_deadlines(db_session, today=today, end=end),
    ]
    items.sort(
        key=lambda d: (
            d.due_date,
            _KIND_ORDER[d.kind],
            d.key_action_id or 0,
            d.recommendation_id or 0,
        )
    )
    return items


def _milestone_deadlines(
    db_session: Session, *, today: dt.date, end: dt.date
) -> list[DeadlineRead]:
    """The cycle milestones due in the window that the cycle's evaluation has not reached."""
    cycles = (
        db_session.execute(
            select(EvaluationCycle).where(
                EvaluationCycle.terms_of_reference_due <= end,
                EvaluationCycle.management_response_due >= today,
            )
        )
        .scalars()
        .all()
    )
    live = independent_evaluations(db_session, (c.id for c in cycles))
    items: list[DeadlineRead] = []
    for cycle in cycles:
        evaluation = live.get(cycle.id)
        for milestone, column, status in MILESTONES:
            due: dt.date = getattr(cycle, column)
            if today <= due <= end and not _met(evaluation, status):
                items.append(
                    DeadlineRead(
                        kind="cycle_milestone",
                        due_date=due,
                        days_left=(due - today).days,
                        description=f"cycle {cycle.year}: {milestone.replace('_', ' ')}",
                        cycle_year=cycle.year,
                        milestone=milestone,
                        evaluation_id=evaluation.id if evaluation else None,
                    )
                )
    return items


def _response_deadlines(
    db_session: Session, *, today: dt.date, end: dt.date, settings: Settings
) -> list[DeadlineRead]:
    """The management responses due in the window and not given yet."""
    unanswered = (
        db_session.execute(
            select(Recommendation)
            .outerjoin(ManagementResponse)
            .join(Evaluation, Recommendation.evaluation_id == Evaluation.id)
            .where(
                ManagementResponse.id.is_(None),
                Evaluation.status != EvaluationStatus.CANCELLED,
            )
        )
        .unique()
        .scalars()
        .all()
    )
    items: list[DeadlineRead] = []
    for recommendation in unanswered:
        response_due = recommendations.response_due(recommendation.evaluation, settings)
        if response_due is not None and today <= response_due <= end:
            items.append(
                DeadlineRead(
                    kind="management_response",
                    due_date=response_due,
                    days_left=(response_due - today).days,
                    description=f"management response to recommendation "
                    f"{recommendation.number} of evaluation {recommendation.evaluation_id}",
                    evaluation_id=recommendation.evaluation_id,
                    recommendation_id=recommendation.id,
                )
            )
    return items


def _key_action_deadlines(
    db_session: Session, *, today: dt.date, end: dt.date
) -> list[DeadlineRead]:
    """The open key actions due in the window."""
    actions = db_session.execute(
        select(KeyAction, Recommendation.evaluation_id)
        .join(Recommendation, KeyAction.recommendation_id == Recommendation.id)
        .where(
            KeyAction.status.in_(recommendations.OPEN_ACTION_STATUSES),
            KeyAction.due_date >= today,
            KeyAction.due_date <= end,
        )
    ).all()
    return [
        DeadlineRead(
            kind="key_action",
            due_date=action.due_date,
            days_left=(action.due_date - today).days,
            description=f"key action {action.number}: {action.description[:200]}",
            evaluation_id=evaluation_id,
            recommendation_id=action.recommendation_id,
            key_action_id=action.id,
        )
        for action, evaluation_id in actions
    ]


def overdue_actions(
    *, db_session: Session, today: dt.date, limit: int, cursor: str | None
) -> tuple[list[KeyActionRead], str | None]:
    """A page of the key actions open and past due on ``today``, oldest due first."""
    actions, next_cursor = recommendations.list_key_actions(
        db_session=db_session,
        recommendation_id=None,
        status=None,
        overdue_on=today,
        limit=limit,
        cursor=cursor,
    )
    return [recommendations.key_action_read(a, today) for a in actions], next_cursor


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _independence_conflicts(
    evaluation: Evaluation, registry: ProjectRegistry, today: dt.date, settings: Settings
) -> list[dict[str, Any]] | None:
    """Why the team is not independent on ``today`` ([] when it is), re-checked against the
    registry as then (an evaluator's record and the projects may have changed since the team
    was recorded); None when there is no lead or a declaration is unsigned (nothing to ask)."""
    team = evaluation.team
    if not any(m.role is TeamRole.LEAD for m in team) or any(
        m.evaluator.declaration_signed_on is None for m in team
    ):
        return None
    scope = team_must_be_independent_of(registry, evaluation, on=today, settings=settings)
    return [c for m in team for c in employer_conflicts(m.evaluator, scope)]


def _source_states(
    evaluation: Evaluation, ledger: FundingLedger, day: dt.date
) -> list[FundingSourceState]:
    states: list[FundingSourceState] = []
    for source in evaluation.funding_sources:
        found = ledger.source(source.kind, source.ledger_id)
        states.append(
            FundingSourceState(
                kind=source.kind,
                id=source.ledger_id,
                in_ledger=found is not None,
                status=found.status if found else None,
                amount=found.amount if found else None,
                currency=found.currency if found else None,
                reversed_on=found.reversed_on if found else None,
                funds_on_day=bool(found and found.funds_on(day)),
            )
        )
    return states


def _funded(states: Sequence[FundingSourceState]) -> bool:
    """Paragraph 11: funded from voluntary contributions, every source live on the day."""
    return bool(states) and all(s.funds_on_day for s in states)


def evaluation_funding(
    *, evaluation: Evaluation, ledger: FundingLedger, today: dt.date
) -> EvaluationFundingRead:
    """The evaluation's budget beside what the ledger allocated and spent for it on ``today``."""
    states = _source_states(evaluation, ledger, today)
    allocated = sum(
        (
            s.amount
            for s in states
            if s.kind is FundingSourceKind.ALLOCATION and s.funds_on_day and s.amount is not None
        ),
        Decimal("0.00"),
    )
    spent = [e for e in ledger.expenditures_for(evaluation.id) if e.spent_on(today)]
    spent_usd = sum((e.usd_amount for e in spent), Decimal("0.00"))
    usd_budget = evaluation.budget_amount if evaluation.budget_currency == "USD" else None
    return EvaluationFundingRead(
        evaluation_id=evaluation.id,
        as_of=today,
        budget=evaluation_read(evaluation).budget,
        sources=states,
        allocated_usd=allocated,
        spent_usd=spent_usd,
        expenditure_ids=[e.id for e in spent],
        budget_unallocated_usd=None if usd_budget is None else usd_budget - allocated,
        budget_unspent_usd=None if usd_budget is None else usd_budget - spent_usd,
        funded_from_voluntary_contributions=_funded(states),
    )


def compliance(
    evaluation: Evaluation | None,
    *,
    backends: Backends,
    today: dt.date,
    settings: Settings,
) -> Paragraph11Compliance:
    held = evaluation is not None
    conflicts = (
        _independence_conflicts(evaluation, backends.registry, today, settings)
        if evaluation
        else None
    )
    independent = conflicts == []
    funded = evaluation is not None and _funded(_source_states(evaluation, backends.ledger, today))
    completed = bool(evaluation and evaluation.status is EvaluationStatus.COMPLETED)
    checks = {
        "held": held,
        "independent": independent,
        "funded_from_voluntary_contributions": funded,
        "completed": completed,
    }
    return Paragraph11Compliance(
        held=held,
        independent=independent,
        independence_conflicts=conflicts or [],
        funded_from_voluntary_contributions=funded,
        completed=completed,
        compliant=all(checks.values()),
        gaps=[name for name, ok in checks.items() if not ok],
    )


def cycle_tracking(
    *,
    db_session: Session,
    today: dt.date,
    settings: Settings,
    backends: Backends,
    limit: int,
    cursor: str | None,
) -> tuple[list[CycleTrackingRead], str | None]:
    """A page of cycles by year, each with its rates, timeliness and paragraph-11 compliance."""
    cycles, next_cursor = list_cycles(db_session=db_session, limit=limit, cursor=cursor)
    ids = [c.id for c in cycles]
    live = independent_evaluations(db_session, ids)
    by_cycle = _recommendations_by_cycle(db_session, ids)
    reads = [
        _cycle_tracking_read(
            cycle,
            live.get(cycle.id),
            by_cycle[cycle.id],
            today,
            settings,
            compliance(live.get(cycle.id), backends=backends, today=today, settings=settings),
        )
        for cycle in cycles
    ]
    return reads, next_cursor


def _recommendations_by_cycle(
    db_session: Session, cycle_ids: Sequence[int]
) -> defaultdict[int, list[Recommendation]]:
    """The recommendations of each cycle's evaluations that are not cancelled, by cycle id."""
    by_cycle: defaultdict[int, list[Recommendation]] = defaultdict(list)
    if cycle_ids:
        rows = (
            db_session.execute(
                select(Recommendation, Evaluation.cycle_id)
                .join(Evaluation, Recommendation.evaluation_id == Evaluation.id)
                .where(
                    Evaluation.cycle_id.in_(cycle_ids),
                    Evaluation.status != EvaluationStatus.CANCELLED,
                )
            )
            .unique()
            .all()
        )
        for recommendation, cycle_id in rows:
            if cycle_id is not None:
                by_cycle[cycle_id].append(recommendation)
    return by_cycle


def _cycle_tracking_read(
    cycle: EvaluationCycle,
    evaluation: Evaluation | None,
    recs: Sequence[Recommendation],
    today: dt.date,
    settings: Settings,
    checked: Paragraph11Compliance,
) -> CycleTrackingRead:
    """One cycle's acceptance and implementation rates (JIU), timeliness and compliance."""
    accepted = [
        r
        for r in recs
        if r.management_response is not None and r.management_response.acceptance in _ACCEPTED
    ]
    implemented = [
        r for r in accepted if recommendations.implementation_status(r.key_actions) == "implemented"
    ]
    completed_on = reached_on(evaluation, EvaluationStatus.COMPLETED)
    return CycleTrackingRead(
        cycle_id=cycle.id,
        year=cycle.year,
        independent_evaluation_id=evaluation.id if evaluation else None,
        evaluation_status=evaluation.status.value if evaluation else None,
        contracting=contracting(cycle, evaluation, today=today, settings=settings),
        recommendations=len(recs),
        accepted=len(accepted),
        acceptance_rate=_rate(len(accepted), len(recs)),
        implemented=len(implemented),
        implementation_rate=_rate(len(implemented), len(accepted)),
        completed_on=completed_on,
        finished_on_time=_finished_on_time(completed_on, cycle.management_response_due, today),
        compliance=checked,
        as_of=today,
    )


def _finished_on_time(completed_on: dt.date | None, due: dt.date, today: dt.date) -> bool | None:
    """Completed by ``due``; None while that is still possible."""
    if completed_on is not None:
        return completed_on <= due
    return False if today > due else None


def _is_open(recommendation: Recommendation) -> bool:
    response = recommendation.management_response
    if response is not None and response.acceptance is Acceptance.REJECTED:
        return False
    return recommendations.implementation_status(recommendation.key_actions) != "implemented"


def projects_view(
    *, db_session: Session, project_ids: Sequence[int], today: dt.date
) -> list[ProjectEvaluations]:
    """Per project id: the evaluations covering it, open recommendations, overdue actions."""
    links = db_session.execute(
        select(EvaluationProject.project_id, Evaluation)
        .join(Evaluation, EvaluationProject.evaluation_id == Evaluation.id)
        .where(EvaluationProject.project_id.in_(project_ids))
        .order_by(EvaluationProject.project_id, Evaluation.id)
    ).all()
    by_evaluation = _recommendations_by_evaluation(db_session, {e.id for _, e in links})
    summaries: dict[int, list[ProjectEvaluationSummary]] = defaultdict(list)
    for project_id, evaluation in links:
        summaries[project_id].append(
            _evaluation_summary(evaluation, by_evaluation[evaluation.id], today)
        )
    return [ProjectEvaluations(project_id=p, evaluations=summaries[p]) for p in project_ids]


def _recommendations_by_evaluation(
    db_session: Session, evaluation_ids: set[int]
) -> defaultdict[int, list[Recommendation]]:
    """The recommendations of each evaluation, by evaluation id, in number order."""
    by_evaluation: defaultdict[int, list[Recommendation]] = defaultdict(list)
    if evaluation_ids:
        rows = (
            db_session.execute(
                select(Recommendation)
                .where(Recommendation.evaluation_id.in_(evaluation_ids))
                .order_by(Recommendation.evaluation_id, Recommendation.number)
            )
            .unique()
            .scalars()
        )
        for recommendation in rows:
            by_evaluation[recommendation.evaluation_id].append(recommendation)
    return by_evaluation


def _evaluation_summary(
    evaluation: Evaluation, recs: Sequence[Recommendation], today: dt.date
) -> ProjectEvaluationSummary:
    """An evaluation as a project's dossier shows it: open recommendations, overdue actions."""
    return ProjectEvaluationSummary(
        id=evaluation.id,
        title=evaluation.title,
        kind=evaluation.kind,
        status=evaluation.status,
        cycle_year=evaluation.cycle.year if evaluation.cycle else None,
        open_recommendations=[
            OpenRecommendation(
                id=r.id,
                number=r.number,
                text=r.text,
                priority=r.priority,
                acceptance=r.management_response.acceptance if r.management_response else None,
                implementation_status=recommendations.implementation_status(r.key_actions),
            )
            for r in recs
            if _is_open(r)
        ],
        overdue_key_actions=[
            recommendations.key_action_read(a, today)
            for r in recs
            for a in r.key_actions
            if recommendations.is_overdue(a, today)
        ],
    )
