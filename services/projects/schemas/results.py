"""API models of a project's results framework: results → indicators → periods, with the
computed progress in the answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.projects.models import IndicatorMeasure, ResultType
from services.projects.schemas.common import InModel, LongText, Title, Year


class PeriodIn(InModel):
    period_start: dt.date
    period_end: dt.date
    target_value: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    target_comment: LongText | None = None
    actual_value: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    actual_comment: LongText | None = None


class IndicatorIn(InModel):
    title: Title
    measure: IndicatorMeasure
    ascending: bool = True
    sdg_indicator: Annotated[str, StringConstraints(max_length=12)] | None = Field(
        default=None, description="Global SDG indicator code, e.g. '17.18.1'."
    )
    baseline_value: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    baseline_year: Year | None = None
    baseline_comment: LongText | None = None
    periods: list[PeriodIn] = Field(default_factory=list, max_length=50)


class ResultIn(InModel):
    type: ResultType
    title: Title
    description: LongText | None = None
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=50)


class ResultsFrameworkIn(InModel):
    results: list[ResultIn] = Field(max_length=50)


class PeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period_start: dt.date
    period_end: dt.date
    target_value: Decimal | None
    target_comment: str | None
    actual_value: Decimal | None
    actual_comment: str | None


class IndicatorRead(BaseModel):
    title: str
    measure: IndicatorMeasure
    ascending: bool
    sdg_indicator: str | None
    baseline_value: Decimal | None
    baseline_year: int | None
    baseline_comment: str | None
    periods: list[PeriodRead]
    progress: Decimal | None = Field(
        description="Share of the way from baseline to the latest target reached by the latest "
        "actual (0-1, capped); null for qualitative indicators or without data."
    )


class ResultRead(BaseModel):
    type: ResultType
    title: str
    description: str | None
    indicators: list[IndicatorRead]
    progress: Decimal | None


class ResultsFrameworkRead(BaseModel):
    project_id: int
    results: list[ResultRead]
    progress: Decimal | None = Field(description="Mean progress of the measurable indicators.")


class ResultsFrameworkBatch(BaseModel):
    """Results frameworks of many projects (for the gateway's annual report)."""

    items: list[ResultsFrameworkRead]
