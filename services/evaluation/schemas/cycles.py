"""API models of the biennial cycles: the schedule request, a cycle with its deadlines and
contracting state."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CycleScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    through_year: int = Field(
        ge=2028,
        description="Generate every biennial cycle from 2028 up to this (even) year.",
        examples=[2032],
    )


class CycleDeadlines(BaseModel):
    terms_of_reference: dt.date
    evaluator_contracted: dt.date
    inception: dt.date
    draft_report: dt.date
    final_report: dt.date
    management_response: dt.date


ContractingState = Literal["contracted", "on_track", "at_risk", "overdue"]


class CycleContracting(BaseModel):
    """Whether the cycle's independent evaluation is contracted, computed on ``as_of``."""

    state: ContractingState
    deadline: dt.date
    contracted_on: dt.date | None
    days_to_deadline: int


class CycleRead(BaseModel):
    id: int
    year: int
    period_start: dt.date = Field(description="First day of the two years the cycle covers.")
    period_end: dt.date = Field(description="Last day of the two years the cycle covers.")
    deadlines: CycleDeadlines
    independent_evaluation_id: int | None
    contracting: CycleContracting
    as_of: dt.date


class CycleSchedule(BaseModel):
    items: list[CycleRead]
    created_years: list[int]
