"""The Centre itself (paragraph 1): seat, head, terms of reference, IATI identifier, history,
and the Centre as an organisation of the registry (the accountable one by default).

Each change is kept as a revision holding the full representation after the change, so the
history answers "who was head on a date" and "which terms of reference applied" directly;
the generic audit trail still records the row-level changes beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.projects import reference as ref
from services.projects.models import (
    CentreProfile,
    CentreProfileRevision,
    Organisation,
    TermsOfReferenceDocument,
)
from services.projects.schemas.centre import CentreRead, CentreUpdate
from shared.db import utcnow
from shared.pagination import SortKey, paginate
from shared.problems import field_problem

CENTRE_ORGANISATION_TYPE = "40"  # IATI OrganisationType: Multilateral
CENTRE_DEFAULTS: dict[str, Any] = {
    "id": 1,
    "name": "United Nations Regional Centre for the Sustainable Development Goals for "
    "Central Asia and Afghanistan",
    "seat_city": "Almaty",
    "seat_country": "KZ",
    "iati_org_id": "XM-SDGCA",
    "head_appointed_by": "Secretary-General of the United Nations",
    "revision": 1,
    "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),  # as seeded: stable ETag until edited
}


def get_centre(*, db_session: Session, for_update: bool = False) -> CentreProfile:
    """The Centre's profile; the migration seeds it, and it is re-made from the same defaults
    if the table was emptied (a database restored without data, the test pool)."""
    stmt = select(CentreProfile).where(CentreProfile.id == 1)
    if for_update:
        stmt = stmt.with_for_update()
    centre = db_session.execute(stmt).scalar_one_or_none()
    if centre is None:
        centre = CentreProfile(**CENTRE_DEFAULTS)
        db_session.add(centre)
        db_session.flush()
    return centre


def centre_organisation(*, db_session: Session) -> Organisation:
    """The Centre as an organisation of the registry (created on first use)."""
    centre = get_centre(db_session=db_session)
    organisation = db_session.execute(
        select(Organisation).where(Organisation.iati_org_id == centre.iati_org_id)
    ).scalar_one_or_none()
    if organisation is None:
        organisation = Organisation(
            iati_org_id=centre.iati_org_id,
            name=centre.name,
            type=CENTRE_ORGANISATION_TYPE,
            country=centre.seat_country,
        )
        db_session.add(organisation)
        db_session.flush()
    return organisation


def _record(db_session: Session, centre: CentreProfile, actor: str) -> None:
    db_session.add(
        CentreProfileRevision(
            revision=centre.revision,
            recorded_at=utcnow(),
            actor=actor,
            snapshot=CentreRead.model_validate(centre).model_dump(mode="json"),
        )
    )


def update_centre(
    *, db_session: Session, centre: CentreProfile, data: CentreUpdate, actor: str
) -> CentreProfile:
    if not ref.is_country(data.seat_country):
        raise field_problem(
            422,
            "seat_country",
            f"{data.seat_country} is not an ISO 3166-1 alpha-2 code",
            rule="unknown-country",
        )
    _check_head_after_terms_of_reference(data)
    has_history = db_session.execute(select(func.count(CentreProfileRevision.id))).scalar_one()
    if not has_history:
        _record(db_session, centre, "system")  # the profile as it stood before any edit
    for name in (
        "name",
        "seat_city",
        "seat_country",
        "iati_org_id",
        "head_name",
        "head_appointed_on",
        "head_appointed_by",
    ):
        setattr(centre, name, getattr(data, name))
    centre.terms_of_reference.clear()
    centre.terms_of_reference.extend(
        TermsOfReferenceDocument(position=i, **doc.model_dump())
        for i, doc in enumerate(data.terms_of_reference)
    )
    centre.revision += 1
    centre.updated_at = utcnow()
    db_session.flush()
    _record(db_session, centre, actor)
    db_session.flush()
    return centre


def _check_head_after_terms_of_reference(data: CentreUpdate) -> None:
    """Paragraph 1: the Secretary-General appoints the head once the terms of reference are
    set, so an appointment needs terms of reference dated on or before it."""
    appointed = data.head_appointed_on
    if appointed is None:
        return
    if not any(doc.document_date <= appointed for doc in data.terms_of_reference):
        raise field_problem(
            422,
            "head_appointed_on",
            f"the head cannot be appointed on {appointed} before terms of reference dated on or "
            "before that day (paragraph 1)",
            rule="head-appointed-before-terms-of-reference",
        )


def list_revisions(
    *, db_session: Session, limit: int, cursor: str | None
) -> tuple[list[CentreProfileRevision], str | None]:
    get_centre(db_session=db_session)
    return paginate(
        db_session,
        select(CentreProfileRevision),
        keys=[SortKey(CentreProfileRevision.revision.expression, "desc")],
        limit=limit,
        cursor=cursor,
    )
