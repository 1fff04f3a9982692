"""API models of the Centre's profile, its terms of reference and its revisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.projects.schemas.common import CountryCode, IatiOrgId, InModel, Name, Title


class TermsOfReferenceIn(InModel):
    title: Title
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://")] | None = None
    document_date: dt.date
    effective_from: dt.date | None = None


class CentreUpdate(InModel):
    name: Name
    seat_city: Name
    seat_country: CountryCode
    iati_org_id: IatiOrgId = Field(description="Prefix of every new project identifier.")
    head_name: Name | None = None
    head_appointed_on: dt.date | None = None
    head_appointed_by: Name = "Secretary-General of the United Nations"
    terms_of_reference: list[TermsOfReferenceIn] = Field(default_factory=list, max_length=50)


class TermsOfReferenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    title: str
    url: str | None
    document_date: dt.date
    effective_from: dt.date | None


class CentreRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    seat_city: str
    seat_country: str
    iati_org_id: str
    head_name: str | None
    head_appointed_on: dt.date | None
    head_appointed_by: str
    terms_of_reference: list[TermsOfReferenceRead]
    revision: int
    updated_at: dt.datetime


class CentreRevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    revision: int
    recorded_at: dt.datetime
    actor: str
    snapshot: dict[str, Any]
