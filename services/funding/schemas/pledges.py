"""API models of pledges: announced, disclosed, not revenue until converted to an agreement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.funding.models import Dimension, FundKind, PledgeStatus, RevenueCategory
from services.funding.money import in_currency
from services.funding.schemas.agreements import AgreementTerms
from services.funding.schemas.common import (
    CurrencyCode,
    Earmarking,
    PositiveMoney,
    ShortText,
    Voluntary,
    check_currency,
)
from shared.deps import MAX_ID


class PledgeCreate(Voluntary):
    contributor_id: int = Field(ge=1, le=MAX_ID)
    amount: PositiveMoney
    currency: CurrencyCode
    announced_on: dt.date
    expected_by: dt.date | None = None
    earmarking: Earmarking = Field(default_factory=lambda: Earmarking(kind=FundKind.UNEARMARKED))
    note: ShortText | None = None

    _currency = field_validator("currency")(check_currency)


class PledgeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contributor_id: int
    amount: Decimal
    currency: str
    announced_on: dt.date
    expected_by: dt.date | None
    earmark_kind: FundKind
    sdg_goal: int | None
    dimension: Dimension | None
    project_id: int | None
    revenue_category: RevenueCategory
    status: PledgeStatus
    settled_on: dt.date | None = Field(description="The day it was converted or lapsed.")
    note: str | None

    @model_validator(mode="after")
    def _in_currency(self) -> PledgeRead:
        self.amount = in_currency(self.amount, self.currency)
        return self


class PledgeConversion(AgreementTerms):
    """Terms of the agreement a pledge becomes (contributor, currency, earmark from the pledge)."""
