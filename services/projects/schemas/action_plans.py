"""API models of the comprehensive action plan's versions, items and consulted partners."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from services.projects.models import ActionPlanStatus, Priority
from services.projects.schemas.common import InModel, Name, Year


class ActionPlanItemIn(InModel):
    project_id: int
    priority: Priority = Priority.MEDIUM
    start_year: Year
    end_year: Year


class ActionPlanCreate(InModel):
    title: Name
    partners_consulted: list[int] = Field(
        default_factory=list, max_length=200, description="Registry organisation ids."
    )
    items: list[ActionPlanItemIn] = Field(default_factory=list, max_length=1000)


class ActionPlanUpdate(InModel):
    title: Name | None = None
    partners_consulted: list[int] | None = Field(default=None, max_length=200)
    items: list[ActionPlanItemIn] | None = Field(default=None, max_length=1000)


class ActionPlanAdopt(InModel):
    adopted_on: dt.date


class ActionPlanItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    project_id: int
    priority: Priority
    start_year: int
    end_year: int


class PartnerRead(BaseModel):
    organisation_id: int
    iati_org_id: str | None
    name: str
    type: str


class ActionPlanRead(BaseModel):
    id: int
    version_number: int
    title: str
    status: ActionPlanStatus
    adopted_on: dt.date | None
    superseded_on: dt.date | None
    partners_consulted: list[PartnerRead]
    items: list[ActionPlanItemRead]
    created_at: dt.datetime
    updated_at: dt.datetime
