"""A project's results framework: results → indicators → periods, and computed progress.

The framework is replaced as a whole (one PUT, one transaction), so a reader never sees a
half-edited logframe. Progress of a measurable indicator is the share of the way from its
baseline to the target of the latest period with an actual value, capped to 0-1; a result's
and the project's progress are the means of their measurable indicators' progress.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.projects import reference as ref
from services.projects.models import (
    IndicatorMeasure,
    IndicatorPeriod,
    Project,
    Result,
    ResultIndicator,
)
from services.projects.projects import check_batch_size
from services.projects.rules import Violations
from services.projects.schemas.results import (
    IndicatorIn,
    IndicatorRead,
    PeriodIn,
    PeriodRead,
    ResultIn,
    ResultRead,
    ResultsFrameworkIn,
    ResultsFrameworkRead,
)
from shared.db import utcnow
from shared.problems import not_found

_PLACES = Decimal("0.0001")


def _periods(indicator: ResultIndicator, ended_by: dt.date | None) -> list[IndicatorPeriod]:
    """The indicator's periods, only those ended on or before ``ended_by`` when given."""
    if ended_by is None:
        return list(indicator.periods)
    return [p for p in indicator.periods if p.period_end <= ended_by]


def indicator_progress(
    indicator: ResultIndicator, ended_by: dt.date | None = None
) -> Decimal | None:
    """Progress from the periods ended by ``ended_by`` (every period when it is None)."""
    if indicator.measure is IndicatorMeasure.QUALITATIVE:
        return None
    periods = _periods(indicator, ended_by)
    measured = [p for p in periods if p.actual_value is not None]
    if not measured:
        return None
    latest = max(measured, key=lambda p: p.period_end)
    target = latest.target_value
    if target is None:
        targets = [p for p in periods if p.target_value is not None]
        if not targets:
            return None
        target = max(targets, key=lambda p: p.period_end).target_value
    assert target is not None and latest.actual_value is not None
    baseline = indicator.baseline_value or Decimal(0)
    span = target - baseline
    if span == 0:
        reached = (
            latest.actual_value >= target if indicator.ascending else latest.actual_value <= target
        )
        return Decimal(1) if reached else Decimal(0)
    share = (latest.actual_value - baseline) / span
    return min(max(share, Decimal(0)), Decimal(1)).quantize(_PLACES)


def _mean(values: Sequence[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return (sum(known, Decimal(0)) / len(known)).quantize(_PLACES)


def framework_read(project: Project) -> ResultsFrameworkRead:
    return _framework(project.id, project.results)


def framework_reads(
    db_session: Session, project_ids: Sequence[int], periods_ended_by: dt.date | None = None
) -> list[ResultsFrameworkRead]:
    """Frameworks of these projects in the order asked (unknown ids left out), in a fixed
    number of statements: the ids, the results, their indicators, their periods. With
    ``periods_ended_by``, only the periods ended on or before that day are shown and count."""
    check_batch_size(project_ids)
    wanted = set(project_ids)
    known = set(db_session.scalars(select(Project.id).where(Project.id.in_(wanted))))
    by_project: dict[int, list[Result]] = defaultdict(list)
    if known:
        for result in db_session.scalars(
            select(Result)
            .where(Result.project_id.in_(known))
            .order_by(Result.project_id, Result.position)
        ):
            by_project[result.project_id].append(result)
    return [
        _framework(i, by_project[i], periods_ended_by)
        for i in dict.fromkeys(project_ids)
        if i in known
    ]


def framework_of(db_session: Session, project_id: int) -> ResultsFrameworkRead:
    """One project's framework, or a 404 problem."""
    found = framework_reads(db_session, [project_id])
    if not found:
        raise not_found("project", project_id)
    return found[0]


def _framework(
    project_id: int, project_results: Sequence[Result], ended_by: dt.date | None = None
) -> ResultsFrameworkRead:
    results: list[ResultRead] = []
    every: list[Decimal | None] = []
    for result in project_results:
        indicators = []
        for indicator in result.indicators:
            progress = indicator_progress(indicator, ended_by)
            every.append(progress)
            indicators.append(
                IndicatorRead(
                    title=indicator.title,
                    measure=indicator.measure,
                    ascending=indicator.ascending,
                    sdg_indicator=indicator.sdg_indicator,
                    baseline_value=indicator.baseline_value,
                    baseline_year=indicator.baseline_year,
                    baseline_comment=indicator.baseline_comment,
                    periods=[PeriodRead.model_validate(p) for p in _periods(indicator, ended_by)],
                    progress=progress,
                )
            )
        results.append(
            ResultRead(
                type=result.type,
                title=result.title,
                description=result.description,
                indicators=indicators,
                progress=_mean([i.progress for i in indicators]),
            )
        )
    return ResultsFrameworkRead(project_id=project_id, results=results, progress=_mean(every))


def check_results(
    results: Sequence[ResultIn], violations: Violations, *, today: dt.date | None = None
) -> None:
    """Every rule of a results framework, collected into ``violations``."""
    today = today or utcnow().date()
    for r, result in enumerate(results):
        for i, indicator in enumerate(result.indicators):
            _check_indicator(indicator, f"results.{r}.indicators.{i}", violations, today)


def _check_indicator(
    indicator: IndicatorIn, where: str, violations: Violations, today: dt.date
) -> None:
    if indicator.sdg_indicator is not None and ref.sdg_indicator(indicator.sdg_indicator) is None:
        violations.add(
            f"{where}.sdg_indicator",
            f"{indicator.sdg_indicator!r} is not a global SDG indicator",
            rule="unknown-sdg-indicator",
        )
    if indicator.baseline_year is None and (
        indicator.baseline_value is not None or indicator.baseline_comment is not None
    ):
        violations.add(
            f"{where}.baseline_year",
            "a baseline needs the year it was measured",
            rule="baseline-year-required",
        )
    for p, period in enumerate(indicator.periods):
        _check_period(period, indicator.measure, f"{where}.periods.{p}", violations, today)


def _check_period(
    period: PeriodIn, measure: IndicatorMeasure, at: str, violations: Violations, today: dt.date
) -> None:
    if period.period_end < period.period_start:
        violations.add(
            f"{at}.period_end",
            "the period ends before it starts",
            rule="end-before-start",
        )
    has_actual = period.actual_value is not None or period.actual_comment is not None
    if has_actual and period.period_start > today:
        violations.add(
            f"{at}.actual_value",
            f"the period starts on {period.period_start}; it has no actual yet",
            rule="actual-before-period-start",
        )
    if measure is IndicatorMeasure.PERCENTAGE:
        for name in ("target_value", "actual_value"):
            value = getattr(period, name)
            if value is not None and not 0 <= value <= 100:
                violations.add(
                    f"{at}.{name}",
                    "a percentage lies between 0 and 100",
                    rule="percentage-out-of-range",
                )
    if measure is IndicatorMeasure.QUALITATIVE and (
        period.target_value is not None or period.actual_value is not None
    ):
        violations.add(
            f"{at}",
            "a qualitative indicator takes comments, not values",
            rule="qualitative-has-no-value",
        )


def replace_results(*, db_session: Session, project: Project, data: ResultsFrameworkIn) -> None:
    violations = Violations()
    check_results(data.results, violations)
    violations.raise_if_any()
    set_results(project, data.results)
    db_session.flush()


def set_results(project: Project, results: Sequence[ResultIn]) -> None:
    """Replace the project's framework by ``results`` (already checked)."""
    project.results.clear()
    for r, result in enumerate(results):
        row = Result(
            position=r, type=result.type, title=result.title, description=result.description
        )
        for i, indicator in enumerate(result.indicators):
            row.indicators.append(
                ResultIndicator(
                    position=i,
                    title=indicator.title,
                    measure=indicator.measure,
                    ascending=indicator.ascending,
                    sdg_indicator=indicator.sdg_indicator,
                    baseline_value=indicator.baseline_value,
                    baseline_year=indicator.baseline_year,
                    baseline_comment=indicator.baseline_comment,
                    periods=[IndicatorPeriod(**p.model_dump()) for p in indicator.periods],
                )
            )
        project.results.append(row)
