"""Every rule of a project, checked against its whole desired state, and the collector that
turns every broken rule of a request into one 422.

A project (or an imported IATI activity) can break several rules at once; the client learns
all of them in one answer rather than one per attempt. :func:`check_project` checks the
complete desired state (the create body, or the current project overlaid with an update), so
create, update and IATI import share one statement of each rule. Each violation names the
field and the rule, like :func:`shared.problems.field_problem` does for a single one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.projects import reference as ref
from services.projects.centre import centre_organisation
from services.projects.models import ActivityStatus, Dimension, Organisation, ParticipantRole
from services.projects.schemas.projects import AlignmentIn, CountryShare, ParticipantIn, RegionShare
from shared.problems import FieldError, ProblemError


class Violations:
    """An ordered list of rule violations; :meth:`raise_if_any` turns them into a problem."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str, *, rule: str) -> None:
        path = f"{self.prefix}{field}"
        self.errors.append(
            FieldError(
                field=path,
                location="body",
                pointer=None if self.prefix else "/" + path.replace(".", "/"),
                rule=rule,
                message=message,
            )
        )

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, status: int = 422, *, title: str | None = None) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        detail = "; ".join(f"{e.field}: {e.message}" for e in self.errors[:5])
        if len(self.errors) > 5:
            detail += f"; and {len(self.errors) - 5} more"
        raise ProblemError(status, detail, title=title, type_=first.rule, errors=self.errors)


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

    Returns the resolved participants. Violations are collected, not raised, in the order of
    the groups below.
    """
    _check_sdg_alignment(state, violations)
    _check_places(state, violations)
    _check_dates(violations, state.planned_start, state.planned_end, "planned_end")
    _check_dates(violations, state.actual_start, state.actual_end, "actual_end")
    _check_cooperation(state, violations)
    _check_national_alignments(state, violations)
    _check_budget(state, violations)
    return _resolve_participants(db_session, state.participants, violations)


def _check_sdg_alignment(state: ProjectState, violations: Violations) -> None:
    """SDG alignment: known codes; a target implies its goal; dimensions from the goals."""
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
    state.sdg_goals = sorted(_unique([*state.sdg_goals, *implied]), key=ref.goal_order)
    if not state.dimensions:
        state.dimensions = [Dimension(d) for d in ref.dimensions_for_goals(state.sdg_goals)]
    state.dimensions = [Dimension(d) for d in _unique(state.dimensions)]
    if not state.dimensions:
        violations.add(
            "dimensions",
            "name at least one dimension (economic, social, environmental) or an SDG goal",
            rule="dimension-required",
        )


def _check_places(state: ProjectState, violations: Violations) -> None:
    """Where: recipient countries (a programme country among them) and regions, shares."""
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
    _check_regions(state.recipient_regions, violations)
    _check_shares(state, violations)


def _check_regions(regions: Sequence[RegionShare], violations: Violations) -> None:
    for i, region in enumerate(regions):
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


def _check_shares(state: ProjectState, violations: Violations) -> None:
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


def _check_cooperation(state: ProjectState, violations: Violations) -> None:
    """Regional cooperation vocabularies: SPECA groups, LLDC priorities, coalitions."""
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


def _check_national_alignments(state: ProjectState, violations: Violations) -> None:
    """Alignment with the programme countries' own priorities."""
    codes = [c.code for c in state.recipient_countries]
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


def _check_budget(state: ProjectState, violations: Violations) -> None:
    if state.budget_currency is not None and not ref.is_currency(state.budget_currency):
        violations.add(
            "planned_budget.currency",
            f"{state.budget_currency} is not an active ISO 4217 currency code",
            rule="unknown-currency",
        )


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
