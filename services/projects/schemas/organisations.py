"""API models of the registry's organisations (…Create / …Update / …Read)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from services.projects.schemas.common import CountryCode, IatiOrgId, InModel, Name


class OrganisationCreate(InModel):
    iati_org_id: IatiOrgId | None = Field(
        default=None, description="IATI organisation identifier, e.g. 'XM-DAC-41114' (unique)."
    )
    name: Name
    type: str = Field(
        description="IATI OrganisationType code, e.g. '10' government, '40' multilateral.",
        pattern=r"^[0-9]{2}$",
    )
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2.")


class OrganisationUpdate(InModel):
    iati_org_id: IatiOrgId | None = None
    name: Name | None = None
    type: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    country: CountryCode | None = None


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    iati_org_id: str | None
    name: str
    type: str
    country: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
