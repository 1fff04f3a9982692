"""Projects of the registry: register, change (status moves included), read the stored row,
and write a checked state onto it. No FastAPI here; callers commit.

The rules live in :mod:`.rules`; every write checks the project's whole desired state there,
then :func:`apply_state` writes it and the pre-aggregated facet counts follow in the same
transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.projects import facet_cells
from services.projects import reference as ref
from services.projects.centre import get_centre
from services.projects.models import (
    ActivityStatus,
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
from services.projects.rules import ProjectState, Violations, check_project
from services.projects.schemas.projects import (
    AlignmentIn,
    AlignmentRead,
    CountryShare,
    ParticipantIn,
    ProjectCreate,
    ProjectUpdate,
    RegionShare,
)
from shared.db import one_or_404
from shared.problems import field_problem
from shared.types import refuse_nulls

MAX_BATCH_IDS = 100
ROLE_CODES: dict[ParticipantRole, str] = {
    ParticipantRole.FUNDING: "1",
    ParticipantRole.ACCOUNTABLE: "2",
    ParticipantRole.EXTENDING: "3",
    ParticipantRole.IMPLEMENTING: "4",
}

# IATI activity status changes the registry allows; closed and cancelled are final.
ALLOWED_STATUS_CHANGES: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.PIPELINE: frozenset(
        {ActivityStatus.IMPLEMENTATION, ActivityStatus.CANCELLED, ActivityStatus.SUSPENDED}
    ),
    ActivityStatus.IMPLEMENTATION: frozenset(
        {ActivityStatus.FINALISATION, ActivityStatus.CANCELLED, ActivityStatus.SUSPENDED}
    ),
    ActivityStatus.FINALISATION: frozenset({ActivityStatus.CLOSED, ActivityStatus.IMPLEMENTATION}),
    ActivityStatus.SUSPENDED: frozenset(
        {ActivityStatus.PIPELINE, ActivityStatus.IMPLEMENTATION, ActivityStatus.CANCELLED}
    ),
    ActivityStatus.CLOSED: frozenset(),
    ActivityStatus.CANCELLED: frozenset(),
}


def state_from_body(body: ProjectCreate | ProjectUpdate) -> dict[str, Any]:
    """The fields a client sent, as model objects (nested models kept, not dumped)."""
    return {name: getattr(body, name) for name in body.model_fields_set}


def state_of(project: Project) -> ProjectState:
    """The current state of a stored project, in the input shape."""
    return ProjectState(
        title=project.title,
        description=project.description,
        status=project.status,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        actual_start=project.actual_start,
        actual_end=project.actual_end,
        dimensions=[d.dimension for d in project.dimensions],
        sdg_goals=[g.goal for g in project.goals],
        sdg_targets=[t.target for t in project.targets],
        recipient_countries=[
            CountryShare(code=c.country, percentage=c.percentage) for c in project.countries
        ],
        recipient_regions=[
            RegionShare(vocabulary=r.vocabulary, code=r.code, percentage=r.percentage)
            for r in project.regions
        ],
        participants=[
            ParticipantIn(organisation_id=p.organisation_id, role=p.role)
            for p in project.participants
        ],
        un_entities=[u.entity for u in project.un_entities],
        speca_groups=[s.group_code for s in project.speca_groups],
        lldc_priorities=[p.priority for p in project.lldc_priorities],
        coalitions=[c.coalition for c in project.coalitions],
        alignments=[
            AlignmentIn.model_validate(AlignmentRead.model_validate(a).model_dump())
            for a in project.alignments
        ],
        budget_amount=project.budget_amount,
        budget_currency=project.budget_currency,
    )


K = TypeVar("K", bound=Hashable)
C = TypeVar("C")


def _sync(
    collection: list[C], wanted: Sequence[K], key: Callable[[C], K], make: Callable[[K], C]
) -> None:
    """Make ``collection`` hold exactly ``wanted`` (by key), keeping unchanged rows."""
    wanted_set = set(wanted)
    for item in list(collection):
        if key(item) not in wanted_set:
            collection.remove(item)
    present = {key(item) for item in collection}
    for k in wanted:
        if k not in present:
            collection.append(make(k))
            present.add(k)


def apply_state(
    project: Project,
    state: ProjectState,
    participants: Sequence[tuple[Organisation, ParticipantRole]],
) -> None:
    """Write a checked state onto ``project`` (row and association rows)."""
    _write_columns(project, state)
    _sync_sdg_alignment(project, state)
    _sync_places(project, state)
    _sync(
        project.participants,
        [(o.id, r) for o, r in participants],
        lambda p: (p.organisation_id, p.role),
        lambda k: ProjectParticipant(organisation_id=k[0], role=k[1]),
    )
    _sync_cooperation(project, state)
    _sync_national_alignments(project, state)


_COLUMNS = (
    "title",
    "description",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget_amount",
    "budget_currency",
)


def _write_columns(project: Project, state: ProjectState) -> None:
    for name in _COLUMNS:
        setattr(project, name, getattr(state, name))


def _sync_sdg_alignment(project: Project, state: ProjectState) -> None:
    """Dimensions, goals and targets."""
    _sync(
        project.dimensions,
        state.dimensions,
        lambda r: r.dimension,
        lambda k: ProjectDimension(dimension=k),
    )
    _sync(project.goals, state.sdg_goals, lambda r: r.goal, lambda k: ProjectGoal(goal=k))
    _sync(project.targets, state.sdg_targets, lambda r: r.target, lambda k: ProjectTarget(target=k))


def _sync_places(project: Project, state: ProjectState) -> None:
    """Recipient countries and regions with their shares."""
    shares = {c.code: c.percentage for c in state.recipient_countries}
    _sync(project.countries, list(shares), lambda r: r.country, lambda k: ProjectCountry(country=k))
    for row in project.countries:
        if row.percentage != shares[row.country]:
            row.percentage = shares[row.country]
    region_shares = {(r.vocabulary, r.code): r.percentage for r in state.recipient_regions}
    _sync(
        project.regions,
        list(region_shares),
        lambda r: (r.vocabulary, r.code),
        lambda k: ProjectRegion(vocabulary=k[0], code=k[1]),
    )
    for region in project.regions:
        share = region_shares[(region.vocabulary, region.code)]
        if region.percentage != share:
            region.percentage = share


def _sync_cooperation(project: Project, state: ProjectState) -> None:
    """Coordinating UN entities, SPECA groups, LLDC priorities, coalitions."""
    _sync(
        project.un_entities,
        state.un_entities,
        lambda r: r.entity,
        lambda k: ProjectUnEntity(entity=k),
    )
    _sync(
        project.speca_groups,
        state.speca_groups,
        lambda r: r.group_code,
        lambda k: ProjectSpecaGroup(group_code=k),
    )
    _sync(
        project.lldc_priorities,
        state.lldc_priorities,
        lambda r: r.priority,
        lambda k: ProjectLldcPriority(priority=k),
    )
    _sync(
        project.coalitions,
        state.coalitions,
        lambda r: r.coalition,
        lambda k: ProjectCoalition(coalition=k),
    )


def _sync_national_alignments(project: Project, state: ProjectState) -> None:
    """Alignment statements, replaced as a whole when any of them changed."""
    wanted_alignments = [a.model_dump() for a in state.alignments]
    current = [AlignmentRead.model_validate(a).model_dump() for a in project.alignments]
    if current != wanted_alignments:
        project.alignments.clear()
        project.alignments.extend(ProjectAlignment(**a) for a in wanted_alignments)


def identifier_for(
    *,
    db_session: Session,
    iati_identifier: str | None,
    local_code: str | None,
    violations: Violations,
) -> str:
    """The IATI identifier of a new project: the Centre's organisation identifier + code."""
    prefix = get_centre(db_session=db_session).iati_org_id + "-"
    if (iati_identifier is None) == (local_code is None):
        violations.add(
            "iati_identifier",
            "give exactly one of iati_identifier and local_code",
            rule="identifier-required",
        )
        return ""
    if local_code is not None:
        return prefix + local_code
    assert iati_identifier is not None
    if not iati_identifier.startswith(prefix) or len(iati_identifier) == len(prefix):
        violations.add(
            "iati_identifier",
            f"must be the Centre's organisation identifier, '-' and a local code ({prefix}…)",
            rule="identifier-prefix",
        )
    return iati_identifier


def ensure_unique_identifier(db_session: Session, iati_identifier: str) -> None:
    if (
        db_session.execute(
            select(Project.id).where(Project.iati_identifier == iati_identifier)
        ).first()
        is not None
    ):
        raise field_problem(
            409,
            "iati_identifier",
            f"a project with identifier {iati_identifier} already exists",
            rule="duplicate-iati-identifier",
        )


def create_project(*, db_session: Session, data: ProjectCreate) -> Project:
    violations = Violations()
    identifier = identifier_for(
        db_session=db_session,
        iati_identifier=data.iati_identifier,
        local_code=data.local_code,
        violations=violations,
    )
    state = ProjectState(title=data.title)
    state.overlay(state_from_body(data))
    participants = check_project(db_session, state, violations)
    violations.raise_if_any()
    ensure_unique_identifier(db_session, identifier)
    project = Project(iati_identifier=identifier)
    apply_state(project, state, participants)
    db_session.add(project)
    project = _reloaded(db_session, project)
    facet_cells.apply_delta(db_session, Counter(), facet_cells.contribution(project))
    return project


def _reloaded(db_session: Session, project: Project) -> Project:
    """Flush, then read the project back as stored (canonical decimals, collection order)."""
    db_session.flush()
    db_session.expire_all()
    return get_project(db_session=db_session, project_id=project.id)


def check_status_change(current: ActivityStatus, wanted: ActivityStatus) -> None:
    if wanted is current or wanted in ALLOWED_STATUS_CHANGES[current]:
        return
    allowed = sorted(s.value for s in ALLOWED_STATUS_CHANGES[current])
    raise field_problem(
        409,
        "status",
        f"a project in status {current.value} ({status_name(current)}) cannot move to "
        f"{wanted.value} ({status_name(wanted)}); allowed: {', '.join(allowed) or 'none (final)'}",
        rule="illegal-status-change",
    )


def update_project(*, db_session: Session, project: Project, data: ProjectUpdate) -> Project:
    changes = state_from_body(data)
    refuse_nulls(changes, ("title", "status"))
    state = state_of(project)
    if "status" in changes:
        check_status_change(project.status, changes["status"])
    state.overlay(changes)
    violations = Violations()
    participants = check_project(db_session, state, violations)
    violations.raise_if_any()
    before = facet_cells.contribution(project)
    apply_state(project, state, participants)
    project = _reloaded(db_session, project)
    facet_cells.apply_delta(db_session, before, facet_cells.contribution(project))
    return project


def get_project(*, db_session: Session, project_id: int, for_update: bool = False) -> Project:
    return one_or_404(
        db_session,
        select(Project).where(Project.id == project_id),
        entity="project",
        identifier=project_id,
        for_update=for_update,
    )


def check_batch_size(project_ids: Sequence[int]) -> None:
    if len(project_ids) > MAX_BATCH_IDS:
        raise field_problem(
            422,
            "ids",
            f"ask for at most {MAX_BATCH_IDS} ids at once",
            rule="too-many-ids",
            location="query",
        )


def status_name(status: ActivityStatus) -> str:
    item = ref.codelist("ActivityStatus").get(status.value)
    return item.name if item is not None else status.value
