"""Domain logic of the registry: organisations and projects. No FastAPI here; callers commit.

Every project rule is checked in :func:`check_project` against the complete desired state
(the create body, or the current project overlaid with an update), so create, update and
IATI import share one statement of each rule.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from services.projects import facet_cells
from services.projects import reference as ref
from services.projects.models import (
    ActionPlan,
    ActionPlanItem,
    ActivityStatus,
    CentreProfile,
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
from services.projects.rules import Violations
from services.projects.schemas.organisations import OrganisationCreate, OrganisationUpdate
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
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem

MAX_BATCH_IDS = 100
ROLE_CODES: dict[ParticipantRole, str] = {
    ParticipantRole.FUNDING: "1",
    ParticipantRole.ACCOUNTABLE: "2",
    ParticipantRole.EXTENDING: "3",
    ParticipantRole.IMPLEMENTING: "4",
}
CENTRE_ORGANISATION_TYPE = "40"  # IATI OrganisationType: Multilateral

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


# ---------------------------------------------------------------------- Centre


CENTRE_DEFAULTS: dict[str, Any] = {
    "id": 1,
    "name": "United Nations Regional Centre for the Sustainable Development Goals for "
    "Central Asia and Afghanistan",
    "seat_city": "Almaty",
    "seat_country": "KZ",
    "iati_org_id": "XM-SDGCA",
    "head_appointed_by": "Secretary-General of the United Nations",
    "revision": 1,
    "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),  # as seeded: stable ETag until edited
}


def get_centre(*, db_session: Session, for_update: bool = False) -> CentreProfile:
    """The Centre's profile; the migration seeds it, and it is re-made from the same defaults
    if the table was emptied (a database restored without data, the test pool)."""
    stmt = select(CentreProfile).where(CentreProfile.id == 1)
    if for_update:
        stmt = stmt.with_for_update()
    centre = db_session.execute(stmt).scalar_one_or_none()
    if centre is None:
        centre = CentreProfile(**CENTRE_DEFAULTS)
        db_session.add(centre)
        db_session.flush()
    return centre


def centre_organisation(*, db_session: Session) -> Organisation:
    """The Centre as an organisation of the registry (created on first use)."""
    centre = get_centre(db_session=db_session)
    organisation = db_session.execute(
        select(Organisation).where(Organisation.iati_org_id == centre.iati_org_id)
    ).scalar_one_or_none()
    if organisation is None:
        organisation = Organisation(
            iati_org_id=centre.iati_org_id,
            name=centre.name,
            type=CENTRE_ORGANISATION_TYPE,
            country=centre.seat_country,
        )
        db_session.add(organisation)
        db_session.flush()
    return organisation


# --------------------------------------------------------------- organisations


def _check_organisation_codes(type_: str | None, country: str | None) -> None:
    if type_ is not None and not ref.codelist("OrganisationType").contains(type_):
        raise field_problem(
            422, "type", f"{type_} is not an IATI OrganisationType code", rule="unknown-code"
        )
    if country is not None and not ref.is_country(country):
        raise field_problem(
            422, "country", f"{country} is not an ISO 3166-1 alpha-2 code", rule="unknown-country"
        )


def _ensure_unique_org_id(
    db_session: Session, iati_org_id: str | None, *, exclude_id: int | None = None
) -> None:
    if iati_org_id is None:
        return
    stmt = select(Organisation.id).where(Organisation.iati_org_id == iati_org_id)
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    if db_session.execute(stmt).first() is not None:
        raise field_problem(
            409,
            "iati_org_id",
            f"an organisation with identifier {iati_org_id} already exists",
            rule="duplicate-iati-org-id",
        )


def create_organisation(*, db_session: Session, data: OrganisationCreate) -> Organisation:
    _check_organisation_codes(data.type, data.country)
    _ensure_unique_org_id(db_session, data.iati_org_id)
    organisation = Organisation(**data.model_dump())
    db_session.add(organisation)
    db_session.flush()
    return organisation


def get_organisation(
    *, db_session: Session, organisation_id: int, for_update: bool = False
) -> Organisation:
    return one_or_404(
        db_session,
        select(Organisation).where(Organisation.id == organisation_id),
        entity="organisation",
        identifier=organisation_id,
        for_update=for_update,
    )


def update_organisation(
    *, db_session: Session, organisation: Organisation, data: OrganisationUpdate
) -> Organisation:
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "type"):
        if name in changes and changes[name] is None:
            raise field_problem(422, name, "may not be null", rule="required")
    _check_organisation_codes(changes.get("type"), changes.get("country"))
    if "iati_org_id" in changes:
        _ensure_unique_org_id(db_session, changes["iati_org_id"], exclude_id=organisation.id)
    for name, value in changes.items():
        setattr(organisation, name, value)
    db_session.flush()
    return organisation


def list_organisations(
    *,
    db_session: Session,
    type_: str | None,
    country: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    stmt = select(Organisation)
    if type_ is not None:
        stmt = stmt.where(Organisation.type == type_)
    if country is not None:
        stmt = stmt.where(Organisation.country == country)
    if q:
        stmt = stmt.where(Organisation.name.icontains(q, autoescape=True))
    return paginate(
        db_session, stmt, keys=[SortKey(Organisation.id.expression)], limit=limit, cursor=cursor
    )


# ----------------------------------------------------------- project: the rules


@dataclass
class ProjectState:
    """The complete desired state of a project, checked as a whole."""

    title: str
    description: str | None = None
    status: ActivityStatus = ActivityStatus.PIPELINE
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    sdg_goals: list[str] = field(default_factory=list)
    sdg_targets: list[str] = field(default_factory=list)
    recipient_countries: list[CountryShare] = field(default_factory=list)
    recipient_regions: list[RegionShare] = field(default_factory=list)
    participants: list[ParticipantIn] = field(default_factory=list)
    un_entities: list[str] = field(default_factory=list)
    speca_groups: list[str] = field(default_factory=list)
    lldc_priorities: list[str] = field(default_factory=list)
    coalitions: list[str] = field(default_factory=list)
    alignments: list[AlignmentIn] = field(default_factory=list)
    budget_amount: Decimal | None = None
    budget_currency: str | None = None

    def overlay(self, changes: dict[str, Any]) -> None:
        """Apply the fields a client sent (``model_dump(exclude_unset=True)`` of the model)."""
        for name, value in changes.items():
            if name == "planned_budget":
                self.budget_amount = value.amount if value else None
                self.budget_currency = value.currency if value else None
            elif name in ("iati_identifier", "local_code"):
                continue
            else:
                setattr(self, name, [] if value is None and _is_list(name) else value)


_LIST_FIELDS = frozenset(
    {
        "dimensions",
        "sdg_goals",
        "sdg_targets",
        "recipient_countries",
        "recipient_regions",
        "participants",
        "un_entities",
        "speca_groups",
        "lldc_priorities",
        "coalitions",
        "alignments",
    }
)


def _is_list(name: str) -> bool:
    return name in _LIST_FIELDS


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


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_codes(
    violations: Violations,
    name: str,
    codes: Sequence[str],
    known: Callable[[str], bool],
    *,
    rule: str,
    what: str,
) -> None:
    for i, code in enumerate(codes):
        if not known(code):
            violations.add(f"{name}.{i}", f"{code!r} is not a known {what}", rule=rule)


def _check_dates(
    violations: Violations, start: dt.date | None, end: dt.date | None, end_name: str
) -> None:
    if start is not None and end is not None and end < start:
        violations.add(end_name, f"{end} is before the start {start}", rule="end-before-start")


def check_project(
    db_session: Session, state: ProjectState, violations: Violations
) -> list[tuple[Organisation, ParticipantRole]]:
    """Check every rule of ``state``; normalise it (implied goals, derived dimensions).

    Returns the resolved participants. Violations are collected, not raised.
    """
    # SDG alignment: known codes; a target implies its goal.
    _check_codes(
        violations,
        "sdg_goals",
        state.sdg_goals,
        lambda c: ref.sdg_goal(c) is not None,
        rule="unknown-sdg-goal",
        what="SDG goal (1-17)",
    )
    _check_codes(
        violations,
        "sdg_targets",
        state.sdg_targets,
        lambda c: ref.sdg_target(c) is not None,
        rule="unknown-sdg-target",
        what="SDG target (e.g. '17.18')",
    )
    state.sdg_targets = _unique(state.sdg_targets)
    implied = [t.goal_code for c in state.sdg_targets if (t := ref.sdg_target(c)) is not None]
    state.sdg_goals = sorted(_unique([*state.sdg_goals, *implied]), key=goal_order)
    if not state.dimensions:
        state.dimensions = [Dimension(d) for d in ref.dimensions_for_goals(state.sdg_goals)]
    state.dimensions = [Dimension(d) for d in _unique(state.dimensions)]
    if not state.dimensions:
        violations.add(
            "dimensions",
            "name at least one dimension (economic, social, environmental) or an SDG goal",
            rule="dimension-required",
        )

    # Where: recipient countries and regions, shares.
    codes = [c.code for c in state.recipient_countries]
    _check_codes(
        violations,
        "recipient_countries",
        codes,
        ref.is_country,
        rule="unknown-country",
        what="ISO 3166-1 alpha-2 country code",
    )
    if len(set(codes)) != len(codes):
        violations.add("recipient_countries", "a country is listed twice", rule="duplicate-country")
    programme = {c.alpha2 for c in ref.programme_countries()}
    if not programme & set(codes):
        violations.add(
            "recipient_countries",
            "name at least one programme country (KZ, KG, TJ, TM, UZ, AF)",
            rule="programme-country-required",
        )
    for i, region in enumerate(state.recipient_regions):
        if not ref.codelist("RegionVocabulary").contains(region.vocabulary):
            violations.add(
                f"recipient_regions.{i}.vocabulary",
                f"{region.vocabulary!r} is not an IATI RegionVocabulary code",
                rule="unknown-code",
            )
        elif region.vocabulary == "1" and not ref.codelist("Region").contains(region.code):
            violations.add(
                f"recipient_regions.{i}.code",
                f"{region.code!r} is not an OECD DAC region code",
                rule="unknown-code",
            )
    shares = [c.percentage for c in state.recipient_countries] + [
        r.percentage for r in state.recipient_regions
    ]
    if any(p is not None for p in shares) and (
        any(p is None for p in shares) or sum(p for p in shares if p is not None) != 100
    ):
        violations.add(
            "recipient_countries",
            "percentages of recipient countries and regions must all be given and sum to 100",
            rule="shares-must-sum-to-100",
        )

    # When.
    _check_dates(violations, state.planned_start, state.planned_end, "planned_end")
    _check_dates(violations, state.actual_start, state.actual_end, "actual_end")

    # Regional cooperation vocabularies.
    _check_codes(
        violations,
        "speca_groups",
        state.speca_groups,
        lambda c: c in {g.code for g in ref.speca_groups()},
        rule="unknown-speca-group",
        what="SPECA working group",
    )
    _check_codes(
        violations,
        "lldc_priorities",
        state.lldc_priorities,
        lambda c: c in {p.code for p in ref.lldc_priorities()},
        rule="unknown-lldc-priority",
        what="LLDC Programme of Action priority area (1-5)",
    )
    _check_codes(
        violations,
        "coalitions",
        state.coalitions,
        lambda c: c in {g.code for g in ref.coalitions()},
        rule="unknown-coalition",
        what="Regional Collaborative Platform coalition",
    )
    for name in ("speca_groups", "lldc_priorities", "coalitions", "un_entities"):
        setattr(state, name, _unique(getattr(state, name)))

    # Alignment with the programme countries' own priorities.
    for i, alignment in enumerate(state.alignments):
        if alignment.country not in codes:
            violations.add(
                f"alignments.{i}.country",
                f"{alignment.country} is not a recipient country of the project",
                rule="alignment-country-not-recipient",
            )
        if (
            alignment.period_start_year is not None
            and alignment.period_end_year is not None
            and alignment.period_end_year < alignment.period_start_year
        ):
            violations.add(
                f"alignments.{i}.period_end_year",
                "the period ends before it starts",
                rule="end-before-start",
            )

    if state.budget_currency is not None and not ref.is_currency(state.budget_currency):
        violations.add(
            "planned_budget.currency",
            f"{state.budget_currency} is not an active ISO 4217 currency code",
            rule="unknown-currency",
        )
    return _resolve_participants(db_session, state.participants, violations)


def goal_order(code: str) -> int:
    return int(code) if code.isdigit() else 99


def _resolve_participants(
    db_session: Session, participants: Sequence[ParticipantIn], violations: Violations
) -> list[tuple[Organisation, ParticipantRole]]:
    resolved: list[tuple[Organisation, ParticipantRole]] = []
    for i, participant in enumerate(participants):
        organisation: Organisation | None = None
        if participant.organisation_id is not None:
            organisation = db_session.get(Organisation, participant.organisation_id)
        elif participant.iati_org_id is not None:
            organisation = db_session.execute(
                select(Organisation).where(Organisation.iati_org_id == participant.iati_org_id)
            ).scalar_one_or_none()
        else:
            violations.add(
                f"participants.{i}", "give organisation_id or iati_org_id", rule="required"
            )
            continue
        if organisation is None:
            violations.add(
                f"participants.{i}",
                "no such organisation in the registry; register it first",
                rule="unknown-organisation",
            )
            continue
        if (organisation.id, participant.role) not in {(o.id, r) for o, r in resolved}:
            resolved.append((organisation, participant.role))
    if not violations and not any(r is ParticipantRole.ACCOUNTABLE for _, r in resolved):
        resolved.insert(
            0, (centre_organisation(db_session=db_session), ParticipantRole.ACCOUNTABLE)
        )
    return resolved


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
    for name in (
        "title",
        "description",
        "status",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "budget_amount",
        "budget_currency",
    ):
        setattr(project, name, getattr(state, name))
    _sync(
        project.dimensions,
        state.dimensions,
        lambda r: r.dimension,
        lambda k: ProjectDimension(dimension=k),
    )
    _sync(project.goals, state.sdg_goals, lambda r: r.goal, lambda k: ProjectGoal(goal=k))
    _sync(project.targets, state.sdg_targets, lambda r: r.target, lambda k: ProjectTarget(target=k))
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
    _sync(
        project.participants,
        [(o.id, r) for o, r in participants],
        lambda p: (p.organisation_id, p.role),
        lambda k: ProjectParticipant(organisation_id=k[0], role=k[1]),
    )
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
    wanted_alignments = [a.model_dump() for a in state.alignments]
    current = [AlignmentRead.model_validate(a).model_dump() for a in project.alignments]
    if current != wanted_alignments:
        project.alignments.clear()
        project.alignments.extend(ProjectAlignment(**a) for a in wanted_alignments)


# --------------------------------------------------------- project: operations


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
    if "title" in changes and changes["title"] is None:
        raise field_problem(422, "title", "may not be null", rule="required")
    if "status" in changes and changes["status"] is None:
        raise field_problem(422, "status", "may not be null", rule="required")
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


@cache
def countries_by_code() -> dict[str, ref.Country]:
    return {c.alpha2: c for c in ref.countries(include_withdrawn=True)}


def target_order(code: str) -> tuple[int, int, str]:
    goal, _, rest = code.partition(".")
    return (int(goal) if goal.isdigit() else 99, int(rest) if rest.isdigit() else 100, rest)


# ------------------------------------------------------------ filters, facets


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


def ensure_project_exists(db_session: Session, project_id: int) -> None:
    if db_session.get(Project, project_id) is None:
        raise conflict(f"project {project_id} does not exist", rule="unknown-project")
