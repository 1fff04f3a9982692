"""The constrained types the services share — one vocabulary, one definition each: IATI
organisation ids, names and texts, country and currency codes, years — the base of every input
model, and the rule of every PATCH ("a field may be omitted, but not set to null").

A service's ``schemas/common.py`` keeps only what is its own (the ledger's money, say).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from shared.problems import field_problem

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
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# A note or a reason: a line or a short paragraph.
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]
# A description: pages of text, possibly empty.
LongText = Annotated[str, StringConstraints(max_length=20_000)]
# A finding, a recommendation, a response: pages of text that must say something.
RequiredLongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Year = Annotated[int, Field(ge=1990, le=2100)]

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: Any) -> Any:
    # pydantic reads a number ("0") as a Unix time: a query's ``as_of=0`` would be 1970-01-01
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("is not a date written YYYY-MM-DD")
    return value


# A day in a query: only YYYY-MM-DD.
QueryDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]


def money_input(pattern: str, example: str, description: str) -> tuple[Any, Any]:
    """The two annotations of money coming in: a JSON string matching ``pattern`` (digits, an
    optional decimal point and decimals; no sign, exponent or spaces) — a JSON number is refused
    with a 422 that says to send a string (binary floating point cannot carry every amount
    exactly) — and the OpenAPI schema that says so."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, Decimal):  # built in Python (an import, a copy): already exact
            return value
        if not isinstance(value, str):
            raise PydanticCustomError(
                "money-as-string",
                "money is sent as a JSON string such as {example}, never as a JSON number",
                {"example": f'"{example}"'},
            )
        if not compiled.fullmatch(value):
            raise PydanticCustomError(
                "money-format",
                "is not an amount such as {example} (digits, an optional decimal point and "
                "decimals; no sign, exponent or spaces)",
                {"example": f'"{example}"'},
            )
        return value

    schema = {"type": "string", "pattern": pattern, "examples": [example]}
    return BeforeValidator(check), WithJsonSchema(
        {**schema, "description": description}, mode="validation"
    )


# A budget (the registry's planned budgets, an evaluation's): at most two decimals, as stored
# (NUMERIC(18, 2)).
BUDGET_PATTERN = r"^[0-9]{1,16}(\.[0-9]{1,2})?$"
_BUDGET = 'A decimal string with at most two decimals, e.g. "250000.00".'
BudgetAmount = Annotated[Decimal, *money_input(BUDGET_PATTERN, "250000.00", _BUDGET), Field(ge=0)]
PositiveBudgetAmount = Annotated[
    Decimal, *money_input(BUDGET_PATTERN, "250000.00", _BUDGET), Field(gt=0)
]


class StrictInput(BaseModel):
    """The base of every input model: an unknown field is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


def refuse_nulls(changes: Mapping[str, Any], not_null: Iterable[str]) -> Mapping[str, Any]:
    """``changes`` of a PATCH, unless it sets a field that must keep a value to null (422
    naming it): omitted means "leave it", null would mean "erase it"."""
    for name in not_null:
        if name in changes and changes[name] is None:
            raise field_problem(422, name, "may not be null", rule="required")
    return changes


def changes_of(data: BaseModel, not_null: Iterable[str]) -> dict[str, Any]:
    """The fields a PATCH body sets (see :func:`refuse_nulls`)."""
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, not_null)
    return changes
