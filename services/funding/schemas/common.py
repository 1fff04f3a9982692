"""API types several funding concepts share: money and currency codes, free text, the strict
input base, the earmarking of money, and the refusal of assessed contributions (paragraph 8).

Money out: US dollars always with two decimals (:data:`UsdOut`), rates with ten
(:data:`RateOut`), an original amount with exactly its currency's ISO 4217 decimals
(:func:`services.funding.money.in_currency`, applied by each read model that has a currency),
so a create's answer, its idempotent replay and the next read show the same digits."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from services.funding.journal import RATE_QUANTUM, q2
from services.funding.models import Dimension, FundKind, RevenueCategory
from shared.codes import is_currency
from shared.deps import MAX_ID
from shared.problems import FieldError, ProblemError
from shared.types import CurrencyCode as CurrencyCode
from shared.types import ShortText as ShortText
from shared.types import StrictInput as StrictInput
from shared.types import money_input

# Money in: a JSON string of digits with an optional decimal part, no sign, no exponent
# ("1000.00", "1000", "12.345"); a JSON number is refused, so is "1E+3" (shared.types).
AMOUNT_PATTERN = r"^[0-9]{1,17}(\.[0-9]{1,3})?$"
USD_PATTERN = r"^[0-9]{1,18}(\.[0-9]{1,2})?$"


# An amount in its original currency: up to three decimals here, its currency's own ISO 4217
# minor unit checked by the domain (``money.check_minor_units``, 422 naming the field).
_AMOUNT = "A decimal string with at most its currency's ISO 4217 decimals."
PositiveMoney = Annotated[
    Decimal,
    *money_input(AMOUNT_PATTERN, "1000.00", _AMOUNT),
    Field(gt=0),
]
NonNegativeMoney = Annotated[
    Decimal,
    *money_input(AMOUNT_PATTERN, "1000.00", _AMOUNT),
    Field(ge=0),
]
PositiveUsd = Annotated[
    Decimal,
    *money_input(USD_PATTERN, "1000.00", "US dollars: a decimal string, at most two decimals."),
    Field(gt=0),
]
UsdOut = Annotated[
    Decimal, PlainSerializer(lambda v: str(q2(v)), return_type=str, when_used="json")
]
RateOut = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(v.quantize(RATE_QUANTUM)), return_type=str, when_used="json"),
]
ExchangeRateValue = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=10)]


def check_currency(value: str | None) -> str | None:
    if value is not None and not is_currency(value):
        raise ValueError(f"{value} is not an ISO 4217 currency code")
    return value


class Earmarking(StrictInput):
    """Unearmarked (core / operating costs), thematic (an SDG goal or a dimension), or one
    registry project."""

    kind: FundKind
    sdg_goal: int | None = Field(default=None, ge=1, le=17)
    dimension: Dimension | None = None
    project_id: int | None = Field(default=None, ge=1, le=MAX_ID)

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


# ------------------------------------------------------------------- voluntary money only

ASSESSED_RULE = (
    "paragraph 8: all costs of the Centre are met by voluntary contributions; "
    "the Centre takes no assessed contributions"
)
# Fields through which a request could say that money is an assessed contribution.
_KIND_FIELDS = ("revenue_category", "contribution_kind", "kind", "funding_kind", "type")


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


class Voluntary(BaseModel):
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
