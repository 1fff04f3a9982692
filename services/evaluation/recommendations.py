"""Recommendations of evaluation reports, with their one management response and the key
actions that follow an accepted one; what depends on "today" (response due and on time, overdue
actions, implementation status) is computed in the read models, never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.evaluation.evaluations import ensure_open, reached_on
from services.evaluation.models import (
    Acceptance,
    Evaluation,
    EvaluationStatus,
    KeyAction,
    KeyActionStatus,
    ManagementResponse,
    Recommendation,
)
from services.evaluation.numbering import next_number
from services.evaluation.schemas.recommendations import (
    ImplementationStatus,
    KeyActionCreate,
    KeyActionRead,
    KeyActionUpdate,
    ManagementResponseCreate,
    ManagementResponseRead,
    RecommendationCreate,
    RecommendationRead,
    RecommendationUpdate,
)
from services.evaluation.settings import Settings
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem, not_found
from shared.types import changes_of, refuse_nulls

_REPORTING = frozenset(
    {
        EvaluationStatus.DRAFT_REPORT,
        EvaluationStatus.FINAL_REPORT,
        EvaluationStatus.MANAGEMENT_RESPONSE,
    }
)
OPEN_ACTION_STATUSES = (KeyActionStatus.NOT_INITIATED, KeyActionStatus.INITIATED)
_ACTION_NEXT: dict[KeyActionStatus, frozenset[KeyActionStatus]] = {
    KeyActionStatus.NOT_INITIATED: frozenset(
        {
            KeyActionStatus.INITIATED,
            KeyActionStatus.COMPLETED,
            KeyActionStatus.NO_LONGER_APPLICABLE,
        }
    ),
    KeyActionStatus.INITIATED: frozenset(
        {KeyActionStatus.COMPLETED, KeyActionStatus.NO_LONGER_APPLICABLE}
    ),
    KeyActionStatus.COMPLETED: frozenset(),
    KeyActionStatus.NO_LONGER_APPLICABLE: frozenset(),
}


def create_recommendation(
    *, db_session: Session, data: RecommendationCreate, today: dt.date
) -> Recommendation:
    evaluation = (
        db_session.execute(
            select(Evaluation)
            .where(Evaluation.id == data.evaluation_id)
            .with_for_update(of=Evaluation)
        )
        .unique()
        .scalar_one_or_none()
    )
    if evaluation is None:
        raise field_problem(
            422,
            "evaluation_id",
            f"evaluation {data.evaluation_id} does not exist",
            rule="unknown-evaluation",
        )
    if evaluation.status not in _REPORTING:
        raise conflict(
            f"recommendations come with the draft or final report; evaluation "
            f"{evaluation.id} is {evaluation.status.value}",
            rule="recommendations-need-report",
        )
    issued_on = data.issued_on or today
    _check_issued_on(evaluation, issued_on)
    number = next_number(
        db_session, Recommendation.number, Recommendation.evaluation_id == evaluation.id
    )
    recommendation = Recommendation(
        evaluation_id=evaluation.id,
        number=number,
        text=data.text,
        addressee=data.addressee,
        priority=data.priority,
        issued_on=issued_on,
    )
    db_session.add(recommendation)
    db_session.flush()
    db_session.refresh(recommendation)
    return recommendation


def _check_issued_on(evaluation: Evaluation, issued_on: dt.date) -> None:
    """A recommendation comes with the report: not issued before the draft report was reached."""
    report_on = reached_on(evaluation, EvaluationStatus.DRAFT_REPORT)
    if report_on is not None and issued_on < report_on:
        raise field_problem(
            422,
            "issued_on",
            f"must not be before evaluation {evaluation.id} reached its draft report "
            f"({report_on.isoformat()})",
            rule="recommendation-before-report",
        )


def not_before_issue(
    recommendation: Recommendation, day: dt.date, *, field: str, what: str
) -> None:
    """422 naming ``field`` when ``day`` precedes the recommendation's issue date."""
    if day < recommendation.issued_on:
        raise field_problem(
            422,
            field,
            f"{what} ({day.isoformat()}) cannot precede the issue of recommendation "
            f"{recommendation.id} ({recommendation.issued_on.isoformat()})",
            rule="before-recommendation-issued",
        )


def get_recommendation(
    *, db_session: Session, recommendation_id: int, for_update: bool = False
) -> Recommendation:
    stmt = select(Recommendation).where(Recommendation.id == recommendation_id)
    if for_update:
        stmt = stmt.with_for_update(of=Recommendation)
    recommendation = db_session.execute(stmt).unique().scalar_one_or_none()
    if recommendation is None:
        raise not_found("recommendation", recommendation_id)
    return recommendation


def update_recommendation(
    *, db_session: Session, recommendation: Recommendation, data: RecommendationUpdate
) -> Recommendation:
    ensure_open(recommendation.evaluation)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, list(changes))  # every field of this update keeps a value
    for field, value in changes.items():
        setattr(recommendation, field, value)
    db_session.flush()
    return recommendation


def list_recommendations(
    *,
    db_session: Session,
    evaluation_id: int | None,
    cycle_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Recommendation], str | None]:
    stmt = select(Recommendation)
    if evaluation_id is not None:
        stmt = stmt.where(Recommendation.evaluation_id == evaluation_id)
    if cycle_id is not None:
        stmt = stmt.where(
            Recommendation.evaluation_id.in_(
                select(Evaluation.id).where(Evaluation.cycle_id == cycle_id)
            )
        )
    items, next_cursor = paginate(
        db_session, stmt, keys=[SortKey(Recommendation.id.expression)], limit=limit, cursor=cursor
    )
    return items, next_cursor


def response_due(evaluation: Evaluation, settings: Settings) -> dt.date | None:
    """The cycle's management-response deadline, or N days after the final report."""
    if evaluation.cycle is not None:
        return evaluation.cycle.management_response_due
    final = reached_on(evaluation, EvaluationStatus.FINAL_REPORT)
    return final + dt.timedelta(days=settings.management_response_days) if final else None


def respond(
    *,
    db_session: Session,
    recommendation: Recommendation,
    data: ManagementResponseCreate,
    today: dt.date,
) -> Recommendation:
    if recommendation.management_response is not None:
        raise conflict(
            f"recommendation {recommendation.id} already has its management response",
            rule="one-management-response",
        )
    if data.acceptance is Acceptance.REJECTED and not data.justification:
        raise field_problem(
            422,
            "justification",
            "a rejected recommendation needs a justification",
            rule="justification-required-for-rejection",
        )
    responded_on = data.responded_on or today
    not_before_issue(
        recommendation, responded_on, field="responded_on", what="a management response"
    )
    recommendation.management_response = ManagementResponse(
        acceptance=data.acceptance,
        justification=data.justification,
        responded_on=responded_on,
        responded_by=data.responded_by,
    )
    db_session.flush()
    return recommendation


def implementation_status(actions: Sequence[KeyAction]) -> ImplementationStatus:
    """JIU implementation: no action started → not started; all closed → implemented."""
    if not actions or all(a.status is KeyActionStatus.NOT_INITIATED for a in actions):
        return "not_started"
    if all(a.status not in OPEN_ACTION_STATUSES for a in actions):
        return "implemented"
    return "in_progress"


def closed_by(action: KeyAction, day: dt.date) -> bool:
    """Completed or no longer applicable on ``day`` (a closed action without a day counts)."""
    if action.status in OPEN_ACTION_STATUSES:
        return False
    return action.closed_on is None or action.closed_on <= day


def is_overdue(action: KeyAction, today: dt.date) -> bool:
    """Past due and not closed on ``today``: the state on that day, not the current one."""
    return action.due_date < today and not closed_by(action, today)


def key_action_read(action: KeyAction, today: dt.date) -> KeyActionRead:
    overdue = is_overdue(action, today)
    return KeyActionRead(
        id=action.id,
        recommendation_id=action.recommendation_id,
        number=action.number,
        description=action.description,
        responsible_unit=action.responsible_unit,
        due_date=action.due_date,
        status=action.status,
        completed_on=action.completed_on,
        closed_on=action.closed_on,
        overdue=overdue,
        days_overdue=(today - action.due_date).days if overdue else 0,
        as_of=today,
    )


def recommendation_read(
    recommendation: Recommendation, *, today: dt.date, settings: Settings
) -> RecommendationRead:
    due = response_due(recommendation.evaluation, settings)
    response = recommendation.management_response
    response_read = None
    if response is not None:
        response_read = ManagementResponseRead(
            acceptance=response.acceptance,
            justification=response.justification,
            responded_on=response.responded_on,
            responded_by=response.responded_by,
            due_date=due,
            on_time=None if due is None else response.responded_on <= due,
        )
    return RecommendationRead(
        id=recommendation.id,
        evaluation_id=recommendation.evaluation_id,
        number=recommendation.number,
        text=recommendation.text,
        addressee=recommendation.addressee,
        priority=recommendation.priority,
        issued_on=recommendation.issued_on,
        response_due=due,
        management_response=response_read,
        implementation_status=implementation_status(recommendation.key_actions),
        key_actions=[key_action_read(a, today) for a in recommendation.key_actions],
        as_of=today,
    )


def create_key_action(*, db_session: Session, data: KeyActionCreate) -> KeyAction:
    recommendation = (
        db_session.execute(
            select(Recommendation)
            .where(Recommendation.id == data.recommendation_id)
            .with_for_update(of=Recommendation)
        )
        .unique()
        .scalar_one_or_none()
    )
    if recommendation is None:
        raise field_problem(
            422,
            "recommendation_id",
            f"recommendation {data.recommendation_id} does not exist",
            rule="unknown-recommendation",
        )
    response = recommendation.management_response
    if response is None or response.acceptance is Acceptance.REJECTED:
        raise conflict(
            f"key actions follow an accepted recommendation; recommendation "
            f"{recommendation.id} is "
            + ("rejected" if response is not None else "awaiting its management response"),
            rule="key-action-needs-accepted-recommendation",
        )
    not_before_issue(
        recommendation, data.due_date, field="due_date", what="a key action's due date"
    )
    number = next_number(
        db_session, KeyAction.number, KeyAction.recommendation_id == recommendation.id
    )
    action = KeyAction(
        recommendation_id=recommendation.id,
        number=number,
        description=data.description,
        responsible_unit=data.responsible_unit,
        due_date=data.due_date,
        status=KeyActionStatus.NOT_INITIATED,
    )
    db_session.add(action)
    db_session.flush()
    return action


def get_key_action(
    *, db_session: Session, key_action_id: int, for_update: bool = False
) -> KeyAction:
    return one_or_404(
        db_session,
        select(KeyAction).where(KeyAction.id == key_action_id),
        entity="key action",
        identifier=key_action_id,
        for_update=for_update,
    )


def update_key_action(
    *, db_session: Session, action: KeyAction, data: KeyActionUpdate, today: dt.date
) -> KeyAction:
    changes = changes_of(data, ("description", "responsible_unit", "due_date", "status"))
    if action.status not in OPEN_ACTION_STATUSES:
        raise conflict(
            f"key action {action.id} is {action.status.value} and can no longer change",
            rule="key-action-closed",
        )
    recommendation = db_session.get_one(Recommendation, action.recommendation_id)
    if data.due_date is not None:
        not_before_issue(
            recommendation, data.due_date, field="due_date", what="a key action's due date"
        )
    _apply_status(action, data, recommendation, changes, today)
    for field in ("description", "responsible_unit", "due_date", "status"):
        if field in changes:
            setattr(action, field, changes[field])
    db_session.flush()
    return action


def _apply_status(
    action: KeyAction,
    data: KeyActionUpdate,
    recommendation: Recommendation,
    changes: dict[str, object],
    today: dt.date,
) -> None:
    """A move of the action's status, checked; closing it records the day it closed."""
    status = data.status
    if status is None or status is action.status:
        if "completed_on" in changes:
            raise field_problem(
                422,
                "completed_on",
                "is set only when the action is completed",
                rule="completed-on-with-completion",
            )
        return
    if status not in _ACTION_NEXT[action.status]:
        raise conflict(
            f"a key action cannot go from {action.status.value} to {status.value}",
            rule="illegal-status-transition",
        )
    if status is KeyActionStatus.COMPLETED:
        completed_on = data.completed_on or today
        not_before_issue(recommendation, completed_on, field="completed_on", what="a completion")
        action.completed_on = completed_on
        action.closed_on = completed_on
    elif status is KeyActionStatus.NO_LONGER_APPLICABLE:
        action.closed_on = today


def list_key_actions(
    *,
    db_session: Session,
    recommendation_id: int | None,
    status: KeyActionStatus | None,
    overdue_on: dt.date | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[KeyAction], str | None]:
    stmt = select(KeyAction)
    keys = [SortKey(KeyAction.id.expression)]
    if recommendation_id is not None:
        stmt = stmt.where(KeyAction.recommendation_id == recommendation_id)
    if status is not None:
        stmt = stmt.where(KeyAction.status == status)
    if overdue_on is not None:
        # The state on that day: open then, though it may have been closed since.
        stmt = stmt.where(
            KeyAction.due_date < overdue_on,
            or_(
                KeyAction.status.in_(OPEN_ACTION_STATUSES),
                KeyAction.closed_on > overdue_on,
            ),
        )
        keys = [SortKey(KeyAction.due_date.expression), SortKey(KeyAction.id.expression)]
    items, next_cursor = paginate(db_session, stmt, keys=keys, limit=limit, cursor=cursor)
    return items, next_cursor
