"""API models of the tracking views: deadlines, per-cycle rates and paragraph-11 compliance,
and the batch by registry project."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.evaluation.models import (
    Acceptance,
    EvaluationKind,
    EvaluationStatus,
    FundingSourceKind,
    Priority,
)
from services.evaluation.schemas.cycles import CycleContracting
from services.evaluation.schemas.evaluations import Money
from services.evaluation.schemas.recommendations import ImplementationStatus, KeyActionRead

DeadlineKind = Literal["cycle_milestone", "management_response", "key_action"]


class DeadlineRead(BaseModel):
    kind: DeadlineKind
    due_date: dt.date
    days_left: int
    description: str
    cycle_year: int | None = None
    milestone: str | None = None
    evaluation_id: int | None = None
    recommendation_id: int | None = None
    key_action_id: int | None = None


class DeadlinePage(BaseModel):
    """Every deadline in the window (bounded by ``within_days``, so one page)."""

    items: list[DeadlineRead]
    next_cursor: str | None = None


class Paragraph11Compliance(BaseModel):
    """Paragraph 11: an independent evaluation every two years, funded voluntarily."""

    held: bool = Field(description="The cycle has an independent evaluation (not cancelled).")
    independent: bool = Field(
        description="It has a lead evaluator, every team member signed a declaration and, on "
        "the day asked, none is or was (within the cooling-off period) employed by the Centre "
        "or by an implementing partner of a project in scope (for a Centre-wide evaluation: "
        "every project active in the cycle's period), as the registry says then."
    )
    independence_conflicts: list[dict[str, Any]] = Field(
        default_factory=list, description="Why it is not independent, one entry per conflict."
    )
    funded_from_voluntary_contributions: bool = Field(
        description="On the day asked it has funding sources and every one funds it in the "
        "ledger: an agreement signed by then, an allocation made by then and not reversed."
    )
    completed: bool
    compliant: bool
    gaps: list[str]


class CycleTrackingRead(BaseModel):
    cycle_id: int
    year: int
    independent_evaluation_id: int | None
    evaluation_status: str | None
    contracting: CycleContracting
    recommendations: int
    accepted: int
    acceptance_rate: float | None = Field(description="Accepted (fully or partially) / all.")
    implemented: int
    implementation_rate: float | None = Field(description="Implemented / accepted.")
    completed_on: dt.date | None
    finished_on_time: bool | None = Field(
        description="Completed by the management-response deadline; null while still possible."
    )
    compliance: Paragraph11Compliance
    as_of: dt.date


class OpenRecommendation(BaseModel):
    id: int
    number: int
    text: str
    priority: Priority
    acceptance: Acceptance | None
    implementation_status: ImplementationStatus


class ProjectEvaluationSummary(BaseModel):
    id: int
    title: str
    kind: EvaluationKind
    status: EvaluationStatus
    cycle_year: int | None
    open_recommendations: list[OpenRecommendation]
    overdue_key_actions: list[KeyActionRead]


class ProjectEvaluations(BaseModel):
    project_id: int
    evaluations: list[ProjectEvaluationSummary]


class ProjectEvaluationsBatch(BaseModel):
    items: list[ProjectEvaluations]
    as_of: dt.date


class FundingSourceState(BaseModel):
    """A funding source of an evaluation as the ledger shows it on the day asked."""

    kind: FundingSourceKind
    id: int
    in_ledger: bool
    status: str | None = Field(description="Agreements: draft, signed, active, … .")
    amount: Decimal | None = Field(description="The agreement's total or the allocation.")
    currency: str | None
    reversed_on: dt.date | None = Field(description="Allocations corrected by a reversal.")
    funds_on_day: bool = Field(
        description="Signed by the day (agreement); made and not reversed then (allocation)."
    )


class EvaluationFundingRead(BaseModel):
    """An evaluation's budget beside what the ledger allocated and spent for it on a day."""

    evaluation_id: int
    as_of: dt.date
    budget: Money | None
    sources: list[FundingSourceState]
    allocated_usd: Decimal = Field(
        description="Allocations among its sources that fund it on the day (US dollars)."
    )
    spent_usd: Decimal = Field(
        description="Evaluation-cost expenditures whose evaluation_ref is this evaluation's "
        "id, made and not reversed by the day (US dollars)."
    )
    expenditure_ids: list[int]
    budget_unallocated_usd: Decimal | None = Field(
        description="Budget minus allocated, when the budget is in US dollars."
    )
    budget_unspent_usd: Decimal | None = Field(
        description="Budget minus spent, when the budget is in US dollars (negative: overspent)."
    )
    funded_from_voluntary_contributions: bool
