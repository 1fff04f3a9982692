"""Tables of the voluntary-funding ledger.

Contributors, pledges and agreements (with instalments and conditions), contributions (cash and
in-kind), UN operational exchange rates, funds, the chart of accounts and the append-only
double-entry journal with its hash chain and running balances, allocations and expenditures.

US dollars are ``NUMERIC(20, 2)``, amounts in their original currency ``NUMERIC(20, 3)`` (the
largest ISO 4217 minor unit; each currency's own is checked on the way in, see ``money``),
rates ``NUMERIC(20, 10)`` (currency units per US dollar, the UN operational rate convention),
all ``Decimal`` in Python; amounts in the journal are always kept in their original currency
beside the US-dollar equivalent and the rate used.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import TimestampMixin, UTCDateTime, new_metadata, str_enum, utcnow
from shared.tables import BigId, attach_common_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


common_tables = attach_common_tables(Base.metadata)

Money = Numeric(20, 2)  # US dollars
Amount = Numeric(20, 3)  # an original currency: up to three decimals (KWD, BHD, ...)
Rate = Numeric(20, 10)
GENESIS_HASH = "0" * 64


class ContributorType(enum.StrEnum):
    """Who gives: every kind of voluntary contributor paragraph 8 and 9 name."""

    MEMBER_STATE = "member_state"
    HOST_COUNTRY = "host_country"
    PRIVATE_SECTOR = "private_sector"
    FOUNDATION = "foundation"
    INTERNATIONAL_FINANCIAL_INSTITUTION = "international_financial_institution"
    UN_ENTITY = "un_entity"
    INNOVATIVE_FINANCING_MECHANISM = "innovative_financing_mechanism"
    OTHER = "other"


class RevenueCategory(enum.StrEnum):
    """CEB revenue categories; ``assessed`` exists only so that it can be refused by name."""

    ASSESSED = "assessed"
    VOLUNTARY_NOT_SPECIFIED = "voluntary_not_specified"
    VOLUNTARY_SPECIFIED = "voluntary_specified"
    OTHER = "other"


class FundKind(enum.StrEnum):
    UNEARMARKED = "unearmarked"
    THEMATIC = "thematic"
    PROJECT = "project"


class Dimension(enum.StrEnum):
    ECONOMIC = "economic"
    SOCIAL = "social"
    ENVIRONMENTAL = "environmental"


class PledgeStatus(enum.StrEnum):
    ANNOUNCED = "announced"
    CONVERTED = "converted"
    LAPSED = "lapsed"


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    OPERATIONALLY_CLOSED = "operationally_closed"
    FINANCIALLY_CLOSED = "financially_closed"


class ContributionKind(enum.StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"


class InKindType(enum.StrEnum):
    PREMISES = "premises"
    FACILITIES = "facilities"
    GOODS = "goods"
    SERVICES = "services"


class ExpenditureCategory(enum.StrEnum):
    STAFF = "staff"
    TRAVEL = "travel"
    CONTRACTUAL_SERVICES = "contractual_services"
    EQUIPMENT = "equipment"
    OPERATING_COSTS = "operating_costs"
    EVALUATION = "evaluation"
    OTHER = "other"


class AccountType(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    REVENUE = "revenue"
    EXPENSE = "expense"


class Side(enum.StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class TransactionKind(enum.StrEnum):
    AGREEMENT_SIGNED = "agreement_signed"
    CONDITION_MET = "condition_met"
    RECEIPT = "receipt"
    IN_KIND = "in_kind"
    ALLOCATION = "allocation"
    EXPENDITURE = "expenditure"
    MANUAL = "manual"
    REVERSAL = "reversal"


class Contributor(TimestampMixin, Base):
    __tablename__ = "contributors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iati_org_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    type: Mapped[ContributorType] = mapped_column(str_enum(ContributorType))
    country: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Fund(Base):
    """A pot of money by earmarking: core (unearmarked), thematic, or one registry project."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[FundKind] = mapped_column(str_enum(FundKind))
    sdg_goal: Mapped[int | None] = mapped_column(Integer)
    dimension: Mapped[Dimension | None] = mapped_column(str_enum(Dimension))
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Account(Base):
    """One account of the chart, opened per fund (and per project and category for uses)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[AccountType] = mapped_column(str_enum(AccountType))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(40))
    balance_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined")


class AccountDayBalance(Base):
    """Closing balance of an account at the end of each day it moved: balance at any date."""

    __tablename__ = "account_day_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    balance_usd: Mapped[Decimal] = mapped_column(Money)


class JournalChain(Base):
    """The single head of the hash chain; locking it serialises postings."""

    __tablename__ = "journal_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


class JournalTransaction(Base):
    """One balanced transaction; append-only (a database trigger refuses UPDATE/DELETE)."""

    __tablename__ = "journal_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[TransactionKind] = mapped_column(str_enum(TransactionKind))
    value_date: Mapped[dt.date] = mapped_column(Date, index=True)
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(200))
    contributor_id: Mapped[int | None] = mapped_column(ForeignKey("contributors.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(Integer, index=True)
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id"), unique=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    entries: Mapped[list[JournalEntry]] = relationship(
        order_by="JournalEntry.line", lazy="selectin", back_populates="transaction"
    )


class JournalEntry(Base):
    """One line of a transaction: a debit or a credit, original currency beside US dollars."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("transaction_id", "line"),
        Index("ix_journal_entries_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("journal_transactions.id"))
    line: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    side: Mapped[Side] = mapped_column(str_enum(Side, length=8))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Rate)
    usd_amount: Mapped[Decimal] = mapped_column(Money)
    value_date: Mapped[dt.date] = mapped_column(Date, index=True)
    balance_after_usd: Mapped[Decimal] = mapped_column(Money)

    transaction: Mapped[JournalTransaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship(lazy="joined")


class ExchangeRate(Base):
    """A UN operational rate (currency units per US dollar), effective from a date; append-only."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "effective_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Rate)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EarmarkMixin:
    earmark_kind: Mapped[FundKind] = mapped_column(str_enum(FundKind))
    sdg_goal: Mapped[int | None] = mapped_column(Integer)
    dimension: Mapped[Dimension | None] = mapped_column(str_enum(Dimension))
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Pledge(EarmarkMixin, TimestampMixin, Base):
    """Announced, not binding: disclosed, never revenue."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    announced_on: Mapped[dt.date] = mapped_column(Date)
    expected_by: Mapped[dt.date | None] = mapped_column(Date)
    revenue_category: Mapped[RevenueCategory] = mapped_column(str_enum(RevenueCategory))
    status: Mapped[PledgeStatus] = mapped_column(str_enum(PledgeStatus))
    # The day it was converted or lapsed: outstanding as of any earlier day.
    settled_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Agreement(EarmarkMixin, TimestampMixin, Base):
    """A signed, binding contribution agreement: revenue and receivable once signed."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Amount)
    psc_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    revenue_category: Mapped[RevenueCategory] = mapped_column(str_enum(RevenueCategory))
    status: Mapped[AgreementStatus] = mapped_column(str_enum(AgreementStatus))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    signing_rate: Mapped[Decimal | None] = mapped_column(Rate)
    receivable_usd_open: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    deferred_usd_open: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    received: Mapped[Decimal] = mapped_column(Amount, default=Decimal("0.00"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    instalments: Mapped[list[Instalment]] = relationship(
        order_by="Instalment.number", lazy="selectin"
    )
    conditions: Mapped[list[AgreementCondition]] = relationship(
        order_by="AgreementCondition.number", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class Instalment(Base):
    __tablename__ = "instalments"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Amount)
    received: Mapped[Decimal] = mapped_column(Amount, default=Decimal("0.00"))


class AgreementCondition(Base):
    """A condition with a duty to return: its amount is deferred revenue until it is met."""

    __tablename__ = "agreement_conditions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    number: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(1000))
    amount: Mapped[Decimal] = mapped_column(Amount)
    met_on: Mapped[dt.date | None] = mapped_column(Date)


class Contribution(Base):
    """Cash received against an instalment, or an in-kind contribution at fair value."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind))
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("instalments.id"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    rate: Mapped[Decimal] = mapped_column(Rate)
    usd_amount: Mapped[Decimal] = mapped_column(Money)
    value_date: Mapped[dt.date] = mapped_column(Date)
    revenue_category: Mapped[RevenueCategory] = mapped_column(str_enum(RevenueCategory))
    in_kind_type: Mapped[InKindType | None] = mapped_column(str_enum(InKindType))
    description: Mapped[str | None] = mapped_column(String(1000))
    valuation_basis: Mapped[str | None] = mapped_column(String(500))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    recognised: Mapped[bool] = mapped_column(Boolean)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("journal_transactions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Allocation(Base):
    """US dollars of a fund's received cash set aside for one registry project."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    project_id: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    value_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(String(1000))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("journal_transactions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Expenditure(Base):
    """Money spent by a project (or on the Centre's operating costs) from a fund."""

    __tablename__ = "expenditures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    category: Mapped[ExpenditureCategory] = mapped_column(str_enum(ExpenditureCategory))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    rate: Mapped[Decimal] = mapped_column(Rate)
    usd_amount: Mapped[Decimal] = mapped_column(Money)
    value_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(String(1000))
    is_evaluation: Mapped[bool] = mapped_column(Boolean, index=True)
    evaluation_ref: Mapped[str | None] = mapped_column(String(100))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("journal_transactions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
