"""The registry filter: the cut of the registry a list page, the facet counts or an IATI
export ask for, and the SQL conditions that select it. Every field narrows (AND)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select

from services.projects.models import (
    ActionPlan,
    ActionPlanItem,
    ActivityStatus,
    Dimension,
    ParticipantRole,
    Project,
    ProjectCoalition,
    ProjectCountry,
    ProjectDimension,
    ProjectGoal,
    ProjectLldcPriority,
    ProjectParticipant,
    ProjectSpecaGroup,
    ProjectTarget,
)


@dataclass(frozen=True)
class ProjectFilter:
    """What dashboards cut the registry by; every field narrows (AND)."""

    country: str | None = None
    sdg_goal: str | None = None
    sdg_target: str | None = None
    dimension: Dimension | None = None
    status: ActivityStatus | None = None
    organisation_id: int | None = None
    role: ParticipantRole | None = None
    speca_group: str | None = None
    lldc_priority: str | None = None
    coalition: str | None = None
    action_plan_version: int | None = None
    year_active: int | None = None
    q: str | None = None

    def conditions(self) -> list[Any]:
        conds: list[Any] = []
        pid = Project.id

        def member(table: Any, column: Any, value: Any) -> None:
            conds.append(pid.in_(select(table.project_id).where(column == value)))

        if self.country is not None:
            member(ProjectCountry, ProjectCountry.country, self.country)
        if self.sdg_goal is not None:
            member(ProjectGoal, ProjectGoal.goal, self.sdg_goal)
        if self.sdg_target is not None:
            member(ProjectTarget, ProjectTarget.target, self.sdg_target)
        if self.dimension is not None:
            member(ProjectDimension, ProjectDimension.dimension, self.dimension)
        if self.status is not None:
            conds.append(Project.status == self.status)
        if self.organisation_id is not None or self.role is not None:
            sub = select(ProjectParticipant.project_id)
            if self.organisation_id is not None:
                sub = sub.where(ProjectParticipant.organisation_id == self.organisation_id)
            if self.role is not None:
                sub = sub.where(ProjectParticipant.role == self.role)
            conds.append(pid.in_(sub))
        if self.speca_group is not None:
            member(ProjectSpecaGroup, ProjectSpecaGroup.group_code, self.speca_group)
        if self.lldc_priority is not None:
            member(ProjectLldcPriority, ProjectLldcPriority.priority, self.lldc_priority)
        if self.coalition is not None:
            member(ProjectCoalition, ProjectCoalition.coalition, self.coalition)
        if self.action_plan_version is not None:
            conds.append(
                exists(
                    select(ActionPlanItem.id)
                    .join(ActionPlan, ActionPlan.id == ActionPlanItem.action_plan_id)
                    .where(
                        ActionPlanItem.project_id == pid,
                        ActionPlan.version_number == self.action_plan_version,
                    )
                )
            )
        if self.year_active is not None:
            first = dt.date(self.year_active, 1, 1)
            last = dt.date(self.year_active, 12, 31)
            start = func.coalesce(Project.actual_start, Project.planned_start)
            end = func.coalesce(Project.actual_end, Project.planned_end)
            conds.append(and_(start.is_not(None), start <= last, or_(end.is_(None), end >= first)))
        if self.q:
            conds.append(
                or_(
                    Project.title.icontains(self.q, autoescape=True),
                    Project.description.icontains(self.q, autoescape=True),
                )
            )
        return conds

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        conds = self.conditions()
        return stmt.where(*conds) if conds else stmt
