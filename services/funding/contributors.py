"""Contributors: registration (one host country, unique IATI identifiers), reads and changes.
No FastAPI here; callers commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding.models import Contributor, ContributorType
from services.funding.schemas.contributors import ContributorCreate, ContributorUpdate
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem


def require_contributor(db_session: Session, contributor_id: int) -> None:
    """422 ``unknown-contributor`` on ``contributor_id`` unless the contributor exists."""
    if db_session.get(Contributor, contributor_id) is None:
        raise field_problem(
            422,
            "contributor_id",
            f"contributor {contributor_id} does not exist",
            rule="unknown-contributor",
        )


def _ensure_unique_iati_id(
    db_session: Session, iati_org_id: str | None, *, exclude_id: int | None = None
) -> None:
    if iati_org_id is None:
        return
    stmt = select(Contributor.id).where(Contributor.iati_org_id == iati_org_id)
    if exclude_id is not None:
        stmt = stmt.where(Contributor.id != exclude_id)
    if db_session.execute(stmt).first() is not None:
        raise field_problem(
            409,
            "iati_org_id",
            f"a contributor with identifier {iati_org_id} already exists",
            rule="duplicate-iati-org-id",
        )


def create_contributor(*, db_session: Session, data: ContributorCreate) -> Contributor:
    _ensure_unique_iati_id(db_session, data.iati_org_id)
    if data.type is ContributorType.HOST_COUNTRY:
        _ensure_single_host_country(db_session)
    contributor = Contributor(**data.model_dump())
    db_session.add(contributor)
    db_session.flush()
    return contributor


def _ensure_single_host_country(db_session: Session, *, exclude_id: int | None = None) -> None:
    stmt = select(Contributor.id).where(Contributor.type == ContributorType.HOST_COUNTRY)
    if exclude_id is not None:
        stmt = stmt.where(Contributor.id != exclude_id)
    if db_session.execute(stmt).first() is not None:
        raise conflict(
            "the host country (Kazakhstan, paragraph 9) is already registered as a contributor",
            rule="single-host-country",
        )


def get_contributor(
    *, db_session: Session, contributor_id: int, for_update: bool = False
) -> Contributor:
    return one_or_404(
        db_session,
        select(Contributor).where(Contributor.id == contributor_id),
        entity="contributor",
        identifier=contributor_id,
        for_update=for_update,
    )


def update_contributor(
    *, db_session: Session, contributor: Contributor, data: ContributorUpdate
) -> Contributor:
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "type"):
        if field in changes and changes[field] is None:
            raise field_problem(422, field, "may not be null", rule="required")
    if "iati_org_id" in changes:
        _ensure_unique_iati_id(db_session, changes["iati_org_id"], exclude_id=contributor.id)
    if changes.get("type") is ContributorType.HOST_COUNTRY:
        _ensure_single_host_country(db_session, exclude_id=contributor.id)
    for field, value in changes.items():
        setattr(contributor, field, value)
    db_session.flush()
    return contributor


def list_contributors(
    *,
    db_session: Session,
    type_: ContributorType | None,
    country: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Contributor], str | None]:
    stmt = select(Contributor)
    if type_ is not None:
        stmt = stmt.where(Contributor.type == type_)
    if country is not None:
        stmt = stmt.where(Contributor.country == country)
    if q:
        stmt = stmt.where(Contributor.name.icontains(q, autoescape=True))
    return paginate(db_session, stmt, keys=[SortKey(Contributor.id)], limit=limit, cursor=cursor)
