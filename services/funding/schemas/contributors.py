"""API models of contributors (…Create / …Read / …Update)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.funding.models import ContributorType
from shared.codes import is_country

IatiOrgId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def _check_country(value: str | None) -> str | None:
    if value is not None and not is_country(value):
        raise ValueError(f"{value} is not an ISO 3166-1 alpha-2 country code")
    return value


class ContributorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iati_org_id: IatiOrgId | None = Field(
        default=None, description="IATI organisation identifier, e.g. 'XM-DAC-41114'."
    )
    name: Name
    type: ContributorType = Field(
        description="Kind of voluntary contributor. There is no 'assessed' type: the Centre "
        "takes voluntary contributions only (paragraph 8)."
    )
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2.")

    _country = field_validator("country")(_check_country)


class ContributorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iati_org_id: IatiOrgId | None = None
    name: Name | None = None
    type: ContributorType | None = None
    country: CountryCode | None = None

    _country = field_validator("country")(_check_country)


class ContributorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    iati_org_id: str | None
    name: str
    type: ContributorType
    country: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
