"""Evaluators and their independence: the register (employer, employment history,
declaration of interests) and the conflicts that make an evaluator not independent of the
Centre or of a project in scope (decision 30: checked when joining a team, when the scope
changes and at contracting), a former employment counting for a cooling-off period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.evaluation.clients import CentreIdentity, RegistryProject
from services.evaluation.models import Employment, Evaluator
from services.evaluation.schemas.evaluators import (
    EmploymentCreate,
    EvaluatorCreate,
    EvaluatorUpdate,
)
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem
from shared.types import changes_of


def create_evaluator(*, db_session: Session, data: EvaluatorCreate) -> Evaluator:
    for index, job in enumerate(data.employments):
        check_employment(job, prefix=f"employments.{index}.")
    evaluator = Evaluator(
        **data.model_dump(exclude={"employments"}),
        employments=[Employment(**job.model_dump()) for job in data.employments],
    )
    db_session.add(evaluator)
    db_session.flush()
    return evaluator


def check_employment(data: EmploymentCreate, *, prefix: str = "") -> None:
    """An employment names its employer and does not end before it starts (422 naming the
    field, under ``prefix`` when it comes inside an evaluator)."""
    if data.employer_iati_org_id is None and data.employer_name is None:
        raise field_problem(
            422,
            f"{prefix}employer_iati_org_id",
            "name the employer by its IATI organisation identifier and/or employer_name",
            rule="employer-required",
        )
    if data.ended_on is not None and data.ended_on < data.started_on:
        raise field_problem(
            422,
            f"{prefix}ended_on",
            f"must not be before started_on ({data.started_on.isoformat()})",
            rule="employment-dates-in-order",
        )


def add_employment(
    *, db_session: Session, evaluator: Evaluator, data: EmploymentCreate
) -> Employment:
    """Record one more employment of ``evaluator`` (past or present)."""
    check_employment(data)
    employment = Employment(**data.model_dump())
    evaluator.employments.append(employment)
    db_session.flush()
    return employment


def get_evaluator(*, db_session: Session, evaluator_id: int, for_update: bool = False) -> Evaluator:
    return one_or_404(
        db_session,
        select(Evaluator).where(Evaluator.id == evaluator_id),
        entity="evaluator",
        identifier=evaluator_id,
        for_update=for_update,
    )


def get_employment(*, db_session: Session, evaluator_id: int, employment_id: int) -> Employment:
    return one_or_404(
        db_session,
        select(Employment).where(
            Employment.id == employment_id, Employment.evaluator_id == evaluator_id
        ),
        entity="employment",
        identifier=employment_id,
    )


def update_evaluator(
    *, db_session: Session, evaluator: Evaluator, data: EvaluatorUpdate
) -> Evaluator:
    changes = changes_of(data, ("name", "employed_by_centre"))
    for field, value in changes.items():
        setattr(evaluator, field, value)
    db_session.flush()
    return evaluator


def list_evaluators(
    *, db_session: Session, q: str | None, limit: int, cursor: str | None
) -> tuple[list[Evaluator], str | None]:
    stmt = select(Evaluator)
    if q:
        stmt = stmt.where(Evaluator.name.icontains(q, autoescape=True))
    return paginate(
        db_session, stmt, keys=[SortKey(Evaluator.id.expression)], limit=limit, cursor=cursor
    )


# --------------------------------------------------------------------------- independence


def years_after(day: dt.date, years: int) -> dt.date:
    """``day`` moved ``years`` on; 29 February moves to 1 March (the longer period)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


@dataclass(frozen=True, slots=True)
class Independence:
    """What an evaluator must be independent of, as of one day: the Centre, the implementing
    partners of the projects in scope, and those of a former employer until the cooling-off
    period after it ended has run out (or, whatever the cooling-off, when the employment
    reached into the period the evaluation covers)."""

    centre: CentreIdentity
    projects: Sequence[RegistryProject]
    on: dt.date
    cooling_off_years: int
    period_start: dt.date | None = None

    def cooling_off_until(self, ended_on: dt.date) -> dt.date:
        return years_after(ended_on, self.cooling_off_years)

    def still_counts(self, ended_on: dt.date) -> bool:
        """A past employment still makes the evaluator not independent on ``on``."""
        in_period = self.period_start is not None and ended_on >= self.period_start
        return in_period or self.cooling_off_until(ended_on) > self.on


@dataclass(frozen=True, slots=True)
class _Employer:
    iati_org_id: str | None
    name: str | None
    ended_on: dt.date | None  # None: employed now

    def label(self) -> str:
        if self.name and self.iati_org_id:
            return f"{self.name} ({self.iati_org_id})"
        return self.name or self.iati_org_id or "?"


def _same(employer: _Employer, iati_org_id: str | None, name: str | None) -> bool:
    """Identifiers decide when both sides have one; otherwise the names (case-insensitive)."""
    if employer.iati_org_id and iati_org_id:
        return employer.iati_org_id.casefold() == iati_org_id.casefold()
    if employer.name and name:
        return employer.name.strip().casefold() == name.strip().casefold()
    return False


def _employers(evaluator: Evaluator, ind: Independence) -> list[_Employer]:
    """The evaluator's current employer and every employment that still counts on the day."""
    employers: list[_Employer] = []
    if evaluator.employer_iati_org_id or evaluator.employer_name:
        employers.append(_Employer(evaluator.employer_iati_org_id, evaluator.employer_name, None))
    for job in evaluator.employments:
        if job.ended_on is None or job.ended_on >= ind.on:
            employers.append(_Employer(job.employer_iati_org_id, job.employer_name, None))
        elif ind.still_counts(job.ended_on):
            employers.append(_Employer(job.employer_iati_org_id, job.employer_name, job.ended_on))
    return employers


def _since(employer: _Employer, ind: Independence) -> str:
    """How a former employment still counts, for the message."""
    assert employer.ended_on is not None
    until = ind.cooling_off_until(employer.ended_on)
    if until > ind.on:
        return (
            f"until {employer.ended_on.isoformat()}, within the {ind.cooling_off_years}-year "
            f"cooling-off period (until {until.isoformat()})"
        )
    return f"until {employer.ended_on.isoformat()}, during the period the evaluation covers"


def _centre_conflict(
    evaluator: Evaluator, employer: _Employer | None, ind: Independence
) -> dict[str, Any]:
    if employer is None or employer.ended_on is None:
        return {
            "evaluator_id": evaluator.id,
            "rule": "evaluator-employed-by-centre",
            "message": f"evaluator {evaluator.name} is employed by the Centre",
        }
    return {
        "evaluator_id": evaluator.id,
        "rule": "evaluator-formerly-employed-by-centre",
        "ended_on": employer.ended_on.isoformat(),
        "cooling_off_until": ind.cooling_off_until(employer.ended_on).isoformat(),
        "message": f"evaluator {evaluator.name} was employed by the Centre "
        + _since(employer, ind),
    }


def _implementer_conflict(
    evaluator: Evaluator, employer: _Employer, project_id: int, org: str, ind: Independence
) -> dict[str, Any]:
    scope = f"project {project_id} in the evaluation's scope"
    if employer.ended_on is None:
        return {
            "evaluator_id": evaluator.id,
            "rule": "evaluator-employer-implements-project",
            "project_id": project_id,
            "organisation": org,
            "message": f"evaluator {evaluator.name} is employed by {employer.label()}, which "
            f"implements {scope}",
        }
    return {
        "evaluator_id": evaluator.id,
        "rule": "evaluator-former-employer-implements-project",
        "project_id": project_id,
        "organisation": org,
        "ended_on": employer.ended_on.isoformat(),
        "cooling_off_until": ind.cooling_off_until(employer.ended_on).isoformat(),
        "message": f"evaluator {evaluator.name} was employed by {employer.label()} "
        f"{_since(employer, ind)}, which implements {scope}",
    }


def employer_conflicts(evaluator: Evaluator, ind: Independence) -> list[dict[str, Any]]:
    """Why ``evaluator`` is not independent of the Centre or of a project in scope on the day."""
    conflicts: list[dict[str, Any]] = []
    if evaluator.employed_by_centre:
        conflicts.append(_centre_conflict(evaluator, None, ind))
    for employer in _employers(evaluator, ind):
        if _same(employer, ind.centre.iati_org_id, ind.centre.name):
            conflicts.append(_centre_conflict(evaluator, employer, ind))
        for project in ind.projects:
            for org in project.implementers():
                if _same(employer, org.iati_org_id, org.name):
                    label = org.iati_org_id or org.name or "?"
                    conflicts.append(
                        _implementer_conflict(evaluator, employer, project.id, label, ind)
                    )
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in conflicts:
        unique.setdefault((c["rule"], c.get("project_id"), c.get("organisation")), c)
    return list(unique.values())


def _raise_conflicts(conflicts: list[dict[str, Any]]) -> None:
    if conflicts:
        raise conflict(
            "not independent: " + "; ".join(c["message"] for c in conflicts),
            rule=conflicts[0]["rule"],
            conflicts=conflicts,
        )


def check_team_independence(evaluators: Sequence[Evaluator], ind: Independence) -> None:
    conflicts: list[dict[str, Any]] = []
    for evaluator in evaluators:
        conflicts += employer_conflicts(evaluator, ind)
    _raise_conflicts(conflicts)
