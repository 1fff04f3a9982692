"""Organisations of the registry: register, read, search, change. No FastAPI here; callers
commit.

An organisation is known by its registry id and, when it has one, its unique IATI
organisation identifier; its type and country are checked against the IATI codelists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.projects import reference as ref
from services.projects.models import Organisation
from services.projects.schemas.organisations import OrganisationCreate, OrganisationUpdate
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import field_problem
from shared.types import changes_of


def _check_organisation_codes(type_: str | None, country: str | None) -> None:
    if type_ is not None and not ref.codelist("OrganisationType").contains(type_):
        raise field_problem(
            422, "type", f"{type_} is not an IATI OrganisationType code", rule="unknown-code"
        )
    if country is not None and not ref.is_country(country):
        raise field_problem(
            422, "country", f"{country} is not an ISO 3166-1 alpha-2 code", rule="unknown-country"
        )


def _ensure_unique_org_id(
    db_session: Session, iati_org_id: str | None, *, exclude_id: int | None = None
) -> None:
    if iati_org_id is None:
        return
    stmt = select(Organisation.id).where(Organisation.iati_org_id == iati_org_id)
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    if db_session.execute(stmt).first() is not None:
        raise field_problem(
            409,
            "iati_org_id",
            f"an organisation with identifier {iati_org_id} already exists",
            rule="duplicate-iati-org-id",
        )


def create_organisation(*, db_session: Session, data: OrganisationCreate) -> Organisation:
    _check_organisation_codes(data.type, data.country)
    _ensure_unique_org_id(db_session, data.iati_org_id)
    organisation = Organisation(**data.model_dump())
    db_session.add(organisation)
    db_session.flush()
    return organisation


def get_organisation(
    *, db_session: Session, organisation_id: int, for_update: bool = False
) -> Organisation:
    return one_or_404(
        db_session,
        select(Organisation).where(Organisation.id == organisation_id),
        entity="organisation",
        identifier=organisation_id,
        for_update=for_update,
    )


def update_organisation(
    *, db_session: Session, organisation: Organisation, data: OrganisationUpdate
) -> Organisation:
    changes = changes_of(data, ("name", "type"))
    _check_organisation_codes(changes.get("type"), changes.get("country"))
    if "iati_org_id" in changes:
        _ensure_unique_org_id(db_session, changes["iati_org_id"], exclude_id=organisation.id)
    for name, value in changes.items():
        setattr(organisation, name, value)
    db_session.flush()
    return organisation


def list_organisations(
    *,
    db_session: Session,
    type_: str | None,
    country: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    stmt = select(Organisation)
    if type_ is not None:
        stmt = stmt.where(Organisation.type == type_)
    if country is not None:
        stmt = stmt.where(Organisation.country == country)
    if q:
        stmt = stmt.where(Organisation.name.icontains(q, autoescape=True))
    return paginate(
        db_session, stmt, keys=[SortKey(Organisation.id.expression)], limit=limit, cursor=cursor
    )
