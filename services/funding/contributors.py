"""Contributors: registration, reads and changes. No FastAPI here; callers commit.

Who may contribute as what (issue 12, point 8): a ``member_state`` names its country, which
must be one of the 193 UN Member States (``data/un_member_states.csv``, from the UN's list;
observers and territories are not members); the ``host_country`` contributor is the seat's
country (the Centre's profile) and there is one; the seat's state is the host country and
nothing else — registering it as a member state, or changing the host country's type, would
move its money out of "host country support" in sources and uses, so it is refused (not
linked: one contributor per role keeps every report's figures where the resolution puts them).
IATI identifiers are unique.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.funding.models import Contributor, ContributorType
from services.funding.schemas.contributors import ContributorCreate, ContributorUpdate
from shared.db import one_or_404
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem
from shared.types import changes_of


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


STATE_TYPES = frozenset({ContributorType.MEMBER_STATE, ContributorType.HOST_COUNTRY})


@cache
def un_member_states() -> frozenset[str]:
    """ISO alpha-2 codes of the UN Member States (the service's data file)."""
    text = resources.files("services.funding").joinpath("data", "un_member_states.csv")
    lines = [line for line in text.read_text("utf-8").splitlines() if not line.startswith("#")]
    return frozenset(row["alpha2"] for row in csv.DictReader(lines))


def _check_state(type_: ContributorType, country: str | None, seat_country: str | None) -> None:
    """A member state is a UN member other than the seat's; the host country is the seat's."""
    if type_ is ContributorType.MEMBER_STATE:
        if country is None or country not in un_member_states():
            raise field_problem(
                422,
                "country",
                f"{country or 'no country'} is not a UN Member State; a member_state "
                "contributor names one of the 193",
                rule="not-a-un-member-state",
            )
        if country == seat_country:
            raise field_problem(
                422,
                "type",
                f"{country} is the seat's country: it contributes as host_country (paragraph "
                "9), so that its money stays host country support",
                rule="seat-country-is-the-host-country",
            )
    elif type_ is ContributorType.HOST_COUNTRY and country != seat_country:
        raise field_problem(
            422,
            "country",
            f"the host country is the seat's country ({seat_country}), not "
            f"{country or 'no country'}",
            rule="host-country-is-the-seat",
        )


def create_contributor(
    *, db_session: Session, data: ContributorCreate, seat_country: str | None
) -> Contributor:
    """``seat_country``: the seat's country (needed for a state contributor, else None)."""
    _ensure_unique_iati_id(db_session, data.iati_org_id)
    _check_state(data.type, data.country, seat_country)
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


def desired_state(contributor: Contributor, data: ContributorUpdate) -> tuple[Any, Any]:
    """The type and country ``contributor`` would have after ``data``."""
    changes = data.model_dump(exclude_unset=True)
    return changes.get("type", contributor.type), changes.get("country", contributor.country)


def update_contributor(
    *,
    db_session: Session,
    contributor: Contributor,
    data: ContributorUpdate,
    seat_country: str | None,
) -> Contributor:
    """``seat_country``: the seat's country (needed when the result is a state contributor)."""
    changes = changes_of(data, ("name", "type"))
    if "iati_org_id" in changes:
        _ensure_unique_iati_id(db_session, changes["iati_org_id"], exclude_id=contributor.id)
    type_, country = desired_state(contributor, data)
    if contributor.type is ContributorType.HOST_COUNTRY and (
        type_ is not ContributorType.HOST_COUNTRY or country != contributor.country
    ):
        raise field_problem(
            409,
            "type" if type_ is not ContributorType.HOST_COUNTRY else "country",
            "the host country stays the host country: changing it would move its money out "
            "of host country support",
            rule="host-country-is-fixed",
        )
    if "type" in changes or "country" in changes:
        _check_state(type_, country, seat_country)
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
