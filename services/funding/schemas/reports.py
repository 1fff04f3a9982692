"""API models of the money figures of funds and projects (``/api/v1/reports/funds`` and
``/api/v1/reports/projects``): every figure named for what it is (see :mod:`figures`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer

from services.funding.journal import q2
from services.funding.models import FundKind

Usd = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(q2(v)), return_type=str, when_used="json"),
    Field(json_schema_extra={"pattern": r"^-?\d+\.\d{2}$"}),
]


class MoneyFigures(BaseModel):
    """US dollars at ``as_of``; each reconciles to the journal to the cent."""

    currency: Literal["USD"] = "USD"
    as_of: dt.date = Field(description="The day the figures are read at (entries up to it).")
    committed: Usd = Field(description="Signed agreements (at the signing rate).")
    revenue_recognised: Usd = Field(
        description="Voluntary contribution revenue recognised: signed, unconditional or with "
        "its conditions met (IPSAS 23). Not cash."
    )
    deferred_revenue: Usd = Field(description="Signed, conditions not yet met (a liability).")
    cash_received: Usd = Field(
        description="Cash received, at the rate of each receipt's day (realised exchange "
        "differences included), net of reversed receipts."
    )
    exchange_differences: Usd = Field(
        description="Realised exchange differences on receipts (a loss is negative): "
        "cash_received = committed - receivable + exchange_differences for agreement money."
    )
    in_kind_received: Usd = Field(description="Recognised in-kind contributions (fair value).")
    receivable: Usd = Field(description="Still owed under signed agreements (signing rate).")
    receivable_overdue: Usd = Field(
        description="The part of the receivable whose instalments fell due before as_of and "
        "were not paid by then."
    )
    allocated: Usd = Field(description="Cash allocated to projects, net of reversals.")
    spent: Usd = Field(description="Expenditure (cash), net of reversals; in kind excluded.")
    in_kind_used: Usd = Field(description="The expense equal to recognised in-kind contributions.")
    cash_unallocated: Usd = Field(
        description="Cash held not yet allocated to a project (an earmarked fund's must be "
        "allocated before it can be spent)."
    )
    cash_allocated: Usd = Field(description="Cash allocated to projects and not yet spent.")
    cash_available: Usd = Field(
        description="What an expenditure could take now: the lowest balance from as_of on of "
        "every cash account an expenditure may draw (the rule the ledger enforces)."
    )


class FundFigures(MoneyFigures):
    fund_id: int
    name: str
    earmarking: FundKind
    project_id: int | None


class FundFiguresPage(BaseModel):
    items: list[FundFigures]


class ProjectAgreement(BaseModel):
    agreement_id: int
    contributor_id: int
    contributor_name: str
    total_usd: Usd = Field(description="Committed: the total at the signing rate.")
    status: str
    currency: str
    total: Decimal = Field(description="The agreement's total in its own currency.")


class ProjectContributor(BaseModel):
    contributor_id: int
    name: str
    amount_usd: Usd = Field(
        description="Revenue recognised from this contributor (cash and in kind) into the "
        "fund earmarked to the project. Not cash."
    )


class ProjectFunding(MoneyFigures):
    project_id: int
    agreements: list[ProjectAgreement]
    by_contributor: list[ProjectContributor]


class ProjectFundingPage(BaseModel):
    items: list[ProjectFunding]
