"""API models of recommendations, management responses and key actions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.models import Acceptance, Addressee, KeyActionStatus, Priority
from shared.deps import MAX_ID
from shared.types import Name, RequiredLongText


class RecommendationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluation_id: int = Field(ge=1, le=MAX_ID)
    text: RequiredLongText
    addressee: Addressee
    priority: Priority
    issued_on: dt.date | None = Field(
        default=None,
        description="Day the recommendation was issued (default: today); not before the "
        "evaluation reached its draft report.",
    )


class RecommendationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: RequiredLongText | None = None
    addressee: Addressee | None = None
    priority: Priority | None = None


class ManagementResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    acceptance: Acceptance
    justification: RequiredLongText | None = Field(
        default=None, description="Required for 'rejected'."
    )
    responded_on: dt.date | None = Field(
        default=None, description="Default: today; not before the recommendation's issue date."
    )
    responded_by: Name | None = None


class ManagementResponseRead(BaseModel):
    acceptance: Acceptance
    justification: str | None
    responded_on: dt.date
    responded_by: str | None
    due_date: dt.date | None
    on_time: bool | None


class KeyActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation_id: int = Field(ge=1, le=MAX_ID)
    description: RequiredLongText
    responsible_unit: Name
    due_date: dt.date = Field(description="Not before the recommendation's issue date.")


class KeyActionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: RequiredLongText | None = None
    responsible_unit: Name | None = None
    due_date: dt.date | None = None
    status: KeyActionStatus | None = None
    completed_on: dt.date | None = Field(
        default=None, description="Day it was completed (default: today when completing)."
    )


class KeyActionRead(BaseModel):
    id: int
    recommendation_id: int
    number: int
    description: str
    responsible_unit: str
    due_date: dt.date
    status: KeyActionStatus
    completed_on: dt.date | None
    closed_on: dt.date | None = Field(
        description="Day it was completed or found no longer applicable."
    )
    overdue: bool = Field(
        description="Past its due date and not closed on as_of (computed from the state on "
        "that day: an action closed late was overdue on the days in between)."
    )
    days_overdue: int
    as_of: dt.date


ImplementationStatus = Literal["not_started", "in_progress", "implemented"]


class RecommendationRead(BaseModel):
    id: int
    evaluation_id: int
    number: int
    text: str
    addressee: Addressee
    priority: Priority
    issued_on: dt.date
    response_due: dt.date | None
    management_response: ManagementResponseRead | None
    implementation_status: ImplementationStatus
    key_actions: list[KeyActionRead]
    as_of: dt.date
