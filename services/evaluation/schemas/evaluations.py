"""API models of evaluations (…Create / …Read / …Update): scope, budget and funding, team,
status changes, and the report's content (ratings, findings, quality assessment, documents)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.evaluation.models import (
    Criterion,
    DocumentKind,
    EvaluationKind,
    EvaluationStatus,
    FundingSourceKind,
    TeamRole,
)
from shared.codes import is_currency
from shared.deps import MAX_ID
from shared.types import Name, PositiveBudgetAmount, RequiredLongText

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
EntityName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
ProjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
Sha256 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://[^\s/]+\S*$")
]


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveBudgetAmount
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

    evaluator_id: int = Field(ge=1, le=MAX_ID)
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
    reason: RequiredLongText | None = Field(
        default=None, description="Required for cancelled/postponed."
    )
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
    justification: RequiredLongText


class RatingRead(BaseModel):
    criterion: Criterion
    score: int
    label: str
    justification: str
    updated_at: dt.datetime


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: RequiredLongText
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
    comments: RequiredLongText | None = None


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
