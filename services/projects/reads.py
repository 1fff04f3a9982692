"""Project answers (``ProjectRead``) read straight from the tables in two statements.

The ORM relationships of :class:`~services.projects.models.Project` serve writes: the rules
compare and sync whole collections. An answer needs none of that, and loading it through them
cost one statement per collection (thirteen for one project). Here the project rows are read as
plain columns, then every collection of every project asked for (classifications, participants
with their organisation, alignments) comes back from one ``UNION ALL`` ordered by project, by
collection and by each collection's own order. A single read, a page and a batch therefore cost
two statements whatever their size.

The union's rows share one set of slots, filled per collection as :func:`_collections` says; the
ordering is the database's (``ORDER BY`` over the union), so codes sort by the same collation
the relationships' ``order_by`` used.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Numeric,
    Select,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from services.projects import projects
from services.projects import reference as ref
from services.projects.filters import ProjectFilter
from services.projects.models import (
    Dimension,
    Organisation,
    ParticipantRole,
    Project,
    ProjectAlignment,
    ProjectCoalition,
    ProjectCountry,
    ProjectDimension,
    ProjectGoal,
    ProjectLldcPriority,
    ProjectParticipant,
    ProjectRegion,
    ProjectSpecaGroup,
    ProjectTarget,
    ProjectUnEntity,
)
from services.projects.schemas.projects import (
    AlignmentRead,
    CountryShareRead,
    MoneyRead,
    ParticipantRead,
    ProjectRead,
    RegionShareRead,
)
from shared.pagination import SortKey, paginate
from shared.problems import not_found

# The project row as an answer needs it (not ``version``).
_PROJECT_COLUMNS: tuple[Any, ...] = (
    Project.id,
    Project.iati_identifier,
    Project.title,
    Project.description,
    Project.status,
    Project.planned_start,
    Project.planned_end,
    Project.actual_start,
    Project.actual_end,
    Project.budget_amount,
    Project.budget_currency,
    Project.created_at,
    Project.updated_at,
)


class _Kind(enum.IntEnum):
    """Which collection a union row belongs to."""

    DIMENSION = 1
    GOAL = 2
    TARGET = 3
    COUNTRY = 4
    REGION = 5
    PARTICIPANT = 6
    UN_ENTITY = 7
    SPECA_GROUP = 8
    LLDC_PRIORITY = 9
    COALITION = 10
    ALIGNMENT = 11


# Slots of a union row and their Python types (enums come back as their stored values).
_SLOTS: dict[str, Any] = {
    "seq": Integer(),  # the row id where a collection is ordered by it
    "c1": String(),
    "c2": String(),
    "c3": String(),
    "c4": String(),
    "percentage": Numeric(5, 2),
    "n1": Integer(),
    "n2": Integer(),
}
_ORDER = ("project_id", "kind", "seq", "c1", "c2")


def _branch(kind: _Kind, project_id: Any, **slots: Any) -> Select[Any]:
    """One collection's rows in the union's slots; unused slots are typed NULLs (PostgreSQL
    resolves a union's column types branch by branch and would take bare NULLs as text)."""
    columns = [
        literal_column(str(int(kind)), Integer()).label("kind"),
        type_coerce(project_id, Integer()).label("project_id"),
        *(
            (type_coerce(slots[name], type_) if name in slots else cast(null(), type_)).label(name)
            for name, type_ in _SLOTS.items()
        ),
    ]
    return select(*columns)


@cache
def _collections() -> Select[Any]:
    """Every collection of the projects ``:project_ids``, ordered (built once, from the tables
    rather than the mapped classes: plain rows, no ORM loading)."""
    participant, organisation = ProjectParticipant.__table__.c, Organisation.__table__.c
    alignment = ProjectAlignment.__table__.c
    country, region = ProjectCountry.__table__.c, ProjectRegion.__table__.c
    codes = (
        (_Kind.DIMENSION, ProjectDimension.__table__.c, "dimension"),
        (_Kind.GOAL, ProjectGoal.__table__.c, "goal"),
        (_Kind.TARGET, ProjectTarget.__table__.c, "target"),
        (_Kind.UN_ENTITY, ProjectUnEntity.__table__.c, "entity"),
        (_Kind.SPECA_GROUP, ProjectSpecaGroup.__table__.c, "group_code"),
        (_Kind.LLDC_PRIORITY, ProjectLldcPriority.__table__.c, "priority"),
        (_Kind.COALITION, ProjectCoalition.__table__.c, "coalition"),
    )
    branches = [
        _branch(
            _Kind.COUNTRY, country.project_id, c1=country.country, percentage=country.percentage
        ),
        _branch(
            _Kind.REGION,
            region.project_id,
            c1=region.code,
            c2=region.vocabulary,
            percentage=region.percentage,
        ),
        *(_branch(kind, table.project_id, c1=table[code]) for kind, table, code in codes),
        _branch(
            _Kind.PARTICIPANT,
            participant.project_id,
            seq=participant.id,
            c1=participant.role,
            c2=organisation.iati_org_id,
            c3=organisation.name,
            c4=organisation.type,
            n1=organisation.id,
        ).join_from(
            ProjectParticipant.__table__,
            Organisation.__table__,
            participant.organisation_id == organisation.id,
        ),
        _branch(
            _Kind.ALIGNMENT,
            alignment.project_id,
            seq=alignment.id,
            c1=alignment.country,
            c2=alignment.framework,
            c3=alignment.framework_title,
            c4=alignment.statement,
            n1=alignment.period_start_year,
            n2=alignment.period_end_year,
        ),
    ]
    rows = union_all(*branches).subquery("collections")
    return (
        select(rows)
        .where(rows.c.project_id.in_(bindparam("project_ids", expanding=True)))
        .order_by(*(rows.c[name] for name in _ORDER))
    )


@dataclass
class _Collected:
    codes: dict[_Kind, list[str]] = field(default_factory=lambda: {k: [] for k in _Kind})
    countries: list[CountryShareRead] = field(default_factory=list)
    regions: list[RegionShareRead] = field(default_factory=list)
    participants: list[ParticipantRead] = field(default_factory=list)
    alignments: list[AlignmentRead] = field(default_factory=list)


_DIMENSION_ORDER = {d.value: i for i, d in enumerate(Dimension)}


@cache
def countries_by_code() -> dict[str, ref.Country]:
    return {c.alpha2: c for c in ref.countries(include_withdrawn=True)}


def _collect(db_session: Session, project_ids: Sequence[int]) -> dict[int, _Collected]:
    collected = {i: _Collected() for i in project_ids}
    if not project_ids:
        return collected
    names = countries_by_code()
    rows = db_session.execute(_collections(), {"project_ids": list(project_ids)}).all()
    for kind, project_id, _seq, c1, c2, c3, c4, percentage, n1, n2 in rows:
        into = collected[project_id]
        if kind == _Kind.COUNTRY:
            country = names.get(c1)
            into.countries.append(
                CountryShareRead(
                    code=c1,
                    name=country.name if country is not None else c1,
                    programme=country is not None and country.programme,
                    percentage=percentage,
                )
            )
        elif kind == _Kind.REGION:
            into.regions.append(RegionShareRead(vocabulary=c2, code=c1, percentage=percentage))
        elif kind == _Kind.PARTICIPANT:
            role = ParticipantRole(c1)
            into.participants.append(
                ParticipantRead(
                    organisation_id=n1,
                    iati_org_id=c2,
                    name=c3,
                    type=c4,
                    role=role,
                    role_code=projects.ROLE_CODES[role],
                )
            )
        elif kind == _Kind.ALIGNMENT:
            into.alignments.append(
                AlignmentRead(
                    country=c1,
                    framework=c2,
                    framework_title=c3,
                    statement=c4,
                    period_start_year=n1,
                    period_end_year=n2,
                )
            )
        else:
            into.codes[kind].append(c1)
    return collected


def _answer(row: Mapping[Any, Any], collected: _Collected) -> ProjectRead:
    codes = collected.codes
    amount: Decimal | None = row["budget_amount"]
    currency: str | None = row["budget_currency"]
    return ProjectRead(
        id=row["id"],
        iati_identifier=row["iati_identifier"],
        title=row["title"],
        description=row["description"],
        status=row["status"],
        status_name=projects.status_name(row["status"]),
        planned_start=row["planned_start"],
        planned_end=row["planned_end"],
        actual_start=row["actual_start"],
        actual_end=row["actual_end"],
        dimensions=sorted(codes[_Kind.DIMENSION], key=_DIMENSION_ORDER.__getitem__),
        sdg_goals=sorted(codes[_Kind.GOAL], key=ref.goal_order),
        sdg_targets=sorted(codes[_Kind.TARGET], key=ref.target_order),
        recipient_countries=collected.countries,
        recipient_regions=collected.regions,
        participants=collected.participants,
        un_entities=codes[_Kind.UN_ENTITY],
        speca_groups=codes[_Kind.SPECA_GROUP],
        lldc_priorities=codes[_Kind.LLDC_PRIORITY],
        coalitions=codes[_Kind.COALITION],
        alignments=collected.alignments,
        planned_budget=(
            MoneyRead(amount=amount, currency=currency)
            if amount is not None and currency is not None
            else None
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _answers(db_session: Session, rows: Sequence[Mapping[Any, Any]]) -> list[ProjectRead]:
    collected = _collect(db_session, [row["id"] for row in rows])
    return [_answer(row, collected[row["id"]]) for row in rows]


@cache
def _one_project() -> Select[Any]:
    projects = Project.__table__.c
    return select(*(projects[c.key] for c in _PROJECT_COLUMNS)).where(
        projects.id == bindparam("project_id")
    )


def project_read(db_session: Session, project_id: int) -> ProjectRead:
    """The answer for one project, or a 404 problem."""
    db_session.flush()  # plain table reads skip the ORM's autoflush: write pending changes
    row = db_session.execute(_one_project(), {"project_id": project_id}).mappings().one_or_none()
    if row is None:
        raise not_found("project", project_id)
    return _answers(db_session, [row])[0]


def project_reads(db_session: Session, project_ids: Sequence[int]) -> list[ProjectRead]:
    """Answers for these ids in the order asked; unknown ids are left out."""
    projects.check_batch_size(project_ids)
    db_session.flush()  # as in project_read
    rows = {
        row["id"]: row
        for row in db_session.execute(
            select(*_PROJECT_COLUMNS).where(Project.id.in_(set(project_ids)))
        ).mappings()
    }
    return _answers(db_session, [rows[i] for i in dict.fromkeys(project_ids) if i in rows])


def list_project_reads(
    *, db_session: Session, filters: ProjectFilter, limit: int, cursor: str | None
) -> tuple[list[ProjectRead], str | None]:
    """A page of answers matching ``filters``, in id order, and the next cursor."""
    rows, next_cursor = paginate(
        db_session,
        filters.apply(select(*_PROJECT_COLUMNS)),
        keys=[SortKey(Project.id.expression)],
        limit=limit,
        cursor=cursor,
    )
    return _answers(db_session, rows), next_cursor
