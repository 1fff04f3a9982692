"""API models of the registry's projects (…Create / …Update / …Read, batch answers).

Shape checks live here (lengths, patterns, enums); rules that need the catalogue, other rows
or several fields at once live in ``rules.py`` so each is stated once and names its field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.projects.models import ActivityStatus, Dimension, FrameworkType, ParticipantRole
from services.projects.schemas.common import (
    CountryCode,
    IatiOrgId,
    InModel,
    LongText,
    Name,
    Title,
    Year,
)
from shared.types import BudgetAmount

IatiIdentifier = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=150,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    ),
]
LocalCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    ),
]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Percentage = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class CountryShare(InModel):
    code: CountryCode
    percentage: Percentage | None = None


class RegionShare(InModel):
    vocabulary: str = Field(
        default="1", pattern=r"^[0-9]{1,2}$", description="IATI RegionVocabulary ('1' = OECD DAC)."
    )
    code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    percentage: Percentage | None = None


class ParticipantIn(InModel):
    """An organisation of the registry, by its registry id or its IATI identifier."""

    organisation_id: int | None = None
    iati_org_id: IatiOrgId | None = None
    role: ParticipantRole


class AlignmentIn(InModel):
    country: CountryCode
    framework: FrameworkType
    framework_title: Name | None = Field(
        default=None, description="e.g. 'UNSDCF Kazakhstan 2021-2025'."
    )
    statement: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
    ] = Field(description="The national priority or framework outcome the project serves.")
    period_start_year: Year | None = None
    period_end_year: Year | None = None


class Money(InModel):
    amount: BudgetAmount
    currency: CurrencyCode = Field(description="ISO 4217.")


class _ProjectFields(InModel):
    title: Title | None = None
    description: LongText | None = None
    status: ActivityStatus | None = Field(
        default=None,
        description="IATI ActivityStatus code 1-6; closed (4) and cancelled (5) are final.",
    )
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    dimensions: list[Dimension] | None = Field(default=None, max_length=3)
    sdg_goals: list[Annotated[str, StringConstraints(max_length=2)]] | None = Field(
        default=None, max_length=17
    )
    sdg_targets: list[Annotated[str, StringConstraints(max_length=5)]] | None = Field(
        default=None, max_length=169, description="Targets such as '17.18'; each implies its goal."
    )
    recipient_countries: list[CountryShare] | None = Field(default=None, max_length=60)
    recipient_regions: list[RegionShare] | None = Field(default=None, max_length=30)
    participants: list[ParticipantIn] | None = Field(default=None, max_length=100)
    un_entities: list[Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9-]{1,39}$")]] | (
        None
    ) = Field(default=None, max_length=40, description="Coordinating UN entities, e.g. 'ECE'.")
    speca_groups: list[Code] | None = Field(default=None, max_length=10)
    lldc_priorities: list[Code] | None = Field(default=None, max_length=5)
    coalitions: list[Code] | None = Field(default=None, max_length=10)
    alignments: list[AlignmentIn] | None = Field(default=None, max_length=60)
    planned_budget: Money | None = None


class ProjectCreate(_ProjectFields):
    iati_identifier: IatiIdentifier | None = Field(
        default=None,
        description="Full IATI identifier; must start with the Centre's organisation "
        "identifier and '-'. Give this or local_code.",
    )
    local_code: LocalCode | None = Field(
        default=None, description="Local code; the identifier becomes '<Centre org id>-<code>'."
    )
    title: Title


class ProjectUpdate(_ProjectFields):
    """Fields to change; the IATI identifier never changes."""


class CountryShareRead(BaseModel):
    code: str
    name: str
    programme: bool
    percentage: Decimal | None


class RegionShareRead(BaseModel):
    vocabulary: str
    code: str
    percentage: Decimal | None


class ParticipantRead(BaseModel):
    organisation_id: int
    iati_org_id: str | None
    name: str
    type: str
    role: ParticipantRole
    role_code: str


class AlignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    country: str
    framework: FrameworkType
    framework_title: str | None
    statement: str
    period_start_year: int | None
    period_end_year: int | None


class MoneyRead(BaseModel):
    amount: Decimal
    currency: str


class ProjectRead(BaseModel):
    id: int
    iati_identifier: str
    title: str
    description: str | None
    status: ActivityStatus
    status_name: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    actual_start: dt.date | None
    actual_end: dt.date | None
    dimensions: list[Dimension]
    sdg_goals: list[str]
    sdg_targets: list[str]
    recipient_countries: list[CountryShareRead]
    recipient_regions: list[RegionShareRead]
    participants: list[ParticipantRead]
    un_entities: list[str]
    speca_groups: list[str]
    lldc_priorities: list[str]
    coalitions: list[str]
    alignments: list[AlignmentRead]
    planned_budget: MoneyRead | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ProjectBatch(BaseModel):
    """Projects read by id; ids that do not exist are simply absent."""

    items: list[ProjectRead]


class ProjectFilterQuery(BaseModel):
    # The registry filter's query parameters (list, facets, IATI export); every one narrows.
    country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="Recipient country (ISO alpha-2)."
    )
    sdg_goal: str | None = Field(default=None, max_length=2, alias="goal")
    sdg_target: str | None = Field(default=None, max_length=5, alias="target")
    dimension: Dimension | None = None
    status: ActivityStatus | None = Field(default=None, description="IATI activity status.")
    organisation_id: int | None = Field(default=None, alias="organisation")
    role: ParticipantRole | None = Field(default=None, description="With organisation, its role.")
    speca_group: str | None = Field(default=None, max_length=60)
    lldc_priority: str | None = Field(default=None, max_length=2)
    coalition: str | None = Field(default=None, max_length=60)
    action_plan_version: int | None = Field(default=None, ge=1)
    year_active: int | None = Field(
        default=None, ge=1990, le=2100, description="Active at some time in this year."
    )
    q: str | None = Field(default=None, max_length=200, description="Text in title/description.")
