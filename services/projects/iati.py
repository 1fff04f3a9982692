"""IATI 2.03 exchange: export projects as ``iati-activities`` and import such a document.

Export writes elements in the order of the 2.03 ``iati-activity`` sequence so the document
validates against the official XSD. What IATI has no element for travels in IATI's own
extension points: the Centre's dimensions, SPECA groups, LLDC priority areas, coalitions and
coordinating UN entities as ``tag vocabulary="99"`` with the Centre's vocabulary URIs, and the
alignment statements as elements in the Centre's namespace (IATI allows ``##other`` elements
at the end of an activity). The export of the suite therefore imports back unchanged.

Import is all-or-nothing: every activity is read (:mod:`.iati_reader`), then checked with the
same rules as the JSON API, and every violation is reported with the activity identifier and
the IATI element; a document with any violation changes nothing. Activities are upserted by
``iati-identifier``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.projects import facet_cells, projects
from services.projects import reference as ref
from services.projects import results as results_service
from services.projects.centre import CENTRE_ORGANISATION_TYPE, get_centre
from services.projects.filters import ProjectFilter
from services.projects.iati_codes import (
    EXTENSION_NS,
    MEASURE_CODES,
    RESULT_TYPE_CODES,
    VOCABULARY_BASE,
    XML_LANG,
)
from services.projects.iati_reader import ParsedActivity, parse_document, read_activity
from services.projects.models import CentreProfile, Organisation, Project
from services.projects.rules import Violations, check_project
from services.projects.schemas.projects import ParticipantIn
from shared.db import utcnow
from shared.problems import ProblemError

IATI_VERSION = "2.03"
MAX_EXPORT = 10_000

# Which IATI element carries each field of the JSON API, to name it in import errors.
ELEMENT_OF_FIELD = {
    "title": "title",
    "description": "description",
    "status": "activity-status",
    "planned_end": "activity-date[@type=3]",
    "actual_end": "activity-date[@type=4]",
    "dimensions": f"tag[@vocabulary-uri={VOCABULARY_BASE}dimension]",
    "sdg_goals": "tag[@vocabulary=2]",
    "sdg_targets": "tag[@vocabulary=3]",
    "recipient_countries": "recipient-country",
    "recipient_regions": "recipient-region",
    "participants": "participating-org",
    "speca_groups": f"tag[@vocabulary-uri={VOCABULARY_BASE}speca-group]",
    "lldc_priorities": f"tag[@vocabulary-uri={VOCABULARY_BASE}lldc-priority]",
    "coalitions": f"tag[@vocabulary-uri={VOCABULARY_BASE}coalition]",
    "alignments": "sdgc:alignment",
    "planned_budget": "budget/value",
    "results": "result",
}


# ----------------------------------------------------------------------- export


def _el(parent: etree._Element, tag: str, **attrs: str | None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    for name, value in attrs.items():
        if value is not None:
            element.set(name.rstrip("_").replace("_", "-"), value)
    return element


def _narrative(parent: etree._Element, tag: str, text: str | None, **attrs: str | None) -> None:
    element = _el(parent, tag, **attrs)
    narrative = etree.SubElement(element, "narrative")
    narrative.text = text or ""


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _date(value: dt.date) -> str:
    return value.isoformat()


def export_activities(*, db_session: Session, filters: ProjectFilter) -> bytes:
    """The filtered projects as an IATI 2.03 ``iati-activities`` document."""
    stmt = filters.apply(select(Project)).order_by(Project.id).limit(MAX_EXPORT + 1)
    projects = list(db_session.execute(stmt).scalars().all())
    if len(projects) > MAX_EXPORT:
        raise ProblemError(
            422,
            f"more than {MAX_EXPORT} activities match; narrow the filter",
            type_="export-too-large",
        )
    centre = get_centre(db_session=db_session)
    now = utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    root = etree.Element("iati-activities", nsmap={"sdgc": EXTENSION_NS})
    root.set("version", IATI_VERSION)
    root.set("generated-datetime", now)
    for project in projects:
        _activity(root, project, centre)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _activity(root: etree._Element, project: Project, centre: CentreProfile) -> None:
    """One ``iati-activity``, its elements in the order of the 2.03 sequence."""
    updated = project.updated_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    currency = project.budget_currency or "USD"
    activity = _el(
        root,
        "iati-activity",
        last_updated_datetime=updated,
        default_currency=currency,
        hierarchy="1",
    )
    activity.set(XML_LANG, "en")
    _write_identification(activity, project, centre)
    _write_status_and_dates(activity, project)
    _write_places(activity, project)
    _write_tags(activity, project)
    _write_budget(activity, project)
    for result in project.results:
        _result(activity, result)
    _write_alignments(activity, project)


def _write_identification(
    activity: etree._Element, project: Project, centre: CentreProfile
) -> None:
    """Identifier, reporting organisation (the Centre), title, description, participants."""
    _el(activity, "iati-identifier").text = project.iati_identifier
    _narrative(
        activity,
        "reporting-org",
        centre.name,
        ref=centre.iati_org_id,
        type=CENTRE_ORGANISATION_TYPE,
    )
    _narrative(activity, "title", project.title)
    _narrative(activity, "description", project.description, type="1")
    for participant in project.participants:
        organisation = participant.organisation
        _narrative(
            activity,
            "participating-org",
            organisation.name,
            ref=organisation.iati_org_id,
            role=projects.ROLE_CODES[participant.role],
            type=organisation.type,
        )


def _write_status_and_dates(activity: etree._Element, project: Project) -> None:
    _el(activity, "activity-status", code=project.status.value)
    dates = [
        ("1", project.planned_start),
        ("2", project.actual_start),
        ("3", project.planned_end),
        ("4", project.actual_end),
    ]
    if not any(d for _, d in dates):  # IATI needs one date; registration day stands in
        dates = [("1", project.created_at.date())]
    for code, value in dates:
        if value is not None:
            _el(activity, "activity-date", type=code, iso_date=_date(value))


def _write_places(activity: etree._Element, project: Project) -> None:
    for country in project.countries:
        _el(
            activity,
            "recipient-country",
            code=country.country,
            percentage=_opt_number(country.percentage),
        )
    for region in project.regions:
        _el(
            activity,
            "recipient-region",
            code=region.code,
            vocabulary=region.vocabulary,
            percentage=_opt_number(region.percentage),
        )


def _write_tags(activity: etree._Element, project: Project) -> None:
    """SDG goals and targets (vocabularies 2, 3), then the Centre's vocabularies (99)."""
    goal_titles = {g.code: g.title for g in ref.sdg_goals()}
    for goal in project.goals:
        _narrative(activity, "tag", goal_titles.get(goal.goal), vocabulary="2", code=goal.goal)
    for target in project.targets:
        _el(activity, "tag", vocabulary="3", code=target.target)
    centre_tags: list[tuple[str, Iterable[str]]] = [
        ("dimension", (d.dimension.value for d in project.dimensions)),
        ("speca-group", (g.group_code for g in project.speca_groups)),
        ("lldc-priority", (p.priority for p in project.lldc_priorities)),
        ("coalition", (c.coalition for c in project.coalitions)),
        ("un-entity", (u.entity for u in project.un_entities)),
    ]
    for vocabulary, codes in centre_tags:
        for code in codes:
            _el(
                activity,
                "tag",
                vocabulary="99",
                vocabulary_uri=VOCABULARY_BASE + vocabulary,
                code=code,
            )


def _write_budget(activity: etree._Element, project: Project) -> None:
    if project.budget_amount is None or project.budget_currency is None:
        return
    start = project.planned_start or project.created_at.date()
    end = project.planned_end or start
    budget = _el(activity, "budget", type="1", status="1")
    _el(budget, "period-start", iso_date=_date(start))
    _el(budget, "period-end", iso_date=_date(end))
    amount = _el(budget, "value", currency=project.budget_currency, value_date=_date(start))
    amount.text = _number(project.budget_amount)


def _write_alignments(activity: etree._Element, project: Project) -> None:
    """Alignment statements in the Centre's namespace, at the end of the activity."""
    for alignment in project.alignments:
        element = _el(
            activity,
            f"{{{EXTENSION_NS}}}alignment",
            country=alignment.country,
            framework=alignment.framework.value,
            framework_title=alignment.framework_title,
            period_start_year=_opt_int(alignment.period_start_year),
            period_end_year=_opt_int(alignment.period_end_year),
        )
        element.text = alignment.statement


def _opt_int(value: int | None) -> str | None:
    return None if value is None else str(value)


def _result(activity: etree._Element, result: Any) -> None:
    if not result.indicators:
        return  # IATI requires an indicator per result; an empty result is not published
    element = _el(activity, "result", type=RESULT_TYPE_CODES[result.type])
    _narrative(element, "title", result.title)
    if result.description:
        _narrative(element, "description", result.description)
    for indicator in result.indicators:
        ind = _el(
            element,
            "indicator",
            measure=MEASURE_CODES[indicator.measure],
            ascending="1" if indicator.ascending else "0",
        )
        _narrative(ind, "title", indicator.title)
        if indicator.sdg_indicator:
            _el(ind, "reference", vocabulary="9", code=indicator.sdg_indicator)
        if indicator.baseline_year is not None:
            baseline = _el(
                ind,
                "baseline",
                year=str(indicator.baseline_year),
                value=_opt_number(indicator.baseline_value),
            )
            if indicator.baseline_comment:
                _narrative(baseline, "comment", indicator.baseline_comment)
        for period in indicator.periods:
            p = _el(ind, "period")
            _el(p, "period-start", iso_date=_date(period.period_start))
            _el(p, "period-end", iso_date=_date(period.period_end))
            for tag, value, comment in (
                ("target", period.target_value, period.target_comment),
                ("actual", period.actual_value, period.actual_comment),
            ):
                if value is None and comment is None:
                    continue
                measured = _el(p, tag, value=_opt_number(value))
                if comment is not None:
                    _narrative(measured, "comment", comment)


def _opt_number(value: Decimal | None) -> str | None:
    return None if value is None else _number(value)


# ----------------------------------------------------------------------- import


@dataclass
class ImportOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def _element_name(violations: Violations, prefix: str) -> None:
    """Rename JSON-API field names from the shared rules to the IATI elements carrying them."""
    for error in violations.errors:
        rest = error.field.removeprefix(prefix)
        head, _, tail = rest.partition(".")
        if head in ELEMENT_OF_FIELD:
            element = ELEMENT_OF_FIELD[head]
            error.field = (
                prefix
                + element
                + (f"[{int(tail.split('.')[0]) + 1}]" if tail[:1].isdigit() else "")
            )


def _organisation_for(
    db_session: Session,
    ref_: str | None,
    name: str,
    type_: str | None,
    violations: Violations,
) -> Organisation | None:
    if ref_:
        found = db_session.execute(
            select(Organisation).where(Organisation.iati_org_id == ref_)
        ).scalar_one_or_none()
    else:
        found = db_session.execute(
            select(Organisation)
            .where(Organisation.iati_org_id.is_(None), Organisation.name == name)
            .order_by(Organisation.id)
            .limit(1)
        ).scalar_one_or_none()
    if found is not None:
        return found
    if type_ is None or not ref.codelist("OrganisationType").contains(type_):
        violations.add(
            "participating-org/@type",
            f"{name}: a new organisation needs an IATI OrganisationType (got {type_!r})",
            rule="unknown-code",
        )
        return None
    organisation = Organisation(iati_org_id=ref_, name=name, type=type_)
    db_session.add(organisation)
    db_session.flush()
    return organisation


def import_activities(*, db_session: Session, raw: bytes) -> ImportOutcome:
    """Upsert every activity of the document, or none of them (the caller commits)."""
    root = parse_document(raw)
    centre = get_centre(db_session=db_session)
    activities = root.findall("iati-activity")
    if not activities:
        raise ProblemError(422, "the document holds no iati-activity", type_="no-activities")
    staged = _stage(db_session, activities, centre)
    return _write(db_session, staged)


_Staged = tuple[ParsedActivity, Project | None, list[Any]]


def _stage(
    db_session: Session, activities: Sequence[etree._Element], centre: CentreProfile
) -> list[_Staged]:
    """Read and check every activity: each one's parsed state, stored project (if any) and
    resolved participants; a 422 listing every violation of the document if there is one."""
    everything = Violations()
    seen: set[str] = set()
    staged: list[_Staged] = []
    for index, element in enumerate(activities):
        parsed, violations = read_activity(element, index, centre)
        if parsed.identifier in seen:
            violations.add(
                "iati-identifier",
                "the identifier appears twice in the document",
                rule="duplicate-iati-identifier",
            )
        seen.add(parsed.identifier)
        _resolve_organisations(db_session, parsed, violations)
        existing = db_session.execute(
            select(Project).where(Project.iati_identifier == parsed.identifier)
        ).scalar_one_or_none()
        _check_status_move(parsed, existing, violations)
        rule_check = Violations(prefix=violations.prefix)
        resolved = check_project(db_session, parsed.state, rule_check)
        results_service.check_results(parsed.results, rule_check)
        _element_name(rule_check, rule_check.prefix)
        everything.errors.extend(violations.errors)
        everything.errors.extend(rule_check.errors)
        staged.append((parsed, existing, resolved))
    everything.raise_if_any(title="The IATI document was not imported")
    return staged


def _resolve_organisations(
    db_session: Session, parsed: ParsedActivity, violations: Violations
) -> None:
    """The participating organisations as registry organisations (new ones registered)."""
    for ref_, name, type_, role in parsed.participants:
        organisation = _organisation_for(db_session, ref_, name, type_, violations)
        if organisation is not None:
            parsed.state.participants.append(
                ParticipantIn.model_construct(
                    organisation_id=organisation.id, iati_org_id=None, role=role
                )
            )


def _check_status_move(
    parsed: ParsedActivity, existing: Project | None, violations: Violations
) -> None:
    if (
        existing is not None
        and parsed.state.status is not existing.status
        and (parsed.state.status not in projects.ALLOWED_STATUS_CHANGES[existing.status])
    ):
        violations.add(
            "activity-status/@code",
            f"the registry holds status {existing.status.value}; it cannot "
            f"move to {parsed.state.status.value}",
            rule="illegal-status-change",
        )


def _write(db_session: Session, staged: Sequence[_Staged]) -> ImportOutcome:
    """Write every checked activity, created or updated, with its facet counts."""
    outcome = ImportOutcome()
    for parsed, existing, resolved in staged:
        project = existing or Project(iati_identifier=parsed.identifier)
        before = facet_cells.contribution(existing)
        projects.apply_state(project, parsed.state, resolved)
        results_service.set_results(project, parsed.results)
        if existing is None:
            db_session.add(project)
        db_session.flush()
        facet_cells.apply_delta(db_session, before, facet_cells.contribution(project))
        (outcome.updated if existing is not None else outcome.created).append(project.id)
    return outcome
