"""Reading IATI 2.03 ``iati-activities`` documents into the registry's terms.

XML is parsed without entity expansion, DTD loading or network access. Each activity becomes
a :class:`ParsedActivity` (a project state, its results framework, its participants still to
be resolved) and every value the registry cannot accept is a violation naming the activity
and the IATI element; the registry's own rules run afterwards (:mod:`.iati`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from services.projects import projects
from services.projects.iati_codes import (
    EXTENSION_NS,
    MEASURE_CODES,
    RESULT_TYPE_CODES,
    VOCABULARY_BASE,
    XML_LANG,
)
from services.projects.models import ActivityStatus, CentreProfile, Dimension, ParticipantRole
from services.projects.rules import ProjectState, Violations
from services.projects.schemas.projects import AlignmentIn, CountryShare, RegionShare
from services.projects.schemas.results import IndicatorIn, PeriodIn, ResultIn
from shared.problems import ProblemError

_STATE_FIELD = {
    "dimension": "dimensions",
    "speca-group": "speca_groups",
    "lldc-priority": "lldc_priorities",
    "coalition": "coalitions",
    "un-entity": "un_entities",
}
ROLE_BY_CODE = {code: role for role, code in projects.ROLE_CODES.items()}
_RESULT_TYPE_BY_CODE = {code: t for t, code in RESULT_TYPE_CODES.items()}
_MEASURE_BY_CODE = {code: m for m, code in MEASURE_CODES.items()}
_DATE_FIELDS = {"1": "planned_start", "2": "actual_start", "3": "planned_end", "4": "actual_end"}


@dataclass
class ParsedActivity:
    """One activity read from XML, in the registry's terms, with the violations found."""

    identifier: str
    state: ProjectState
    results: list[ResultIn] = field(default_factory=list)
    participants: list[tuple[str | None, str, str | None, ParticipantRole]] = field(
        default_factory=list
    )


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

    # --------------------------------------------------- the activity, part by part

    def check_identity(self, identifier: str, centre: CentreProfile) -> None:
        """An identifier under the Centre's prefix, reported by the Centre itself."""
        if not identifier:
            self.v.add("iati-identifier", "every activity needs an identifier", rule="required")
        reporting = self.activity.find("reporting-org")
        reporting_ref = reporting.get("ref") if reporting is not None else None
        if reporting_ref != centre.iati_org_id:
            self.v.add(
                "reporting-org/@ref",
                f"{reporting_ref!r} is not the Centre ({centre.iati_org_id}); the registry holds "
                "the Centre's own activities",
                rule="reporting-org-not-centre",
            )
        if identifier and not identifier.startswith(f"{centre.iati_org_id}-"):
            self.v.add(
                "iati-identifier",
                f"must start with the Centre's organisation identifier {centre.iati_org_id}-",
                rule="identifier-prefix",
            )

    def title(self) -> str:
        title = _text(self.activity.find("title"))
        if title is None:
            self.v.add("title/narrative", "the activity needs a title", rule="required")
        elif len(title) > 500:
            self.v.add("title/narrative", "at most 500 characters", rule="too-long")
        return (title or "")[:500]

    def description(self) -> str | None:
        """The general description (type 1); other types are not registry data."""
        descriptions = self.activity.findall("description")
        general = [d for d in descriptions if d.get("type", "1") == "1"]
        return _text(general[0]) if general else None

    def read_status(self, state: ProjectState) -> None:
        status = self.activity.find("activity-status")
        code = status.get("code") if status is not None else None
        try:
            state.status = ActivityStatus(code or "")
        except ValueError:
            self.v.add(
                "activity-status/@code",
                f"{code!r} is not an activity status (1-6)",
                rule="unknown-code",
            )

    def read_dates(self, state: ProjectState) -> None:
        for element in self.activity.findall("activity-date"):
            name = _DATE_FIELDS.get(element.get("type", ""))
            if name is None:
                self.v.add(
                    "activity-date/@type",
                    f"{element.get('type')!r} is not 1-4",
                    rule="unknown-code",
                )
                continue
            setattr(state, name, self.date(element, f"activity-date[@type={element.get('type')}]"))

    def read_places(self, state: ProjectState) -> None:
        """Recipient countries, then regions, with their shares."""
        for element in self.activity.findall("recipient-country"):
            share = self.decimal(element.get("percentage"), "recipient-country/@percentage")
            state.recipient_countries.append(
                CountryShare.model_construct(code=element.get("code", ""), percentage=share)
            )
        for element in self.activity.findall("recipient-region"):
            share = self.decimal(element.get("percentage"), "recipient-region/@percentage")
            state.recipient_regions.append(
                RegionShare.model_construct(
                    vocabulary=element.get("vocabulary", "1"),
                    code=element.get("code", ""),
                    percentage=share,
                )
            )

    def read_tags(self, state: ProjectState) -> None:
        """SDG goals and targets (tags 2/3 or sectors 7/8) and the Centre's vocabularies (99);
        other vocabularies (DAC sectors, foreign tags) are not registry data."""
        for element in [*self.activity.findall("tag"), *self.activity.findall("sector")]:
            vocabulary, value = element.get("vocabulary", ""), element.get("code", "")
            is_tag = element.tag == "tag"
            if (is_tag and vocabulary == "2") or (not is_tag and vocabulary == "7"):
                state.sdg_goals.append(value)
            elif (is_tag and vocabulary == "3") or (not is_tag and vocabulary == "8"):
                state.sdg_targets.append(value)
            elif is_tag and vocabulary == "99":
                self._centre_tag(element, value, state)

    def _centre_tag(self, element: etree._Element, value: str, state: ProjectState) -> None:
        uri = element.get("vocabulary-uri", "")
        kind = uri.removeprefix(VOCABULARY_BASE) if uri.startswith(VOCABULARY_BASE) else ""
        if kind == "dimension":
            if value in {d.value for d in Dimension}:
                state.dimensions.append(Dimension(value))
            else:
                self.v.add(
                    f"tag[@vocabulary-uri={uri}]/@code",
                    f"{value!r} is not a dimension",
                    rule="unknown-dimension",
                )
        elif kind in _STATE_FIELD:
            getattr(state, _STATE_FIELD[kind]).append(value)

    def participants(self) -> list[tuple[str | None, str, str | None, ParticipantRole]]:
        """Participating organisations as (ref, name, type, role), resolved later."""
        found: list[tuple[str | None, str, str | None, ParticipantRole]] = []
        for element in self.activity.findall("participating-org"):
            role_code = element.get("role", "")
            role = ROLE_BY_CODE.get(role_code)
            if role is None:
                self.v.add(
                    "participating-org/@role",
                    f"{role_code!r} is not a registry role (1-4)",
                    rule="unknown-code",
                )
                continue
            name = _text(element) or element.get("ref")
            if name is None:
                self.v.add("participating-org", "give a ref or a name (narrative)", rule="required")
                continue
            found.append((element.get("ref"), name[:300], element.get("type"), role))
        return found

    def read_budget(self, state: ProjectState) -> None:
        """The budgets' sum as the planned budget, when they share one currency."""
        currencies: set[str] = set()
        total = Decimal(0)
        default_currency = self.activity.get("default-currency")
        for element in self.activity.findall("budget"):
            budget_value = element.find("value")
            if budget_value is None:
                continue
            amount = self.decimal(budget_value.text, "budget/value")
            currency = budget_value.get("currency") or default_currency
            if currency is None:
                self.v.add(
                    "budget/value/@currency", "no currency and no default-currency", rule="required"
                )
                continue
            currencies.add(currency)
            total += amount or 0
        if len(currencies) > 1:
            self.v.add(
                "budget/value/@currency",
                f"budgets in several currencies ({', '.join(sorted(currencies))}); "
                "the registry keeps one planned budget",
                rule="mixed-budget-currencies",
            )
        elif currencies:
            state.budget_amount, state.budget_currency = total, currencies.pop()

    def read_alignments(self, state: ProjectState) -> None:
        for element in self.activity.findall(f"{{{EXTENSION_NS}}}alignment"):
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
                self.v.add("sdgc:alignment", str(exc).splitlines()[0], rule="invalid-alignment")

    # ------------------------------------------------------------ results framework

    def results(self) -> list[ResultIn]:
        """Results of a type the registry takes (their indicators checked all the same)."""
        found: list[ResultIn] = []
        for position, element in enumerate(self.activity.findall("result")):
            result = self.result(element, f"result[{position + 1}]")
            if result is not None:
                found.append(result)
        return found

    def result(self, element: etree._Element, where: str) -> ResultIn | None:
        result_type = _RESULT_TYPE_BY_CODE.get(element.get("type", ""))
        if result_type is None:
            self.v.add(
                f"{where}/@type",
                f"{element.get('type')!r}: the registry takes output (1), outcome (2) or "
                "impact (3)",
                rule="unsupported-result-type",
            )
        indicators: list[IndicatorIn] = []
        for i, ind in enumerate(element.findall("indicator")):
            indicator = self.indicator(ind, f"{where}/indicator[{i + 1}]")
            if indicator is not None:
                indicators.append(indicator)
        if result_type is None:
            return None
        return ResultIn.model_construct(
            type=result_type,
            title=(_text(element.find("title")) or "")[:500] or "(untitled result)",
            description=_text(element.find("description")),
            indicators=indicators,
        )

    def indicator(self, ind: etree._Element, at: str) -> IndicatorIn | None:
        measure = _MEASURE_BY_CODE.get(ind.get("measure", ""))
        if measure is None:
            self.v.add(
                f"{at}/@measure",
                f"{ind.get('measure')!r}: the registry takes unit (1), "
                "percentage (2) or qualitative (5)",
                rule="unsupported-indicator-measure",
            )
            return None
        sdg = None
        for reference in ind.findall("reference"):
            if reference.get("vocabulary") == "9":
                sdg = reference.get("code")
        periods: list[PeriodIn] = []
        for p, period in enumerate(ind.findall("period")):
            found = self.period(period, f"{at}/period[{p + 1}]")
            if found is not None:
                periods.append(found)
        baseline_value, baseline_year, baseline_comment = self.baseline(ind.find("baseline"), at)
        return IndicatorIn.model_construct(
            title=(_text(ind.find("title")) or "")[:500] or "(untitled indicator)",
            measure=measure,
            ascending=ind.get("ascending", "1") not in ("0", "false"),
            sdg_indicator=sdg,
            baseline_value=baseline_value,
            baseline_year=baseline_year,
            baseline_comment=baseline_comment,
            periods=periods,
        )

    def baseline(
        self, baseline: etree._Element | None, at: str
    ) -> tuple[Decimal | None, int | None, str | None]:
        """Value, year and comment of an indicator's baseline (all None without one)."""
        if baseline is None:
            return None, None, None
        return (
            self.decimal(baseline.get("value"), f"{at}/baseline/@value"),
            self.year(baseline.get("year"), f"{at}/baseline/@year"),
            _text(baseline.find("comment")),
        )

    def period(self, period: etree._Element, pat: str) -> PeriodIn | None:
        start_el, end_el = period.find("period-start"), period.find("period-end")
        start = self.date(start_el, f"{pat}/period-start") if start_el is not None else None
        end = self.date(end_el, f"{pat}/period-end") if end_el is not None else None
        if start is None or end is None:
            self.v.add(pat, "a period needs a start and an end", rule="required")
            return None
        target_value, target_comment = self.measured(period.find("target"), f"{pat}/target")
        actual_value, actual_comment = self.measured(period.find("actual"), f"{pat}/actual")
        return PeriodIn.model_construct(
            period_start=start,
            period_end=end,
            target_value=target_value,
            target_comment=target_comment,
            actual_value=actual_value,
            actual_comment=actual_comment,
        )

    def measured(
        self, element: etree._Element | None, where: str
    ) -> tuple[Decimal | None, str | None]:
        """Value and comment of a period's target or actual (both None without one)."""
        if element is None:
            return None, None
        return self.decimal(element.get("value"), f"{where}/@value"), _text(element.find("comment"))


def read_activity(
    activity: etree._Element, index: int, centre: CentreProfile
) -> tuple[ParsedActivity, Violations]:
    """One activity in the registry's terms, and what it breaks before the registry's rules
    run (values that do not parse, codes the registry has no place for)."""
    identifier = " ".join((activity.findtext("iati-identifier") or "").split())
    violations = Violations(prefix=f"iati-activity[{index + 1}]({identifier or '?'})/")
    r = _Reader(activity, violations)
    r.check_identity(identifier, centre)
    state = ProjectState(title=r.title())
    state.description = r.description()
    r.read_status(state)
    r.read_dates(state)
    r.read_places(state)
    r.read_tags(state)
    parsed = ParsedActivity(identifier=identifier, state=state, participants=r.participants())
    r.read_budget(state)
    r.read_alignments(state)
    parsed.results = r.results()
    return parsed, violations
