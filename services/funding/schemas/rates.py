"""API models of UN operational rates of exchange (one rate, a CSV bulk load)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.funding.schemas.common import (
    CurrencyCode,
    ExchangeRateValue,
    RateOut,
    StrictInput,
    check_currency,
)


class RateCreate(StrictInput):
    currency: CurrencyCode = Field(description="ISO 4217 code (not USD, the base).")
    effective_date: dt.date = Field(
        description="The 1st of the month for the monthly rate; a later day for a revision."
    )
    rate: ExchangeRateValue = Field(description="Currency units per US dollar.")

    _currency = field_validator("currency")(check_currency)


class RatesCsv(BaseModel):
    """The CSV body of a bulk load, kept as text (for the Idempotency-Key hash)."""

    text: str


class RateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    currency: str
    effective_date: dt.date
    rate: RateOut
    created_at: dt.datetime


class RatesLoaded(BaseModel):
    loaded: int
    items: list[RateRead]
