"""API models of agreements (their terms, instalments and conditions) and of the contributions
received under them or in kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from services.funding.models import (
    AgreementStatus,
    ContributionKind,
    Dimension,
    FundKind,
    InKindType,
    RevenueCategory,
)
from services.funding.money import in_currency
from services.funding.schemas.common import (
    CurrencyCode,
    Earmarking,
    PositiveMoney,
    RateOut,
    ShortText,
    UsdOut,
    Voluntary,
    check_currency,
)
from services.funding.schemas.corrections import ReversalRead
from shared.deps import MAX_ID
from shared.problems import FieldError, ProblemError

PscRate = Annotated[
    Decimal,
    Field(ge=0, le=20, max_digits=6, decimal_places=4, description="Percent, 0 to 20."),
]


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_date: dt.date
    amount: PositiveMoney


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: ShortText
    amount: PositiveMoney = Field(description="Revenue deferred until the condition is met.")


class AgreementTerms(Voluntary):
    """What a pledge conversion adds: the binding terms."""

    reference: Annotated[str, Field(min_length=1, max_length=100)]
    total: PositiveMoney
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=120)
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=50)
    psc_rate: PscRate = Decimal("7")

    @model_validator(mode="after")
    def _schedule(self) -> AgreementTerms:
        scheduled = sum((i.amount for i in self.instalments), Decimal(0))
        if scheduled != self.total:
            raise ProblemError(
                422,
                f"instalments: the schedule sums to {scheduled}, not the total {self.total}",
                type_="instalments-sum",
                errors=[
                    FieldError(
                        field="instalments",
                        pointer="/instalments",
                        rule="instalments-sum",
                        message=f"amounts sum to {scheduled}; they must equal total {self.total}",
                    )
                ],
            )
        conditional = sum((c.amount for c in self.conditions), Decimal(0))
        if conditional > self.total:
            raise ProblemError(
                422,
                f"conditions: conditional amounts {conditional} exceed the total {self.total}",
                type_="conditions-exceed-total",
                errors=[
                    FieldError(
                        field="conditions",
                        pointer="/conditions",
                        rule="conditions-exceed-total",
                        message=f"sum {conditional} exceeds total {self.total}",
                    )
                ],
            )
        return self


class AgreementCreate(AgreementTerms):
    contributor_id: int = Field(ge=1, le=MAX_ID)
    currency: CurrencyCode
    earmarking: Earmarking

    _currency = field_validator("currency")(check_currency)


class InstalmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    due_date: dt.date
    amount: Decimal
    received: Decimal


class ConditionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    description: str
    amount: Decimal
    met_on: dt.date | None


class AgreementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    contributor_id: int
    pledge_id: int | None
    fund_id: int
    currency: str
    total: Decimal
    psc_rate: Annotated[
        Decimal,
        PlainSerializer(lambda v: str(v.quantize(Decimal("0.0001"))), return_type=str),
    ]
    earmark_kind: FundKind
    sdg_goal: int | None
    dimension: Dimension | None
    project_id: int | None
    revenue_category: RevenueCategory
    status: AgreementStatus
    signed_on: dt.date | None
    signing_rate: RateOut | None
    receivable_usd_open: UsdOut
    deferred_usd_open: UsdOut
    received: Decimal
    instalments: list[InstalmentRead]
    conditions: list[ConditionRead]

    @model_validator(mode="after")
    def _in_currency(self) -> AgreementRead:
        """Every amount with exactly the agreement currency's decimals."""
        self.total = in_currency(self.total, self.currency)
        self.received = in_currency(self.received, self.currency)
        for instalment in self.instalments:
            instalment.amount = in_currency(instalment.amount, self.currency)
            instalment.received = in_currency(instalment.received, self.currency)
        for condition in self.conditions:
            condition.amount = in_currency(condition.amount, self.currency)
        return self


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AgreementStatus
    on: dt.date | None = Field(default=None, description="Signature date (required to sign).")


class ConditionMet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    met_on: dt.date


# ------------------------------------------------------------------------ contributions


class ContributionCreate(Voluntary):
    """Cash against an agreement instalment, or an in-kind contribution at fair value."""

    kind: ContributionKind
    value_date: dt.date
    amount: PositiveMoney = Field(description="Cash received, or the in-kind fair value.")
    currency: CurrencyCode
    # cash
    agreement_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    instalment_number: int | None = Field(default=None, ge=1)
    # in kind
    contributor_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    in_kind_type: InKindType | None = None
    description: ShortText | None = None
    valuation_basis: ShortText | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    earmarking: Earmarking | None = None

    _currency = field_validator("currency")(check_currency)


class ContributionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ContributionKind
    contributor_id: int
    agreement_id: int | None
    instalment_id: int | None
    fund_id: int
    currency: str
    amount: Decimal
    rate: RateOut
    usd_amount: UsdOut
    value_date: dt.date
    revenue_category: RevenueCategory
    in_kind_type: InKindType | None
    description: str | None
    valuation_basis: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    recognised: bool
    transaction_id: int | None
    exchange_difference_usd: UsdOut = Decimal("0.00")
    reversal: ReversalRead | None = Field(
        default=None, description="Set once the contribution was corrected by a reversal."
    )

    @model_validator(mode="after")
    def _in_currency(self) -> ContributionRead:
        self.amount = in_currency(self.amount, self.currency)
        return self
