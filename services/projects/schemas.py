"""API models of the regional project registry (…Create / …Read / …Update).

Shape checks live here (lengths, patterns, enums); rules that need the catalogue, other rows
or several fields at once live in ``service.py`` so each is stated once and names its field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.projects.models import (
    ActionPlanStatus,
    ActivityStatus,
    Dimension,
    FrameworkType,
    IndicatorMeasure,
    ParticipantRole,
    Priority,
    ResultType,
)

IatiOrgId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    ),
]
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
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Percentage = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Year = Annotated[int, Field(ge=1990, le=2100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ reference


class SdgGoalRead(BaseModel):
    code: str
    title: str
    target_count: int
    dimensions: list[str]


class SdgTargetRead(BaseModel):
    code: str
    goal: str
    title: str


class SdgIndicatorRead(BaseModel):
    code: str
    target: str
    title: str
    unsd_code: str


class CountryRead(BaseModel):
    alpha2: str
    name: str
    programme: bool
    alpha3: str | None = None
    m49: str | None = None
    m49_region: str | None = None
    regional_platform: str | None = None


class VocabularyEntryRead(BaseModel):
    code: str
    name: str
    description: str | None = None
    former_name: str | None = None


class CodelistItemRead(BaseModel):
    code: str
    name: str
    withdrawn: bool


class ReferenceList(BaseModel, frozen=True):
    """A complete (unpaged) reference list; ``source`` is its attribution."""

    items: list[Any]
    source: str


# -------------------------------------------------------------- organisations


class OrganisationCreate(_In):
    iati_org_id: IatiOrgId | None = Field(
        default=None, description="IATI organisation identifier, e.g. 'XM-DAC-41114' (unique)."
    )
    name: Name
    type: str = Field(
        description="IATI OrganisationType code, e.g. '10' government, '40' multilateral.",
        pattern=r"^[0-9]{2}$",
    )
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2.")


class OrganisationUpdate(_In):
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


# ------------------------------------------------------------------- projects


class CountryShare(_In):
    code: CountryCode
    percentage: Percentage | None = None


class RegionShare(_In):
    vocabulary: str = Field(
        default="1", pattern=r"^[0-9]{1,2}$", description="IATI RegionVocabulary ('1' = OECD DAC)."
    )
    code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    percentage: Percentage | None = None


class ParticipantIn(_In):
    """An organisation of the registry, by its registry id or its IATI identifier."""

    organisation_id: int | None = None
    iati_org_id: IatiOrgId | None = None
    role: ParticipantRole


class AlignmentIn(_In):
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


class Money(_In):
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: CurrencyCode = Field(description="ISO 4217.")


class _ProjectFields(_In):
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


class FacetCount(BaseModel):
    code: str
    count: int


class ProjectFacets(BaseModel):
    total: int
    country: list[FacetCount]
    sdg_goal: list[FacetCount]
    dimension: list[FacetCount]
    status: list[FacetCount]


# ---------------------------------------------------------- results framework


class PeriodIn(_In):
    period_start: dt.date
    period_end: dt.date
    target_value: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    target_comment: LongText | None = None
    actual_value: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    actual_comment: LongText | None = None


class IndicatorIn(_In):
    title: Title
    measure: IndicatorMeasure
    ascending: bool = True
    sdg_indicator: Annotated[str, StringConstraints(max_length=12)] | None = Field(
        default=None, description="Global SDG indicator code, e.g. '17.18.1'."
    )
    baseline_value: Decimal | None = Field(default=None, max_digits=20, decimal_places=4)
    baseline_year: Year | None = None
    baseline_comment: LongText | None = None
    periods: list[PeriodIn] = Field(default_factory=list, max_length=50)


class ResultIn(_In):
    type: ResultType
    title: Title
    description: LongText | None = None
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=50)


class ResultsFrameworkIn(_In):
    results: list[ResultIn] = Field(max_length=50)


class PeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period_start: dt.date
    period_end: dt.date
    target_value: Decimal | None
    target_comment: str | None
    actual_value: Decimal | None
    actual_comment: str | None


class IndicatorRead(BaseModel):
    title: str
    measure: IndicatorMeasure
    ascending: bool
    sdg_indicator: str | None
    baseline_value: Decimal | None
    baseline_year: int | None
    baseline_comment: str | None
    periods: list[PeriodRead]
    progress: Decimal | None = Field(
        description="Share of the way from baseline to the latest target reached by the latest "
        "actual (0-1, capped); null for qualitative indicators or without data."
    )


class ResultRead(BaseModel):
    type: ResultType
    title: str
    description: str | None
    indicators: list[IndicatorRead]
    progress: Decimal | None


class ResultsFrameworkRead(BaseModel):
    project_id: int
    results: list[ResultRead]
    progress: Decimal | None = Field(description="Mean progress of the measurable indicators.")


class ResultsFrameworkBatch(BaseModel):
    """Results frameworks of many projects (for the gateway's annual report)."""

    items: list[ResultsFrameworkRead]


# --------------------------------------------------------------------- Centre


class TermsOfReferenceIn(_In):
    title: Title
    url: Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://")] | None = None
    document_date: dt.date
    effective_from: dt.date | None = None


class CentreUpdate(_In):
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


# ------------------------------------------------------------ action plans


class ActionPlanItemIn(_In):
    project_id: int
    priority: Priority = Priority.MEDIUM
    start_year: Year
    end_year: Year


class ActionPlanCreate(_In):
    title: Name
    partners_consulted: list[int] = Field(
        default_factory=list, max_length=200, description="Registry organisation ids."
    )
    items: list[ActionPlanItemIn] = Field(default_factory=list, max_length=1000)


class ActionPlanUpdate(_In):
    title: Name | None = None
    partners_consulted: list[int] | None = Field(default=None, max_length=200)
    items: list[ActionPlanItemIn] | None = Field(default=None, max_length=1000)


class ActionPlanAdopt(_In):
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
