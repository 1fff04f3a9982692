"""Tables of the biennial evaluation tracking (paragraph 11).

A cycle is one biennial slot (2028, 2030, …) with its milestone deadlines; evaluations belong
to a cycle (the required independent evaluation of the Centre) or stand alone (project and
thematic evaluations). Everything a tracker reports as "overdue" or "at risk" is computed from
dates at read time and never stored.
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


class EvaluationKind(enum.StrEnum):
    """The required biennial independent evaluation of the Centre, or a narrower one."""

    INDEPENDENT_CENTRE = "independent_centre"
    PROJECT = "project"
    THEMATIC = "thematic"


class EvaluationStatus(enum.StrEnum):
    PLANNED = "planned"
    TERMS_OF_REFERENCE_APPROVED = "terms_of_reference_approved"
    EVALUATOR_CONTRACTED = "evaluator_contracted"
    INCEPTION = "inception"
    DATA_COLLECTION = "data_collection"
    DRAFT_REPORT = "draft_report"
    FINAL_REPORT = "final_report"
    MANAGEMENT_RESPONSE = "management_response"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class FundingSourceKind(enum.StrEnum):
    """Where the evaluation's money is recorded in the voluntary-funding ledger."""

    AGREEMENT = "agreement"
    ALLOCATION = "allocation"


class TeamRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class Criterion(enum.StrEnum):
    """OECD-DAC evaluation criteria (2019)."""

    RELEVANCE = "relevance"
    COHERENCE = "coherence"
    EFFECTIVENESS = "effectiveness"
    EFFICIENCY = "efficiency"
    IMPACT = "impact"
    SUSTAINABILITY = "sustainability"


class DocumentKind(enum.StrEnum):
    TERMS_OF_REFERENCE = "terms_of_reference"
    INCEPTION_REPORT = "inception_report"
    DRAFT_REPORT = "draft_report"
    FINAL_REPORT = "final_report"
    MANAGEMENT_RESPONSE = "management_response"


class Addressee(enum.StrEnum):
    GOVERNING_BODY = "governing_body"
    HEAD_OF_CENTRE = "head_of_centre"


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Acceptance(enum.StrEnum):
    FULLY_ACCEPTED = "fully_accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class KeyActionStatus(enum.StrEnum):
    NOT_INITIATED = "not_initiated"
    INITIATED = "initiated"
    COMPLETED = "completed"
    NO_LONGER_APPLICABLE = "no_longer_applicable"


class EvaluationCycle(TimestampMixin, Base):
    """One biennial cycle; its deadlines are fixed from the settings when it is generated."""

    __tablename__ = "evaluation_cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    terms_of_reference_due: Mapped[dt.date] = mapped_column(Date)
    evaluator_contracted_due: Mapped[dt.date] = mapped_column(Date)
    inception_due: Mapped[dt.date] = mapped_column(Date)
    draft_report_due: Mapped[dt.date] = mapped_column(Date)
    final_report_due: Mapped[dt.date] = mapped_column(Date)
    management_response_due: Mapped[dt.date] = mapped_column(Date)


class Evaluator(TimestampMixin, Base):
    """A person who may evaluate, with employer and signed declaration of interests."""

    __tablename__ = "evaluators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    employer_name: Mapped[str | None] = mapped_column(String(300))
    employer_iati_org_id: Mapped[str | None] = mapped_column(String(100), index=True)
    employed_by_centre: Mapped[bool] = mapped_column(Boolean, default=False)
    declaration_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    declared_interests: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    employments: Mapped[list[Employment]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="(Employment.started_on, Employment.id)",
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class Employment(Base):
    """One employment of an evaluator, past or present: a former employment with an
    implementing partner or the Centre within the cooling-off period is a conflict."""

    __tablename__ = "evaluator_employments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluators.id"), index=True)
    employer_iati_org_id: Mapped[str | None] = mapped_column(String(100), index=True)
    employer_name: Mapped[str | None] = mapped_column(String(300))
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Evaluation(TimestampMixin, Base):
    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[EvaluationKind] = mapped_column(str_enum(EvaluationKind), index=True)
    title: Mapped[str] = mapped_column(String(500))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_cycles.id"), index=True)
    status: Mapped[EvaluationStatus] = mapped_column(
        str_enum(EvaluationStatus), default=EvaluationStatus.PLANNED, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The status a postponed evaluation resumes at.
    resume_status: Mapped[EvaluationStatus | None] = mapped_column(str_enum(EvaluationStatus))
    commissioning_entities: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer, default=1)

    cycle: Mapped[EvaluationCycle | None] = relationship(lazy="joined")
    projects: Mapped[list[EvaluationProject]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EvaluationProject.project_id"
    )
    funding_sources: Mapped[list[EvaluationFundingSource]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EvaluationFundingSource.id"
    )
    team: Mapped[list[TeamMember]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TeamMember.id"
    )
    history: Mapped[list[StatusChange]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StatusChange.id"
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class EvaluationProject(Base):
    """A registry project in an evaluation's scope (checked over HTTP when recorded)."""

    __tablename__ = "evaluation_projects"

    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class EvaluationFundingSource(Base):
    """A ledger agreement or allocation that pays for the evaluation (voluntary money only)."""

    __tablename__ = "evaluation_funding_sources"
    __table_args__ = (UniqueConstraint("evaluation_id", "kind", "ledger_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    kind: Mapped[FundingSourceKind] = mapped_column(str_enum(FundingSourceKind))
    ledger_id: Mapped[int] = mapped_column(Integer)


class TeamMember(Base):
    __tablename__ = "evaluation_team_members"
    __table_args__ = (UniqueConstraint("evaluation_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("evaluators.id"), index=True)
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    evaluator: Mapped[Evaluator] = relationship(lazy="joined")


class StatusChange(Base):
    """Each status an evaluation reached, and on which day (milestones are measured on it)."""

    __tablename__ = "evaluation_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    from_status: Mapped[EvaluationStatus | None] = mapped_column(str_enum(EvaluationStatus))
    to_status: Mapped[EvaluationStatus] = mapped_column(str_enum(EvaluationStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CriterionRating(TimestampMixin, Base):
    __tablename__ = "criterion_ratings"
    __table_args__ = (UniqueConstraint("evaluation_id", "criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    criterion: Mapped[Criterion] = mapped_column(str_enum(Criterion))
    score: Mapped[int] = mapped_column(Integer)
    justification: Mapped[str] = mapped_column(Text)


class Finding(TimestampMixin, Base):
    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("evaluation_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    criterion: Mapped[Criterion | None] = mapped_column(str_enum(Criterion))


class QualityAssessment(TimestampMixin, Base):
    """The quality assessment of an evaluation's report, on the same scale as the criteria."""

    __tablename__ = "quality_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    assessed_by: Mapped[str] = mapped_column(String(300))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    comments: Mapped[str | None] = mapped_column(Text)


class EvaluationDocument(TimestampMixin, Base):
    __tablename__ = "evaluation_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64))
    public: Mapped[bool] = mapped_column(Boolean, default=False)


class Recommendation(TimestampMixin, Base):
    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("evaluation_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    addressee: Mapped[Addressee] = mapped_column(str_enum(Addressee))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority))
    # The day the recommendation was issued: its response and key actions cannot precede it.
    issued_on: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    evaluation: Mapped[Evaluation] = relationship(lazy="joined")
    management_response: Mapped[ManagementResponse | None] = relationship(
        lazy="selectin", uselist=False
    )
    key_actions: Mapped[list[KeyAction]] = relationship(
        lazy="selectin", order_by="KeyAction.number", viewonly=True
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class ManagementResponse(TimestampMixin, Base):
    """The one management response to a recommendation."""

    __tablename__ = "management_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), unique=True)
    acceptance: Mapped[Acceptance] = mapped_column(str_enum(Acceptance))
    justification: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[dt.date] = mapped_column(Date)
    responded_by: Mapped[str | None] = mapped_column(String(300))


class KeyAction(TimestampMixin, Base):
    __tablename__ = "key_actions"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    responsible_unit: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[KeyActionStatus] = mapped_column(
        str_enum(KeyActionStatus), default=KeyActionStatus.NOT_INITIATED, index=True
    )
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    # The day it was completed or found no longer applicable: overdue on a day is read off it.
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}
