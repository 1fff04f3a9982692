"""HTTP routes of the funding reports, all on ``/api/v1/reports`` and all needing
``funding:read`` or ``reports:read``: sources and uses, per-project funding (for the gateway) and
pledges outstanding (thin: parse, call :mod:`services.funding.reports` and
:mod:`services.funding.statements`, answer in JSON or CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Query, Response
from fastapi.responses import JSONResponse

from services.funding import reports, statements
from services.funding.deps import REPORTS
from shared.routing import api_router
from shared.uow import SessionDep

router = api_router(prefix="/api/v1/reports", tags=["reports"], dependencies=[REPORTS])


@router.get(
    "/sources-and-uses",
    summary="Sources and uses of all voluntary contributions for a year (USD, reconciled)",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def sources_and_uses_report(
    session: SessionDep,
    year: int = Query(ge=2000, le=2100, description="Calendar year."),
    format: Literal["json", "csv"] = Query(default="json"),
) -> Response:
    report = statements.sources_and_uses(db_session=session, year=year)
    if format == "csv":
        return Response(
            statements.sources_and_uses_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="sources-and-uses-{year}.csv"'},
        )
    return JSONResponse(report)


@router.get(
    "/projects",
    summary="For the gateway: funding of many registry projects in one call",
)
def projects_report(
    session: SessionDep,
    ids: str = Query(
        max_length=1200,
        pattern=r"^\d{1,10}(,\d{1,10}){0,99}$",
        description="Comma-separated registry project ids (at most 100).",
    ),
) -> dict[str, Any]:
    project_ids = [int(i) for i in ids.split(",")]
    return {"items": statements.project_funding(db_session=session, project_ids=project_ids)}


@router.get(
    "/pledges-outstanding",
    summary="Announced pledges not yet converted or lapsed, aged 0-90/91-180/181-365/>365 days, "
    "with US-dollar equivalents at the rate of the report date",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def pledges_outstanding(
    session: SessionDep,
    as_of: dt.date | None = Query(default=None),
    format: Literal["json", "csv"] = Query(default="json"),
) -> Response:
    day = as_of or dt.date.today()
    report = reports.pledges_outstanding(db_session=session, as_of=day)
    if format == "csv":
        return Response(
            reports.pledges_outstanding_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="pledges-outstanding-{day}.csv"'
            },
        )
    return JSONResponse(report)


routers = (router,)
