"""Tables of the voluntary-funding ledger."""

from __future__ import annotations

import enum

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import TimestampMixin, new_metadata, str_enum
from shared.tables import attach_common_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


common_tables = attach_common_tables(Base.metadata)


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


class Contributor(TimestampMixin, Base):
    __tablename__ = "contributors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iati_org_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    type: Mapped[ContributorType] = mapped_column(str_enum(ContributorType))
    country: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
