"""API models of spending: allocations of a fund's cash to projects, and expenditures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.funding.models import ExpenditureCategory
from services.funding.money import in_currency
from services.funding.schemas.common import (
    CurrencyCode,
    PositiveMoney,
    PositiveUsd,
    RateOut,
    ShortText,
    UsdOut,
    check_currency,
)
from services.funding.schemas.corrections import ReversalRead
from shared.deps import MAX_ID


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fund_id: int = Field(ge=1, le=MAX_ID)
    project_id: int = Field(ge=1, le=MAX_ID)
    amount: PositiveUsd = Field(description="US dollars.")
    value_date: dt.date
    description: ShortText | None = None


class AllocationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    fund_id: int
    project_id: int
    amount: UsdOut
    currency: Literal["USD"] = "USD"
    value_date: dt.date
    description: str | None
    transaction_id: int
    reversal: ReversalRead | None = Field(
        default=None, description="Set once the allocation was corrected by a reversal."
    )


class ExpenditureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fund_id: int = Field(ge=1, le=MAX_ID)
    project_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Spends the project's allocation; none: the fund's cash.",
    )
    category: ExpenditureCategory
    amount: PositiveMoney
    currency: CurrencyCode = "USD"
    value_date: dt.date
    description: ShortText | None = None
    evaluation_ref: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    _currency = field_validator("currency")(check_currency)


class ExpenditureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    fund_id: int
    project_id: int | None
    category: ExpenditureCategory
    currency: str
    amount: Decimal
    rate: RateOut
    usd_amount: UsdOut
    value_date: dt.date
    description: str | None
    is_evaluation_cost: bool = Field(validation_alias="is_evaluation")
    evaluation_ref: str | None
    transaction_id: int
    reversal: ReversalRead | None = Field(
        default=None, description="Set once the expenditure was corrected by a reversal."
    )

    @model_validator(mode="after")
    def _in_currency(self) -> ExpenditureRead:
        self.amount = in_currency(self.amount, self.currency)
        return self
