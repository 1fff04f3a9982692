"""Tables of the regional project registry.

Multi-valued project classifications (countries, goals, targets, dimensions, ...) live in small
association tables keyed ``(project_id, code)`` with a second index ``(code, project_id)``: the
first serves reads and facet counts of a filtered set, the second serves filters, so dashboard
queries stay index-only however many projects there are.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
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
from shared.tables import attach_common_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


common_tables = attach_common_tables(Base.metadata)

_PROJECT_FK = "projects.id"


class ActivityStatus(enum.StrEnum):
    """IATI ActivityStatus codes."""

    PIPELINE = "1"
    IMPLEMENTATION = "2"
    FINALISATION = "3"
    CLOSED = "4"
    CANCELLED = "5"
    SUSPENDED = "6"


class Dimension(enum.StrEnum):
    """The three dimensions of sustainable development (paragraph 2)."""

    ECONOMIC = "economic"
    SOCIAL = "social"
    ENVIRONMENTAL = "environmental"


class ParticipantRole(enum.StrEnum):
    """IATI OrganisationRole, by name (codes 1-4 in IATI XML)."""

    FUNDING = "funding"
    ACCOUNTABLE = "accountable"
    EXTENDING = "extending"
    IMPLEMENTING = "implementing"


class FrameworkType(enum.StrEnum):
    """What a project's alignment statement refers to in a programme country."""

    NATIONAL_PRIORITY = "national_priority"
    COOPERATION_FRAMEWORK = "cooperation_framework"
    UN_STRATEGIC_FRAMEWORK = "un_strategic_framework"


class ResultType(enum.StrEnum):
    OUTPUT = "output"
    OUTCOME = "outcome"
    IMPACT = "impact"


class IndicatorMeasure(enum.StrEnum):
    UNIT = "unit"
    PERCENTAGE = "percentage"
    QUALITATIVE = "qualitative"


class ActionPlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    SUPERSEDED = "superseded"


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# ----------------------------------------------------------------- the Centre


class CentreProfile(Base):
    """The Centre itself (paragraph 1): one row, id 1, seeded by the migration."""

    __tablename__ = "centre_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    seat_city: Mapped[str] = mapped_column(String(100))
    seat_country: Mapped[str] = mapped_column(String(2))
    iati_org_id: Mapped[str] = mapped_column(String(100))
    head_name: Mapped[str | None] = mapped_column(String(200))
    head_appointed_on: Mapped[dt.date | None] = mapped_column(Date)
    head_appointed_by: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    terms_of_reference: Mapped[list[TermsOfReferenceDocument]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="TermsOfReferenceDocument.position",
    )


class TermsOfReferenceDocument(Base):
    __tablename__ = "centre_terms_of_reference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centre_profile.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    document_date: Mapped[dt.date] = mapped_column(Date)
    effective_from: Mapped[dt.date | None] = mapped_column(Date)


class CentreProfileRevision(Base):
    """Every past and present version of the Centre profile, as its API representation."""

    __tablename__ = "centre_profile_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


# -------------------------------------------------------------- organisations


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iati_org_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    type: Mapped[str] = mapped_column(String(3), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


# ------------------------------------------------------------------- projects


class Project(TimestampMixin, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iati_identifier: Mapped[str] = mapped_column(String(150), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ActivityStatus] = mapped_column(str_enum(ActivityStatus, length=1), index=True)
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    planned_end: Mapped[dt.date | None] = mapped_column(Date)
    actual_start: Mapped[dt.date | None] = mapped_column(Date)
    actual_end: Mapped[dt.date | None] = mapped_column(Date)
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    dimensions: Mapped[list[ProjectDimension]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectDimension.dimension"
    )
    goals: Mapped[list[ProjectGoal]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    targets: Mapped[list[ProjectTarget]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    countries: Mapped[list[ProjectCountry]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectCountry.country"
    )
    regions: Mapped[list[ProjectRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectRegion.code"
    )
    participants: Mapped[list[ProjectParticipant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectParticipant.id"
    )
    un_entities: Mapped[list[ProjectUnEntity]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectUnEntity.entity"
    )
    speca_groups: Mapped[list[ProjectSpecaGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectSpecaGroup.group_code"
    )
    lldc_priorities: Mapped[list[ProjectLldcPriority]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectLldcPriority.priority"
    )
    coalitions: Mapped[list[ProjectCoalition]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectCoalition.coalition"
    )
    alignments: Mapped[list[ProjectAlignment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProjectAlignment.id"
    )
    results: Mapped[list[Result]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="Result.position"
    )


class ProjectDimension(Base):
    __tablename__ = "project_dimensions"
    __table_args__ = (
        Index("ix_project_dimensions_dimension_project_id", "dimension", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[Dimension] = mapped_column(str_enum(Dimension, 20), primary_key=True)


class ProjectGoal(Base):
    __tablename__ = "project_goals"
    __table_args__ = (Index("ix_project_goals_goal_project_id", "goal", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    goal: Mapped[str] = mapped_column(String(2), primary_key=True)


class ProjectTarget(Base):
    __tablename__ = "project_targets"
    __table_args__ = (Index("ix_project_targets_target_project_id", "target", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(5), primary_key=True)


class ProjectCountry(Base):
    __tablename__ = "project_countries"
    __table_args__ = (Index("ix_project_countries_country_project_id", "country", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))


class ProjectRegion(Base):
    __tablename__ = "project_regions"

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    vocabulary: Mapped[str] = mapped_column(String(3), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))


class ProjectParticipant(Base):
    __tablename__ = "project_participants"
    __table_args__ = (
        UniqueConstraint("project_id", "organisation_id", "role"),
        Index(
            "ix_project_participants_organisation_id_role_project_id",
            "organisation_id",
            "role",
            "project_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey(_PROJECT_FK, ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[ParticipantRole] = mapped_column(str_enum(ParticipantRole, 20))

    organisation: Mapped[Organisation] = relationship(lazy="selectin")


class ProjectUnEntity(Base):
    """A coordinating UN entity (ECE, ESCAP, OHRLLS, ...), by its usual acronym."""

    __tablename__ = "project_un_entities"
    __table_args__ = (Index("ix_project_un_entities_entity_project_id", "entity", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    entity: Mapped[str] = mapped_column(String(40), primary_key=True)


class ProjectSpecaGroup(Base):
    __tablename__ = "project_speca_groups"
    __table_args__ = (
        Index("ix_project_speca_groups_group_code_project_id", "group_code", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    group_code: Mapped[str] = mapped_column(String(60), primary_key=True)


class ProjectLldcPriority(Base):
    __tablename__ = "project_lldc_priorities"
    __table_args__ = (
        Index("ix_project_lldc_priorities_priority_project_id", "priority", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    priority: Mapped[str] = mapped_column(String(2), primary_key=True)


class ProjectCoalition(Base):
    __tablename__ = "project_coalitions"
    __table_args__ = (
        Index("ix_project_coalitions_coalition_project_id", "coalition", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey(_PROJECT_FK, ondelete="CASCADE"), primary_key=True
    )
    coalition: Mapped[str] = mapped_column(String(60), primary_key=True)


class ProjectAlignment(Base):
    """How a project serves a programme country's own priorities (paragraph 3)."""

    __tablename__ = "project_alignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey(_PROJECT_FK, ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    framework: Mapped[FrameworkType] = mapped_column(str_enum(FrameworkType))
    framework_title: Mapped[str | None] = mapped_column(String(300))
    statement: Mapped[str] = mapped_column(Text)
    period_start_year: Mapped[int | None] = mapped_column(Integer)
    period_end_year: Mapped[int | None] = mapped_column(Integer)


# ---------------------------------------------------------- results framework


class Result(Base):
    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey(_PROJECT_FK, ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[ResultType] = mapped_column(str_enum(ResultType, 20))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)

    indicators: Mapped[list[ResultIndicator]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResultIndicator.position"
    )


class ResultIndicator(Base):
    __tablename__ = "result_indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    measure: Mapped[IndicatorMeasure] = mapped_column(str_enum(IndicatorMeasure, 20))
    ascending: Mapped[bool] = mapped_column(Boolean, default=True)
    sdg_indicator: Mapped[str | None] = mapped_column(String(12))
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_comment: Mapped[str | None] = mapped_column(Text)

    periods: Mapped[list[IndicatorPeriod]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IndicatorPeriod.period_start"
    )


class IndicatorPeriod(Base):
    __tablename__ = "indicator_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("result_indicators.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    target_comment: Mapped[str | None] = mapped_column(Text)
    actual_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    actual_comment: Mapped[str | None] = mapped_column(Text)


# ------------------------------------------------------ comprehensive action plan


class ActionPlan(TimestampMixin, Base):
    """A version of the comprehensive action plan (paragraph 3).

    ``is_current`` is TRUE on the adopted version and NULL otherwise; its unique index lets
    the database itself guarantee that at most one version is adopted.
    """

    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[ActionPlanStatus] = mapped_column(str_enum(ActionPlanStatus, 20), index=True)
    is_current: Mapped[bool | None] = mapped_column(Boolean, unique=True)
    adopted_on: Mapped[dt.date | None] = mapped_column(Date)
    superseded_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    partners: Mapped[list[ActionPlanPartner]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActionPlanPartner.organisation_id"
    )
    items: Mapped[list[ActionPlanItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActionPlanItem.position"
    )


class ActionPlanPartner(Base):
    """A partner consulted on a version (government, UN entity, IFI, civil society...)."""

    __tablename__ = "action_plan_partners"

    action_plan_id: Mapped[int] = mapped_column(
        ForeignKey("action_plans.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)

    organisation: Mapped[Organisation] = relationship(lazy="selectin")


class ActionPlanItem(Base):
    __tablename__ = "action_plan_items"
    __table_args__ = (
        UniqueConstraint("action_plan_id", "project_id"),
        Index("ix_action_plan_items_project_id_action_plan_id", "project_id", "action_plan_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey(_PROJECT_FK))
    position: Mapped[int] = mapped_column(Integer)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 10))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)


# ------------------------------------------------------------- facet counts


class FacetCell(Base):
    """Pre-aggregated facet counts for the dashboards' main cut (country, goal, status).

    One row per (filter country, filter goal, filter status, facet, value), where ``""`` in a
    filter column means "any". Kept up to date in the same transaction as every project write,
    so ``/projects/facets`` for those filters reads ~30 rows whatever the registry's size.
    """

    __tablename__ = "facet_counts"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    goal: Mapped[str] = mapped_column(String(2), primary_key=True)
    status: Mapped[str] = mapped_column(String(1), primary_key=True)
    facet: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
