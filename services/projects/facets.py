"""Facet counts of the registry: live for any filter, pre-aggregated for the main cut.

Exact counts over a filtered set cost time in proportion to the set, which at 100k projects
is too slow for a dashboard. The cut dashboards use most — any combination of country, SDG
goal and status — is therefore kept pre-aggregated in ``facet_counts``: every project write
adds its contribution delta (in sorted key order, so concurrent writers lock rows in the same
order), and a read is one primary-key range scan. Other filters count live.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.projects.facet_cells import ANY
from services.projects.filters import ProjectFilter
from services.projects.models import (
    FacetCell,
    Project,
    ProjectCountry,
    ProjectDimension,
    ProjectGoal,
    ProjectLldcPriority,
    ProjectSpecaGroup,
)
from services.projects.reference import goal_order

FACETS = ("country", "sdg_goal", "dimension", "status")
REGIONAL_FACETS = ("speca_group", "lldc_priority")
_CUBE_FILTERS = frozenset({"country", "sdg_goal", "status"})


def _live(db_session: Session, filters: ProjectFilter) -> dict[str, Any]:
    matching = filters.apply(select(Project.id)).scalar_subquery()
    total = db_session.execute(filters.apply(select(func.count(Project.id)))).scalar_one()

    def counts(column: Any, project_id: Any) -> list[tuple[str, int]]:
        stmt = select(column, func.count()).where(project_id.in_(matching)).group_by(column)
        return [(str(code), int(n)) for code, n in db_session.execute(stmt).all()]

    return {
        "total": int(total),
        "country": counts(ProjectCountry.country, ProjectCountry.project_id),
        "sdg_goal": counts(ProjectGoal.goal, ProjectGoal.project_id),
        "dimension": counts(ProjectDimension.dimension, ProjectDimension.project_id),
        "status": counts(Project.status, Project.id),
    }


def _from_cells(db_session: Session, filters: ProjectFilter) -> dict[str, Any]:
    stmt = select(FacetCell.facet, FacetCell.code, FacetCell.count).where(
        FacetCell.country == (filters.country or ANY),
        FacetCell.goal == (filters.sdg_goal or ANY),
        FacetCell.status == (filters.status.value if filters.status else ANY),
        FacetCell.count > 0,
    )
    result: dict[str, Any] = {"total": 0, **{facet: [] for facet in FACETS}}
    for facet, code, n in db_session.execute(stmt).all():
        if facet == "total":
            result["total"] = int(n)
        else:
            result[facet].append((code, int(n)))
    return result


def _regional(db_session: Session, filters: ProjectFilter) -> dict[str, list[tuple[str, int]]]:
    """Counts per SPECA working group and LLDC priority of the projects the filter selects."""
    matching = filters.apply(select(Project.id)) if filters.conditions() else None

    def counts(column: Any, project_id: Any) -> list[tuple[str, int]]:
        stmt = select(column, func.count()).group_by(column)
        if matching is not None:
            stmt = stmt.where(project_id.in_(matching.scalar_subquery()))
        return [(str(code), int(n)) for code, n in db_session.execute(stmt).all()]

    return {
        "speca_group": counts(ProjectSpecaGroup.group_code, ProjectSpecaGroup.project_id),
        "lldc_priority": counts(ProjectLldcPriority.priority, ProjectLldcPriority.project_id),
    }


def uses_cells(filters: ProjectFilter) -> bool:
    given = {name for name, value in vars(filters).items() if value is not None}
    return given <= _CUBE_FILTERS


def project_facets(
    *, db_session: Session, filters: ProjectFilter, live: bool = False
) -> dict[str, Any]:
    """Counts per country, goal, dimension, status, SPECA working group and LLDC priority of
    the projects the filter selects."""
    found = (
        _from_cells(db_session, filters)
        if uses_cells(filters) and not live
        else _live(db_session, filters)
    )
    found.update(_regional(db_session, filters))
    for facet in (*FACETS, *REGIONAL_FACETS):
        found[facet] = _ordered(facet, found[facet])
    return found


def _ordered(facet: str, counts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    if facet == "sdg_goal":
        return sorted(counts, key=lambda r: (-r[1], goal_order(r[0])))
    return sorted(counts, key=lambda r: (-r[1], r[0]))
