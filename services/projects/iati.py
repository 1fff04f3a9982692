"""IATI 2.03 exchange: export projects as ``iati-activities`` and import such a document.

Export writes elements in the order of the 2.03 ``iati-activity`` sequence so the document
validates against the official XSD. What IATI has no element for travels in IATI's own
extension points: the Centre's dimensions, SPECA groups, LLDC priority areas, coalitions and
coordinating UN entities as ``tag vocabulary="99"`` with the Centre's vocabulary URIs, and the
alignment statements as elements in the Centre's namespace (IATI allows ``##other`` elements
at the end of an activity). The export of the suite therefore imports back unchanged.

Import is all-or-nothing: every activity is checked with the same rules as the JSON API and
every violation is reported with the activity identifier and the IATI element; a document
with any violation changes nothing. Activities are upserted by ``iati-identifier``.
XML is parsed without entity expansion, DTD loading or network access.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.projects import facet_cells, projects
from services.projects import reference as ref
from services.projects import results as results_service
from services.projects.centre import CENTRE_ORGANISATION_TYPE, get_centre
from services.projects.filters import ProjectFilter
from services.projects.models import (
    ActivityStatus,
    CentreProfile,
    Dimension,
    IndicatorMeasure,
    Organisation,
    ParticipantRole,
    Project,
    ResultType,
)
from services.projects.rules import ProjectState, Violations, check_project
from services.projects.schemas.projects import AlignmentIn, CountryShare, ParticipantIn, RegionShare
from services.projects.schemas.results import IndicatorIn, PeriodIn, ResultIn
from shared.db import utcnow
from shared.problems import ProblemError

IATI_VERSION = "2.03"
VOCABULARY_BASE = "urn:sdgc:vocabulary:"
EXTENSION_NS = "urn:sdgc:iati-extension"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_EXPORT = 10_000

CENTRE_VOCABULARIES = ("dimension", "speca-group", "lldc-priority", "coalition", "un-entity")
_STATE_FIELD = {
    "dimension": "dimensions",
    "speca-group": "speca_groups",
    "lldc-priority": "lldc_priorities",
    "coalition": "coalitions",
    "un-entity": "un_entities",
}
ROLE_BY_CODE = {code: role for role, code in projects.ROLE_CODES.items()}
RESULT_TYPE_CODES = {ResultType.OUTPUT: "1", ResultType.OUTCOME: "2", ResultType.IMPACT: "3"}
MEASURE_CODES = {
    IndicatorMeasure.UNIT: "1",
    IndicatorMeasure.PERCENTAGE: "2",
    IndicatorMeasure.QUALITATIVE: "5",
}
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
    text = format(value.normalize(), "f")
    return text


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
    for country in project.countries:
        _el(
            activity,
            "recipient-country",
            code=country.country,
            percentage=_number(country.percentage) if country.percentage is not None else None,
        )
    for region in project.regions:
        _el(
            activity,
            "recipient-region",
            code=region.code,
            vocabulary=region.vocabulary,
            percentage=_number(region.percentage) if region.percentage is not None else None,
        )
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
    if project.budget_amount is not None and project.budget_currency is not None:
        start = project.planned_start or project.created_at.date()
        end = project.planned_end or start
        budget = _el(activity, "budget", type="1", status="1")
        _el(budget, "period-start", iso_date=_date(start))
        _el(budget, "period-end", iso_date=_date(end))
        amount = _el(budget, "value", currency=project.budget_currency, value_date=_date(start))
        amount.text = _number(project.budget_amount)
    for result in project.results:
        _result(activity, result)
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
class ParsedActivity:
    """One activity read from XML, in the registry's terms, with the violations found."""

    identifier: str
    state: ProjectState
    results: list[ResultIn] = field(default_factory=list)
    participants: list[tuple[str | None, str, str | None, ParticipantRole]] = field(
        default_factory=list
    )


@dataclass
class ImportOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def parse_document(raw: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ProblemError(
            422, f"the body is not well-formed XML: {exc}", type_="malformed-xml"
        ) from None
    if root.tag != "iati-activities":
        raise ProblemError(
            422, "the document's root element must be iati-activities", type_="not-iati-activities"
        )
    version = root.get("version", "")
    if not version.startswith("2.0"):
        raise ProblemError(
            422, f"IATI version {version or '(none)'} is not 2.0x", type_="unsupported-iati-version"
        )
    return root


def _text(element: etree._Element | None) -> str | None:
    """The English (or first) narrative of an element, whitespace collapsed."""
    if element is None:
        return None
    narratives = element.findall("narrative")
    if not narratives:
        return None
    chosen = next((n for n in narratives if n.get(XML_LANG) in (None, "en")), narratives[0])
    text = " ".join((chosen.text or "").split())
    return text or None


class _Reader:
    """Reads one activity, adding a violation for every value it cannot accept."""

    def __init__(self, activity: etree._Element, violations: Violations) -> None:
        self.activity = activity
        self.v = violations

    def date(self, element: etree._Element, where: str) -> dt.date | None:
        raw = element.get("iso-date", "")
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            self.v.add(f"{where}/@iso-date", f"{raw!r} is not an ISO date", rule="invalid-date")
            return None

    def decimal(self, raw: str | None, where: str) -> Decimal | None:
        if raw is None or raw.strip() == "":
            return None
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            self.v.add(where, f"{raw!r} is not a number", rule="invalid-number")
            return None
        if not value.is_finite():
            self.v.add(where, f"{raw!r} is not a finite number", rule="invalid-number")
            return None
        return value

    def year(self, raw: str | None, where: str) -> int | None:
        if raw is None:
            return None
        if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
            self.v.add(where, f"{raw!r} is not a year between 1990 and 2100", rule="invalid-year")
            return None
        return int(raw)


def read_activity(
    activity: etree._Element, index: int, centre: CentreProfile
) -> tuple[ParsedActivity, Violations]:
    identifier = " ".join((activity.findtext("iati-identifier") or "").split())
    violations = Violations(prefix=f"iati-activity[{index + 1}]({identifier or '?'})/")
    r = _Reader(activity, violations)
    if not identifier:
        violations.add("iati-identifier", "every activity needs an identifier", rule="required")
    reporting = activity.find("reporting-org")
    reporting_ref = reporting.get("ref") if reporting is not None else None
    if reporting_ref != centre.iati_org_id:
        violations.add(
            "reporting-org/@ref",
            f"{reporting_ref!r} is not the Centre ({centre.iati_org_id}); the registry holds "
            "the Centre's own activities",
            rule="reporting-org-not-centre",
        )
    if identifier and not identifier.startswith(f"{centre.iati_org_id}-"):
        violations.add(
            "iati-identifier",
            f"must start with the Centre's organisation identifier {centre.iati_org_id}-",
            rule="identifier-prefix",
        )
    title = _text(activity.find("title"))
    if title is None:
        violations.add("title/narrative", "the activity needs a title", rule="required")
    elif len(title) > 500:
        violations.add("title/narrative", "at most 500 characters", rule="too-long")
    state = ProjectState(title=(title or "")[:500])
    descriptions = activity.findall("description")
    general = [d for d in descriptions if d.get("type", "1") == "1"]
    state.description = _text(general[0]) if general else None

    status = activity.find("activity-status")
    code = status.get("code") if status is not None else None
    try:
        state.status = ActivityStatus(code or "")
    except ValueError:
        violations.add(
            "activity-status/@code",
            f"{code!r} is not an activity status (1-6)",
            rule="unknown-code",
        )
    date_fields = {"1": "planned_start", "2": "actual_start", "3": "planned_end", "4": "actual_end"}
    for element in activity.findall("activity-date"):
        name = date_fields.get(element.get("type", ""))
        if name is None:
            violations.add(
                "activity-date/@type", f"{element.get('type')!r} is not 1-4", rule="unknown-code"
            )
            continue
        setattr(state, name, r.date(element, f"activity-date[@type={element.get('type')}]"))

    for element in activity.findall("recipient-country"):
        share = r.decimal(element.get("percentage"), "recipient-country/@percentage")
        state.recipient_countries.append(
            CountryShare.model_construct(code=element.get("code", ""), percentage=share)
        )
    for element in activity.findall("recipient-region"):
        share = r.decimal(element.get("percentage"), "recipient-region/@percentage")
        state.recipient_regions.append(
            RegionShare.model_construct(
                vocabulary=element.get("vocabulary", "1"),
                code=element.get("code", ""),
                percentage=share,
            )
        )

    for element in [*activity.findall("tag"), *activity.findall("sector")]:
        vocabulary, value = element.get("vocabulary", ""), element.get("code", "")
        is_tag = element.tag == "tag"
        if (is_tag and vocabulary == "2") or (not is_tag and vocabulary == "7"):
            state.sdg_goals.append(value)
        elif (is_tag and vocabulary == "3") or (not is_tag and vocabulary == "8"):
            state.sdg_targets.append(value)
        elif is_tag and vocabulary == "99":
            uri = element.get("vocabulary-uri", "")
            kind = uri.removeprefix(VOCABULARY_BASE) if uri.startswith(VOCABULARY_BASE) else ""
            if kind == "dimension":
                if value in {d.value for d in Dimension}:
                    state.dimensions.append(Dimension(value))
                else:
                    violations.add(
                        f"tag[@vocabulary-uri={uri}]/@code",
                        f"{value!r} is not a dimension",
                        rule="unknown-dimension",
                    )
            elif kind in _STATE_FIELD:
                getattr(state, _STATE_FIELD[kind]).append(value)
        # other vocabularies (DAC sectors, foreign tags) are not registry data

    parsed = ParsedActivity(identifier=identifier, state=state)
    for element in activity.findall("participating-org"):
        role_code = element.get("role", "")
        role = ROLE_BY_CODE.get(role_code)
        if role is None:
            violations.add(
                "participating-org/@role",
                f"{role_code!r} is not a registry role (1-4)",
                rule="unknown-code",
            )
            continue
        name = _text(element) or element.get("ref")
        if name is None:
            violations.add("participating-org", "give a ref or a name (narrative)", rule="required")
            continue
        parsed.participants.append((element.get("ref"), name[:300], element.get("type"), role))

    currencies: set[str] = set()
    total = Decimal(0)
    default_currency = activity.get("default-currency")
    for element in activity.findall("budget"):
        budget_value = element.find("value")
        if budget_value is None:
            continue
        amount = r.decimal(budget_value.text, "budget/value")
        currency = budget_value.get("currency") or default_currency
        if currency is None:
            violations.add(
                "budget/value/@currency", "no currency and no default-currency", rule="required"
            )
            continue
        currencies.add(currency)
        total += amount or 0
    if len(currencies) > 1:
        violations.add(
            "budget/value/@currency",
            f"budgets in several currencies ({', '.join(sorted(currencies))}); "
            "the registry keeps one planned budget",
            rule="mixed-budget-currencies",
        )
    elif currencies:
        state.budget_amount, state.budget_currency = total, currencies.pop()

    for element in activity.findall(f"{{{EXTENSION_NS}}}alignment"):
        try:
            state.alignments.append(
                AlignmentIn.model_validate(
                    {
                        "country": element.get("country"),
                        "framework": element.get("framework"),
                        "framework_title": element.get("framework-title"),
                        "statement": element.text or "",
                        "period_start_year": element.get("period-start-year"),
                        "period_end_year": element.get("period-end-year"),
                    }
                )
            )
        except ValueError as exc:
            violations.add("sdgc:alignment", str(exc).splitlines()[0], rule="invalid-alignment")

    for position, element in enumerate(activity.findall("result")):
        result = _read_result(element, position, r)
        if result is not None:
            parsed.results.append(result)
    return parsed, violations


def _read_result(element: etree._Element, position: int, r: _Reader) -> ResultIn | None:
    where = f"result[{position + 1}]"
    type_by_code = {code: t for t, code in RESULT_TYPE_CODES.items()}
    result_type = type_by_code.get(element.get("type", ""))
    if result_type is None:
        r.v.add(
            f"{where}/@type",
            f"{element.get('type')!r}: the registry takes output (1), outcome (2) or impact (3)",
            rule="unsupported-result-type",
        )
    indicators: list[IndicatorIn] = []
    measure_by_code = {code: m for m, code in MEASURE_CODES.items()}
    for i, ind in enumerate(element.findall("indicator")):
        at = f"{where}/indicator[{i + 1}]"
        measure = measure_by_code.get(ind.get("measure", ""))
        if measure is None:
            r.v.add(
                f"{at}/@measure",
                f"{ind.get('measure')!r}: the registry takes unit (1), "
                "percentage (2) or qualitative (5)",
                rule="unsupported-indicator-measure",
            )
            continue
        sdg = None
        for reference in ind.findall("reference"):
            if reference.get("vocabulary") == "9":
                sdg = reference.get("code")
        baseline = ind.find("baseline")
        periods: list[PeriodIn] = []
        for p, period in enumerate(ind.findall("period")):
            pat = f"{at}/period[{p + 1}]"
            start_el, end_el = period.find("period-start"), period.find("period-end")
            start = r.date(start_el, f"{pat}/period-start") if start_el is not None else None
            end = r.date(end_el, f"{pat}/period-end") if end_el is not None else None
            target, actual = period.find("target"), period.find("actual")
            if start is None or end is None:
                r.v.add(pat, "a period needs a start and an end", rule="required")
                continue
            periods.append(
                PeriodIn.model_construct(
                    period_start=start,
                    period_end=end,
                    target_value=r.decimal(target.get("value"), f"{pat}/target/@value")
                    if target is not None
                    else None,
                    target_comment=_text(target.find("comment")) if target is not None else None,
                    actual_value=r.decimal(actual.get("value"), f"{pat}/actual/@value")
                    if actual is not None
                    else None,
                    actual_comment=_text(actual.find("comment")) if actual is not None else None,
                )
            )
        indicators.append(
            IndicatorIn.model_construct(
                title=(_text(ind.find("title")) or "")[:500] or "(untitled indicator)",
                measure=measure,
                ascending=ind.get("ascending", "1") not in ("0", "false"),
                sdg_indicator=sdg,
                baseline_value=r.decimal(baseline.get("value"), f"{at}/baseline/@value")
                if baseline is not None
                else None,
                baseline_year=r.year(baseline.get("year"), f"{at}/baseline/@year")
                if baseline is not None
                else None,
                baseline_comment=_text(baseline.find("comment")) if baseline is not None else None,
                periods=periods,
            )
        )
    if result_type is None:
        return None
    return ResultIn.model_construct(
        type=result_type,
        title=(_text(element.find("title")) or "")[:500] or "(untitled result)",
        description=_text(element.find("description")),
        indicators=indicators,
    )


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
    everything = Violations()
    seen: set[str] = set()
    staged: list[tuple[ParsedActivity, Project | None, list[Any]]] = []
    for index, element in enumerate(activities):
        parsed, violations = read_activity(element, index, centre)
        if parsed.identifier in seen:
            violations.add(
                "iati-identifier",
                "the identifier appears twice in the document",
                rule="duplicate-iati-identifier",
            )
        seen.add(parsed.identifier)
        for ref_, name, type_, role in parsed.participants:
            organisation = _organisation_for(db_session, ref_, name, type_, violations)
            if organisation is not None:
                parsed.state.participants.append(
                    ParticipantIn.model_construct(
                        organisation_id=organisation.id, iati_org_id=None, role=role
                    )
                )
        existing = db_session.execute(
            select(Project).where(Project.iati_identifier == parsed.identifier)
        ).scalar_one_or_none()
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
        rule_check = Violations(prefix=violations.prefix)
        resolved = check_project(db_session, parsed.state, rule_check)
        results_service.check_results(parsed.results, rule_check)
        _element_name(rule_check, rule_check.prefix)
        everything.errors.extend(violations.errors)
        everything.errors.extend(rule_check.errors)
        staged.append((parsed, existing, resolved))
    everything.raise_if_any(title="The IATI document was not imported")

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


def import_summary(outcome: ImportOutcome) -> dict[str, Sequence[int]]:
    return {"created": outcome.created, "updated": outcome.updated}
