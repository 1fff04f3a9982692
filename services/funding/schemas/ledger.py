"""API models of the ledger: funds, accounts, the chart, balances, journal transactions (manual
postings, single and batch) and the verification of the hash chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.funding.models import AccountType, Dimension, FundKind, Side, TransactionKind
from services.funding.money import in_currency
from services.funding.schemas.common import (
    CurrencyCode,
    Earmarking,
    NonNegativeMoney,
    RateOut,
    ShortText,
    StrictInput,
    UsdOut,
    check_currency,
)
from shared.deps import MAX_ID


class FundCreate(StrictInput):
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


class AccountCreate(StrictInput):
    code: str = Field(pattern=r"^[0-9]{4}$", description="A code of the chart of accounts.")
    fund_id: int
    project_id: int | None = Field(default=None, ge=1, le=MAX_ID)
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
    balance_usd: UsdOut


class ChartEntry(BaseModel):
    code: str
    name: str
    type: AccountType


class BalanceRead(BaseModel):
    account_id: int
    as_of: dt.date
    balance_usd: UsdOut


class EntryCreate(StrictInput):
    account_id: int
    side: Side
    amount: NonNegativeMoney
    currency: CurrencyCode = "USD"

    _currency = field_validator("currency")(check_currency)


class TransactionCreate(StrictInput):
    value_date: dt.date
    description: ShortText
    entries: list[EntryCreate] = Field(min_length=2, max_length=200)


class TransactionBatch(StrictInput):
    transactions: list[TransactionCreate] = Field(min_length=1, max_length=1000)


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int
    account_id: int
    side: Side
    amount: Decimal
    currency: str
    rate: RateOut
    usd_amount: UsdOut
    balance_after_usd: UsdOut

    @model_validator(mode="after")
    def _in_currency(self) -> EntryRead:
        self.amount = in_currency(self.amount, self.currency)
        return self


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
