"""API models of pledges, agreements, contributions, allocations and expenditures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.funding.models import (
    AgreementStatus,
    ContributionKind,
    Dimension,
    ExpenditureCategory,
    FundKind,
    InKindType,
    PledgeStatus,
    RevenueCategory,
)
from services.funding.schemas.ledger import (
    CurrencyCode,
    Earmarking,
    PositiveMoney,
    Text,
    _check_currency,
)
from shared.problems import FieldError, ProblemError

ASSESSED_RULE = (
    "paragraph 8: all costs of the Centre are met by voluntary contributions; "
    "the Centre takes no assessed contributions"
)
# Fields through which a request could say that money is an assessed contribution.
_KIND_FIELDS = ("revenue_category", "contribution_kind", "kind", "funding_kind", "type")

PscRate = Annotated[
    Decimal,
    Field(ge=0, le=20, max_digits=6, decimal_places=4, description="Percent, 0 to 20."),
]


def refuse_assessed(data: Any) -> Any:
    """422 ``assessed-contribution-refused`` whenever a kind-like field says 'assessed'."""
    if not isinstance(data, dict):
        return data
    errors = [
        FieldError(
            field=name,
            pointer=f"/{name}",
            rule="assessed-contribution-refused",
            message=f"'{data[name]}' is refused: {ASSESSED_RULE}",
        )
        for name in _KIND_FIELDS
        if isinstance(data.get(name), str) and "assessed" in data[name].strip().lower()
    ]
    if errors:
        raise ProblemError(
            422,
            f"{errors[0].field}: assessed contributions are refused ({ASSESSED_RULE})",
            title="Assessed contributions are refused",
            type_="assessed-contribution-refused",
            errors=errors,
            paragraph=8,
            rule_text="all costs of the Centre are met by voluntary contributions",
        )
    return data


class _Voluntary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contribution_kind: Literal["voluntary"] = Field(
        default="voluntary", description="Always voluntary; 'assessed' is refused (paragraph 8)."
    )
    revenue_category: RevenueCategory | None = Field(
        default=None,
        description="CEB category; derived from the earmarking when absent. 'assessed' is "
        "refused (paragraph 8).",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_assessed(cls, data: Any) -> Any:
        return refuse_assessed(data)


# ----------------------------------------------------------------------------- pledges


class PledgeCreate(_Voluntary):
    contributor_id: int = Field(ge=1)
    amount: PositiveMoney
    currency: CurrencyCode
    announced_on: dt.date
    expected_by: dt.date | None = None
    earmarking: Earmarking = Field(default_factory=lambda: Earmarking(kind=FundKind.UNEARMARKED))
    note: Text | None = None

    _currency = field_validator("currency")(_check_currency)


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
    note: str | None


# -------------------------------------------------------------------------- agreements


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_date: dt.date
    amount: PositiveMoney


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text
    amount: PositiveMoney = Field(description="Revenue deferred until the condition is met.")


class AgreementTerms(_Voluntary):
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
    contributor_id: int = Field(ge=1)
    currency: CurrencyCode
    earmarking: Earmarking

    _currency = field_validator("currency")(_check_currency)


class PledgeConversion(AgreementTerms):
    """Terms of the agreement a pledge becomes (contributor, currency, earmark from the pledge)."""


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
    psc_rate: Decimal
    earmark_kind: FundKind
    sdg_goal: int | None
    dimension: Dimension | None
    project_id: int | None
    revenue_category: RevenueCategory
    status: AgreementStatus
    signed_on: dt.date | None
    signing_rate: Decimal | None
    receivable_usd_open: Decimal
    deferred_usd_open: Decimal
    received: Decimal
    instalments: list[InstalmentRead]
    conditions: list[ConditionRead]


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AgreementStatus
    on: dt.date | None = Field(default=None, description="Signature date (required to sign).")


class ConditionMet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    met_on: dt.date


# ------------------------------------------------------------------------ contributions


class ContributionCreate(_Voluntary):
    """Cash against an agreement instalment, or an in-kind contribution at fair value."""

    kind: ContributionKind
    value_date: dt.date
    amount: PositiveMoney = Field(description="Cash received, or the in-kind fair value.")
    currency: CurrencyCode
    # cash
    agreement_id: int | None = Field(default=None, ge=1)
    instalment_number: int | None = Field(default=None, ge=1)
    # in kind
    contributor_id: int | None = Field(default=None, ge=1)
    in_kind_type: InKindType | None = None
    description: Text | None = None
    valuation_basis: Text | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    earmarking: Earmarking | None = None

    _currency = field_validator("currency")(_check_currency)


class ReversalRead(BaseModel):
    """The correction of a record: the reversing journal transaction, its date and reason."""

    transaction_id: int
    value_date: dt.date
    reason: str | None


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
    rate: Decimal
    usd_amount: Decimal
    value_date: dt.date
    revenue_category: RevenueCategory
    in_kind_type: InKindType | None
    description: str | None
    valuation_basis: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    recognised: bool
    transaction_id: int | None
    exchange_difference_usd: Decimal = Decimal("0.00")
    reversal: ReversalRead | None = Field(
        default=None, description="Set once the contribution was corrected by a reversal."
    )


# -------------------------------------------------------------- allocations, expenditures


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fund_id: int = Field(ge=1)
    project_id: int = Field(ge=1)
    amount: PositiveMoney = Field(description="US dollars.")
    value_date: dt.date
    description: Text | None = None


class AllocationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    fund_id: int
    project_id: int
    amount: Decimal
    currency: Literal["USD"] = "USD"
    value_date: dt.date
    description: str | None
    transaction_id: int
    reversal: ReversalRead | None = Field(
        default=None, description="Set once the allocation was corrected by a reversal."
    )


class ExpenditureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fund_id: int = Field(ge=1)
    project_id: int | None = Field(
        default=None, ge=1, description="Spends the project's allocation; none: the fund's cash."
    )
    category: ExpenditureCategory
    amount: PositiveMoney
    currency: CurrencyCode = "USD"
    value_date: dt.date
    description: Text | None = None
    evaluation_ref: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    _currency = field_validator("currency")(_check_currency)


class ExpenditureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    fund_id: int
    project_id: int | None
    category: ExpenditureCategory
    currency: str
    amount: Decimal
    rate: Decimal
    usd_amount: Decimal
    value_date: dt.date
    description: str | None
    is_evaluation_cost: bool = Field(validation_alias="is_evaluation")
    evaluation_ref: str | None
    transaction_id: int
    reversal: ReversalRead | None = Field(
        default=None, description="Set once the expenditure was corrected by a reversal."
    )
