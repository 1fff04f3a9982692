"""Upkeep of the pre-aggregated facet counts (``facet_counts``), see :mod:`.facets`.

Every project write computes the cells the project counted in before and after, and adds the
difference in the same transaction. Rows are upserted in sorted key order so that concurrent
writers take row locks in one order and cannot deadlock each other.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Table, delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.projects.models import FacetCell, Project

ANY = ""  # a filter column's value meaning "any"

Key = tuple[str, str, str, str, str]


def contribution(project: Project | None) -> Counter[Key]:
    """The cells a project counts in (empty for no project)."""
    cells: Counter[Key] = Counter()
    if project is None:
        return cells
    countries = [c.country for c in project.countries]
    goals = [g.goal for g in project.goals]
    status = project.status.value
    values = [
        *(("country", c) for c in countries),
        *(("sdg_goal", g) for g in goals),
        *(("dimension", d.dimension.value) for d in project.dimensions),
        ("status", status),
        ("total", ANY),
    ]
    for country in [*countries, ANY]:
        for goal in [*goals, ANY]:
            for state in (status, ANY):
                for facet, code in values:
                    cells[(country, goal, state, facet, code)] += 1
    return cells


def apply_delta(db_session: Session, before: Counter[Key], after: Counter[Key]) -> None:
    """Add ``after - before`` to the stored counts (negative deltas included)."""
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
    rows = [
        {"country": k[0], "goal": k[1], "status": k[2], "facet": k[3], "code": k[4], "count": n}
        for k, n in sorted(delta.items())
        if n
    ]
    if not rows:
        return
    dialect = db_session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = FacetCell.__table__
    assert isinstance(table, Table)
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["country", "goal", "status", "facet", "code"],
        set_={"count": table.c.count + stmt.excluded.count},
    )
    db_session.execute(stmt, rows)


REBUILD_SQL = """
WITH keys_country AS (
    SELECT project_id, country FROM project_countries
    UNION ALL SELECT id, '' FROM projects
), keys_goal AS (
    SELECT project_id, goal FROM project_goals
    UNION ALL SELECT id, '' FROM projects
), keys_status AS (
    SELECT id AS project_id, status FROM projects
    UNION ALL SELECT id, '' FROM projects
), cell_keys AS (
    SELECT c.project_id, c.country, g.goal, s.status
    FROM keys_country c
    JOIN keys_goal g ON g.project_id = c.project_id
    JOIN keys_status s ON s.project_id = c.project_id
), cell_values AS (
    SELECT project_id, 'country' AS facet, country AS code FROM project_countries
    UNION ALL SELECT project_id, 'sdg_goal', goal FROM project_goals
    UNION ALL SELECT project_id, 'dimension', dimension FROM project_dimensions
    UNION ALL SELECT id, 'status', status FROM projects
    UNION ALL SELECT id, 'total', '' FROM projects
)
INSERT INTO facet_counts (country, goal, status, facet, code, count)
SELECT k.country, k.goal, k.status, v.facet, v.code, count(*)
FROM cell_keys k JOIN cell_values v ON v.project_id = k.project_id
GROUP BY k.country, k.goal, k.status, v.facet, v.code
"""


def rebuild_facet_counts(db_session: Session) -> None:
    """Recompute every pre-aggregated count from the projects (after bulk loads, repairs)."""
    db_session.execute(delete(FacetCell))
    db_session.execute(text(REBUILD_SQL))
