"""The comprehensive action plan (paragraph 3): versions draft → adopted → superseded.

At most one version is adopted at a time. Adopting a draft supersedes the adopted version in
the same transaction, under row locks, and the unique ``is_current`` index makes the database
refuse a second adopted version even if two adoptions race.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.projects.models import (
    ActionPlan,
    ActionPlanItem,
    ActionPlanPartner,
    ActionPlanStatus,
    Organisation,
    Project,
)
from services.projects.rules import Violations
from services.projects.schemas.action_plans import (
    ActionPlanAdopt,
    ActionPlanCreate,
    ActionPlanItemIn,
    ActionPlanItemRead,
    ActionPlanRead,
    ActionPlanUpdate,
    PartnerRead,
)
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem
from shared.types import changes_of


def _check(db_session: Session, partners: Sequence[int], items: Sequence[ActionPlanItemIn]) -> None:
    violations = Violations()
    known_orgs = set(
        db_session.execute(select(Organisation.id).where(Organisation.id.in_(set(partners))))
        .scalars()
        .all()
    )
    for i, organisation_id in enumerate(partners):
        if organisation_id not in known_orgs:
            violations.add(
                f"partners_consulted.{i}",
                f"no organisation {organisation_id}",
                rule="unknown-organisation",
            )
    project_ids = [item.project_id for item in items]
    known_projects = set(
        db_session.execute(select(Project.id).where(Project.id.in_(set(project_ids))))
        .scalars()
        .all()
    )
    seen: set[int] = set()
    for i, item in enumerate(items):
        if item.project_id not in known_projects:
            violations.add(
                f"items.{i}.project_id", f"no project {item.project_id}", rule="unknown-project"
            )
        if item.project_id in seen:
            violations.add(
                f"items.{i}.project_id", "the project is already an item", rule="duplicate-item"
            )
        seen.add(item.project_id)
        if item.end_year < item.start_year:
            violations.add(
                f"items.{i}.end_year", "the timeline ends before it starts", rule="end-before-start"
            )
    violations.raise_if_any()


def _set_contents(
    plan: ActionPlan, partners: Sequence[int], items: Sequence[ActionPlanItemIn]
) -> None:
    plan.partners.clear()
    plan.partners.extend(ActionPlanPartner(organisation_id=o) for o in dict.fromkeys(partners))
    plan.items.clear()
    plan.items.extend(
        ActionPlanItem(position=i, **item.model_dump()) for i, item in enumerate(items)
    )


def create_action_plan(*, db_session: Session, data: ActionPlanCreate) -> ActionPlan:
    _check(db_session, data.partners_consulted, data.items)
    latest = db_session.execute(select(func.max(ActionPlan.version_number))).scalar_one()
    plan = ActionPlan(
        version_number=(latest or 0) + 1, title=data.title, status=ActionPlanStatus.DRAFT
    )
    _set_contents(plan, data.partners_consulted, data.items)
    db_session.add(plan)
    db_session.flush()
    return plan


def get_action_plan(
    *, db_session: Session, action_plan_id: int, for_update: bool = False
) -> ActionPlan:
    return one_or_404(
        db_session,
        select(ActionPlan).where(ActionPlan.id == action_plan_id),
        entity="action plan",
        identifier=action_plan_id,
        for_update=for_update,
    )


def _ensure_draft(plan: ActionPlan, doing: str) -> None:
    if plan.status is not ActionPlanStatus.DRAFT:
        raise conflict(
            f"version {plan.version_number} is {plan.status.value}; only a draft can be {doing}",
            rule="action-plan-not-draft",
        )


def update_action_plan(
    *, db_session: Session, plan: ActionPlan, data: ActionPlanUpdate
) -> ActionPlan:
    _ensure_draft(plan, "changed")
    changes_of(data, ("title",))  # refuses a null title
    partners = (
        data.partners_consulted
        if data.partners_consulted is not None
        else [p.organisation_id for p in plan.partners]
    )
    items = (
        data.items
        if data.items is not None
        else [
            ActionPlanItemIn.model_validate(ActionPlanItemRead.model_validate(i).model_dump())
            for i in plan.items
        ]
    )
    _check(db_session, partners, items)
    if data.title is not None:
        plan.title = data.title
    if data.partners_consulted is not None or data.items is not None:
        _set_contents(plan, partners, items)
    db_session.flush()
    return plan


def adopt_action_plan(
    *, db_session: Session, plan: ActionPlan, data: ActionPlanAdopt
) -> ActionPlan:
    """Adopt a draft; the adopted version (if any) becomes superseded in the same transaction."""
    _ensure_draft(plan, "adopted")
    current = db_session.execute(
        select(ActionPlan).where(ActionPlan.is_current.is_(True)).with_for_update()
    ).scalar_one_or_none()
    if current is not None:
        if current.adopted_on is not None and data.adopted_on < current.adopted_on:
            raise field_problem(
                422,
                "adopted_on",
                f"version {current.version_number} was adopted on {current.adopted_on}; "
                "a new version cannot be adopted before it",
                rule="adoption-before-current",
            )
        current.status = ActionPlanStatus.SUPERSEDED
        current.is_current = None
        current.superseded_on = data.adopted_on
        db_session.flush()  # free the unique is_current slot before taking it
    plan.status = ActionPlanStatus.ADOPTED
    plan.is_current = True
    plan.adopted_on = data.adopted_on
    db_session.flush()
    return plan


def list_action_plans(
    *, db_session: Session, status: ActionPlanStatus | None, limit: int, cursor: str | None
) -> tuple[list[ActionPlan], str | None]:
    stmt = select(ActionPlan)
    if status is not None:
        stmt = stmt.where(ActionPlan.status == status)
    return paginate(
        db_session,
        stmt,
        keys=[SortKey(ActionPlan.version_number.expression, "desc")],
        limit=limit,
        cursor=cursor,
    )


def action_plan_read(plan: ActionPlan) -> ActionPlanRead:
    return ActionPlanRead(
        id=plan.id,
        version_number=plan.version_number,
        title=plan.title,
        status=plan.status,
        adopted_on=plan.adopted_on,
        superseded_on=plan.superseded_on,
        partners_consulted=[
            PartnerRead(
                organisation_id=p.organisation.id,
                iati_org_id=p.organisation.iati_org_id,
                name=p.organisation.name,
                type=p.organisation.type,
            )
            for p in plan.partners
        ],
        items=[ActionPlanItemRead.model_validate(i) for i in plan.items],
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )
