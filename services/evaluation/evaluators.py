"""Evaluators and their independence: the register (employer, declaration of interests) and
the conflicts that make an evaluator not independent of the Centre or of a project in scope
(decision 30: checked when joining a team, when the scope changes and at contracting).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.evaluation.clients import RegistryProject
from services.evaluation.models import Evaluator
from services.evaluation.schemas.evaluators import EvaluatorCreate, EvaluatorUpdate
from services.evaluation.settings import Settings
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem


def create_evaluator(*, db_session: Session, data: EvaluatorCreate) -> Evaluator:
    evaluator = Evaluator(**data.model_dump())
    db_session.add(evaluator)
    db_session.flush()
    return evaluator


def get_evaluator(*, db_session: Session, evaluator_id: int, for_update: bool = False) -> Evaluator:
    return one_or_404(
        db_session,
        select(Evaluator).where(Evaluator.id == evaluator_id),
        entity="evaluator",
        identifier=evaluator_id,
        for_update=for_update,
    )


def update_evaluator(
    *, db_session: Session, evaluator: Evaluator, data: EvaluatorUpdate
) -> Evaluator:
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "employed_by_centre"):
        if field in changes and changes[field] is None:
            raise field_problem(422, field, "may not be null", rule="required")
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


def employer_conflicts(
    evaluator: Evaluator, projects: Sequence[RegistryProject], settings: Settings
) -> list[dict[str, Any]]:
    """Why ``evaluator`` is not independent of the Centre or of a project in scope."""
    conflicts: list[dict[str, Any]] = []
    employer = (evaluator.employer_iati_org_id or "").casefold()
    centre = (settings.centre_iati_org_id or "").casefold()
    if evaluator.employed_by_centre or (employer and employer == centre):
        conflicts.append(
            {
                "evaluator_id": evaluator.id,
                "rule": "evaluator-employed-by-centre",
                "message": f"evaluator {evaluator.name} is employed by the Centre",
            }
        )
    if employer:
        for project in projects:
            for org in project.implementers():
                if org.iati_org_id and org.iati_org_id.casefold() == employer:
                    conflicts.append(
                        {
                            "evaluator_id": evaluator.id,
                            "rule": "evaluator-employer-implements-project",
                            "project_id": project.id,
                            "organisation": org.iati_org_id,
                            "message": f"evaluator {evaluator.name} is employed by "
                            f"{org.name or org.iati_org_id} ({org.iati_org_id}), which "
                            f"implements project {project.id} in the evaluation's scope",
                        }
                    )
    return conflicts


def _raise_conflicts(conflicts: list[dict[str, Any]]) -> None:
    if conflicts:
        raise conflict(
            "not independent: " + "; ".join(c["message"] for c in conflicts),
            rule=conflicts[0]["rule"],
            conflicts=conflicts,
        )


def check_team_independence(
    evaluators: Sequence[Evaluator], projects: Sequence[RegistryProject], settings: Settings
) -> None:
    conflicts: list[dict[str, Any]] = []
    for evaluator in evaluators:
        conflicts += employer_conflicts(evaluator, projects, settings)
    _raise_conflicts(conflicts)
