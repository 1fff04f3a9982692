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
        """The SQL condition of every field given, in field order."""
        found = (
            _member(ProjectCountry, ProjectCountry.country, self.country),
            _member(ProjectGoal, ProjectGoal.goal, self.sdg_goal),
            _member(ProjectTarget, ProjectTarget.target, self.sdg_target),
            _member(ProjectDimension, ProjectDimension.dimension, self.dimension),
            None if self.status is None else Project.status == self.status,
            self._participant(),
            _member(ProjectSpecaGroup, ProjectSpecaGroup.group_code, self.speca_group),
            _member(ProjectLldcPriority, ProjectLldcPriority.priority, self.lldc_priority),
            _member(ProjectCoalition, ProjectCoalition.coalition, self.coalition),
            self._in_action_plan(),
            self._active_in_year(),
            self._text(),
        )
        return [c for c in found if c is not None]

    def _participant(self) -> Any | None:
        """An organisation taking part, in a given role, or both."""
        if self.organisation_id is None and self.role is None:
            return None
        sub = select(ProjectParticipant.project_id)
        if self.organisation_id is not None:
            sub = sub.where(ProjectParticipant.organisation_id == self.organisation_id)
        if self.role is not None:
            sub = sub.where(ProjectParticipant.role == self.role)
        return Project.id.in_(sub)

    def _in_action_plan(self) -> Any | None:
        if self.action_plan_version is None:
            return None
        return exists(
            select(ActionPlanItem.id)
            .join(ActionPlan, ActionPlan.id == ActionPlanItem.action_plan_id)
            .where(
                ActionPlanItem.project_id == Project.id,
                ActionPlan.version_number == self.action_plan_version,
            )
        )

    def _active_in_year(self) -> Any | None:
        """Started (actually, else as planned) by the year's end, not ended before it began."""
        if self.year_active is None:
            return None
        first = dt.date(self.year_active, 1, 1)
        last = dt.date(self.year_active, 12, 31)
        start = func.coalesce(Project.actual_start, Project.planned_start)
        end = func.coalesce(Project.actual_end, Project.planned_end)
        return and_(start.is_not(None), start <= last, or_(end.is_(None), end >= first))

    def _text(self) -> Any | None:
        if not self.q:
            return None
        return or_(
            Project.title.icontains(self.q, autoescape=True),
            Project.description.icontains(self.q, autoescape=True),
        )

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        conds = self.conditions()
        return stmt.where(*conds) if conds else stmt


def _member(table: Any, column: Any, value: Any) -> Any | None:
    """The project has a row in ``table`` whose ``column`` is ``value``."""
    if value is None:
        return None
    return Project.id.in_(select(table.project_id).where(column == value))
