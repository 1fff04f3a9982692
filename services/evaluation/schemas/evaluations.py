"""API models of the biennial evaluation tracking (…Create / …Read / …Update)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.evaluation.models import (
    Acceptance,
    Criterion,
    DocumentKind,
    EvaluationKind,
    EvaluationStatus,
    FundingSourceKind,
    Priority,
    TeamRole,
)
from services.evaluation.schemas.common import Name, Text
from services.evaluation.schemas.cycles import CycleContracting
from services.evaluation.schemas.recommendations import ImplementationStatus, KeyActionRead
from shared.codes import is_currency

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
EntityName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
ProjectId = Annotated[int, Field(ge=1)]
Sha256 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://[^\s/]+\S*$")
]
# --------------------------------------------------------------------------- cycles


# --------------------------------------------------------------------------- evaluators


# --------------------------------------------------------------------------- evaluations


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217.")

    @field_validator("amount")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        # One representation whatever the client sent ("1000" and "1000.00" are one amount).
        return value.quantize(Decimal("0.01"))

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise ValueError(f"{value} is not an ISO 4217 currency code")
        return value


class FundingSource(BaseModel):
    """A funding-ledger agreement or allocation (the ledger holds voluntary money only)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    kind: FundingSourceKind
    id: int = Field(ge=1, description="Id of the agreement or allocation in the ledger.")


def _unique(values: list[ProjectId] | None) -> list[ProjectId] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("project ids must not repeat")
    return values


def _unique_sources(values: list[FundingSource] | None) -> list[FundingSource] | None:
    if values is not None and len({(v.kind, v.id) for v in values}) != len(values):
        raise ValueError("funding sources must not repeat")
    return values


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EvaluationKind
    title: Title
    cycle_id: int | None = Field(
        default=None, description="Required for the independent evaluation of the Centre."
    )
    project_ids: list[ProjectId] = Field(
        default_factory=list, max_length=100, description="Registry projects in scope."
    )
    commissioning_entities: list[EntityName] = Field(
        min_length=1, max_length=20, description="UN entities commissioning the evaluation."
    )
    budget: Money | None = None
    funding_sources: list[FundingSource] = Field(default_factory=list, max_length=20)

    _projects = field_validator("project_ids")(_unique)
    _sources = field_validator("funding_sources")(_unique_sources)


class EvaluationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    project_ids: list[ProjectId] | None = Field(default=None, max_length=100)
    commissioning_entities: list[EntityName] | None = Field(
        default=None, min_length=1, max_length=20
    )
    budget: Money | None = None
    funding_sources: list[FundingSource] | None = Field(default=None, max_length=20)

    _projects = field_validator("project_ids")(_unique)
    _sources = field_validator("funding_sources")(_unique_sources)


class TeamMemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluator_id: int = Field(ge=1)
    role: TeamRole


class TeamMemberRead(BaseModel):
    evaluator_id: int
    name: str
    role: TeamRole
    employer_name: str | None
    employer_iati_org_id: str | None


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: EvaluationStatus | None
    to_status: EvaluationStatus
    reason: str | None
    effective_on: dt.date


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: EvaluationStatus
    reason: Text | None = Field(default=None, description="Required for cancelled/postponed.")
    effective_on: dt.date | None = Field(
        default=None, description="Day the status was reached (default: today)."
    )


class EvaluationRead(BaseModel):
    id: int
    kind: EvaluationKind
    title: str
    cycle_id: int | None
    cycle_year: int | None
    status: EvaluationStatus
    status_reason: str | None
    project_ids: list[int]
    commissioning_entities: list[str]
    budget: Money | None
    funding_sources: list[FundingSource]
    team: list[TeamMemberRead]
    history: list[StatusChangeRead]
    created_at: dt.datetime
    updated_at: dt.datetime


# --------------------------------------------------------------------------- content


class RatingWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(description="A score of the configured scale (UN 6-point by default).")
    justification: Text


class RatingRead(BaseModel):
    criterion: Criterion
    score: int
    label: str
    justification: str
    updated_at: dt.datetime


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    criterion: Criterion | None = None


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    evaluation_id: int
    number: int
    text: str
    criterion: Criterion | None


class QualityAssessmentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(description="Quality of the report on the configured scale.")
    assessed_by: Name
    assessed_on: dt.date
    comments: Text | None = None


class QualityAssessmentRead(BaseModel):
    evaluation_id: int
    score: int
    label: str
    assessed_by: str
    assessed_on: dt.date
    comments: str | None
    updated_at: dt.datetime


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind
    title: Title
    url: Url
    sha256: Sha256 = Field(description="SHA-256 checksum of the file, 64 hex digits.")
    public: bool = False


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    evaluation_id: int
    kind: DocumentKind
    title: str
    url: str
    sha256: str
    public: bool
    created_at: dt.datetime


# --------------------------------------------------------------------------- follow-up


# --------------------------------------------------------------------------- tracking

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
        description="It has a lead evaluator and every team member signed a declaration and "
        "is not employed by the Centre (scope conflicts are refused when recorded)."
    )
    funded_from_voluntary_contributions: bool = Field(
        description="Its funding is traced to ledger agreements or allocations."
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
