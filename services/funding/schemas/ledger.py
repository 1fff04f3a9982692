"""API models of the voluntary-funding ledger (…Create / …Read / …Update)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.funding.models import (
    AccountType,
    ContributorType,
    Dimension,
    FundKind,
    Side,
    TransactionKind,
)
from shared.codes import is_country, is_currency

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


# --------------------------------------------------------------------------- money and codes

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=2)]
NonNegativeMoney = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)]
ExchangeRateValue = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=10)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


def _check_currency(value: str | None) -> str | None:
    if value is not None and not is_currency(value):
        raise ValueError(f"{value} is not an ISO 4217 currency code")
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------- rates


class RateCreate(_In):
    currency: CurrencyCode = Field(description="ISO 4217 code (not USD, the base).")
    effective_date: dt.date = Field(
        description="The 1st of the month for the monthly rate; a later day for a revision."
    )
    rate: ExchangeRateValue = Field(description="Currency units per US dollar.")

    _currency = field_validator("currency")(_check_currency)


class RatesCsv(BaseModel):
    """The CSV body of a bulk load, kept as text (for the Idempotency-Key hash)."""

    text: str


class RateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    currency: str
    effective_date: dt.date
    rate: Decimal
    created_at: dt.datetime


class RatesLoaded(BaseModel):
    loaded: int
    items: list[RateRead]


# ----------------------------------------------------------------------- funds and ledger


class Earmarking(_In):
    """Unearmarked (core / operating costs), thematic (an SDG goal or a dimension), or one
    registry project."""

    kind: FundKind
    sdg_goal: int | None = Field(default=None, ge=1, le=17)
    dimension: Dimension | None = None
    project_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _shape(self) -> Earmarking:
        if self.kind is FundKind.UNEARMARKED:
            if self.sdg_goal or self.dimension or self.project_id:
                raise ValueError("an unearmarked contribution names no goal, dimension or project")
        elif self.kind is FundKind.THEMATIC:
            if (self.sdg_goal is None) == (self.dimension is None) or self.project_id:
                raise ValueError("a thematic earmark names exactly one SDG goal or one dimension")
        elif self.project_id is None or self.sdg_goal or self.dimension:
            raise ValueError("a project earmark names exactly one registry project_id")
        return self


class FundCreate(_In):
    earmarking: Earmarking


class FundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: FundKind
    sdg_goal: int | None
    dimension: Dimension | None
    project_id: int | None


class AccountCreate(_In):
    code: str = Field(pattern=r"^[0-9]{4}$", description="A code of the chart of accounts.")
    fund_id: int
    project_id: int | None = Field(default=None, ge=1)
    category: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    code: str
    name: str
    type: AccountType
    fund_id: int
    project_id: int | None
    category: str | None
    balance_usd: Decimal


class ChartEntry(BaseModel):
    code: str
    name: str
    type: AccountType


class BalanceRead(BaseModel):
    account_id: int
    as_of: dt.date
    balance_usd: Decimal


class EntryCreate(_In):
    account_id: int
    side: Side
    amount: NonNegativeMoney
    currency: CurrencyCode = "USD"

    _currency = field_validator("currency")(_check_currency)


class TransactionCreate(_In):
    value_date: dt.date
    description: Text
    entries: list[EntryCreate] = Field(min_length=2, max_length=200)


class TransactionBatch(_In):
    transactions: list[TransactionCreate] = Field(min_length=1, max_length=1000)


class ReversalCreate(_In):
    reason: Text
    value_date: dt.date | None = Field(
        default=None, description="Date of the correction (default: the original's date)."
    )


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int
    account_id: int
    side: Side
    amount: Decimal
    currency: str
    rate: Decimal
    usd_amount: Decimal
    balance_after_usd: Decimal


class TransactionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sequence: int
    kind: TransactionKind
    value_date: dt.date
    posted_at: dt.datetime
    description: str
    actor: str
    contributor_id: int | None
    agreement_id: int | None
    project_id: int | None
    reverses_id: int | None
    reason: str | None
    prev_hash: str
    hash: str
    entries: list[EntryRead]


class TransactionBatchRead(BaseModel):
    posted: int
    first_sequence: int
    last_sequence: int
    transaction_ids: list[int]


class ChainVerificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    valid: bool
    transactions_checked: int
    head_sequence: int
    head_hash: str
    first_invalid_sequence: int | None
    reason: str | None
