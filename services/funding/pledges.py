"""Pledges: announced contributions, disclosed but not revenue (they post nothing), lapsed or
converted into a draft agreement. No FastAPI here; callers commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding.agreements import category_for, new_agreement
from services.funding.contributors import require_contributor
from services.funding.models import Agreement, Pledge, PledgeStatus
from services.funding.money import check_minor_units
from services.funding.schemas.common import Earmarking
from services.funding.schemas.pledges import PledgeConversion, PledgeCreate
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem, not_found


def create_pledge(*, db_session: Session, data: PledgeCreate) -> Pledge:
    check_minor_units(data.currency, [("amount", data.amount)])
    require_contributor(db_session, data.contributor_id)
    if data.expected_by is not None and data.expected_by < data.announced_on:
        raise field_problem(
            422, "expected_by", "is before announced_on", rule="expected-after-announced"
        )
    e = data.earmarking
    pledge = Pledge(
        contributor_id=data.contributor_id,
        currency=data.currency,
        amount=data.amount,
        announced_on=data.announced_on,
        expected_by=data.expected_by,
        earmark_kind=e.kind,
        sdg_goal=e.sdg_goal,
        dimension=e.dimension,
        project_id=e.project_id,
        revenue_category=category_for(e.kind, data.revenue_category),
        status=PledgeStatus.ANNOUNCED,
        note=data.note,
    )
    db_session.add(pledge)
    db_session.flush()
    return pledge


def get_pledge(*, db_session: Session, pledge_id: int, for_update: bool = False) -> Pledge:
    stmt = select(Pledge).where(Pledge.id == pledge_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    pledge = db_session.execute(stmt).scalar_one_or_none()
    if pledge is None:
        raise not_found("pledge", pledge_id)
    return pledge


def list_pledges(
    *, db_session: Session, status: PledgeStatus | None, limit: int, cursor: str | None
) -> tuple[list[Pledge], str | None]:
    stmt = select(Pledge)
    if status is not None:
        stmt = stmt.where(Pledge.status == status)
    return paginate(db_session, stmt, keys=[SortKey(Pledge.id)], limit=limit, cursor=cursor)


def _announced(pledge: Pledge, action: str) -> None:
    if pledge.status is not PledgeStatus.ANNOUNCED:
        raise conflict(
            f"pledge {pledge.id} is {pledge.status}; only an announced pledge can be {action}",
            rule="illegal-pledge-transition",
            current_status=str(pledge.status),
        )


def lapse_pledge(*, db_session: Session, pledge_id: int, on: dt.date) -> Pledge:
    pledge = get_pledge(db_session=db_session, pledge_id=pledge_id, for_update=True)
    _announced(pledge, "lapsed")
    pledge.status = PledgeStatus.LAPSED
    pledge.settled_on = on
    db_session.flush()
    return pledge


def convert_pledge(
    *, db_session: Session, pledge_id: int, data: PledgeConversion, on: dt.date
) -> Agreement:
    pledge = get_pledge(db_session=db_session, pledge_id=pledge_id, for_update=True)
    _announced(pledge, "converted")
    earmarking = Earmarking(
        kind=pledge.earmark_kind,
        sdg_goal=pledge.sdg_goal,
        dimension=pledge.dimension,
        project_id=pledge.project_id,
    )
    agreement = new_agreement(
        db_session,
        data,
        contributor_id=pledge.contributor_id,
        currency=pledge.currency,
        earmarking=earmarking,
        category=data.revenue_category or pledge.revenue_category,
        pledge_id=pledge.id,
    )
    pledge.status = PledgeStatus.CONVERTED
    pledge.settled_on = on
    db_session.flush()
    return agreement
