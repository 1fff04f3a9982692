"""HTTP routes of the funding reports, all on ``/api/v1/reports`` and all needing
``funding:read`` or ``reports:read``: sources and uses, the money figures per fund and per
project (for the gateway) and pledges outstanding (thin: parse, call
:mod:`services.funding.reports`, :mod:`services.funding.statements` and
:mod:`services.funding.figures`, answer in JSON or CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Query, Response
from fastapi.responses import JSONResponse

from services.funding import figures, receivables, reports, statements
from services.funding.deps import REPORTS, AsOfDep, ClockDep
from services.funding.schemas.reports import FundFigures, FundFiguresPage, ProjectFundingPage
from shared.openapi import INTERNAL_OPERATION
from shared.routing import api_router
from shared.types import QueryDate
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


_IDS = r"^\d{1,10}(,\d{1,10}){0,99}$"
IdList = Query(max_length=1200, pattern=_IDS, description="Comma-separated ids (at most 100).")
OptionalIdList = Query(
    default=None,
    max_length=1200,
    pattern=_IDS,
    description="Comma-separated fund ids (at most 100); every fund when absent.",
)


@router.get(
    "/projects",
    response_model=ProjectFundingPage,
    summary="For the gateway: the money figures of many registry projects in one call",
    openapi_extra=INTERNAL_OPERATION,
)
def projects_report(session: SessionDep, as_of: AsOfDep, ids: str = IdList) -> dict[str, Any]:
    project_ids = [int(i) for i in ids.split(",")]
    items = statements.project_funding(db_session=session, project_ids=project_ids, as_of=as_of)
    return {"items": items}


@router.get(
    "/funds",
    response_model=FundFiguresPage,
    summary="The money figures of every fund (or of the funds named), each reconciled to the "
    "journal",
)
def funds_report(
    session: SessionDep, as_of: AsOfDep, ids: str | None = OptionalIdList
) -> FundFiguresPage:
    fund_ids = [int(i) for i in ids.split(",")] if ids else None
    found = figures.fund_figures(db_session=session, fund_ids=fund_ids, as_of=as_of)
    return FundFiguresPage(
        items=[
            FundFigures(
                fund_id=fund.id,
                name=fund.name,
                earmarking=fund.kind,
                project_id=fund.project_id,
                as_of=as_of,
                **money,
            )
            for fund, money in found
        ]
    )


@router.get(
    "/pledges-outstanding",
    summary="Announced pledges not yet converted or lapsed, aged 0-90/91-180/181-365/>365 days, "
    "with US-dollar equivalents at the rate of the report date",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def pledges_outstanding(
    session: SessionDep,
    today: ClockDep,
    as_of: QueryDate | None = Query(default=None),
    format: Literal["json", "csv"] = Query(default="json"),
) -> Response:
    day = as_of or today
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


@router.get(
    "/contributions-receivable",
    summary="Instalments due, received, outstanding and overdue as of a day, per contributor "
    "and agreement, aged 0-30/31-90/91-365/>365 days, in US dollars at the signing rate",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def contributions_receivable(
    session: SessionDep,
    today: ClockDep,
    as_of: QueryDate | None = Query(default=None, description="Default: today."),
    format: Literal["json", "csv"] = Query(default="json"),
) -> Response:
    day = as_of or today
    report = receivables.contributions_receivable(db_session=session, as_of=day)
    if format == "csv":
        return Response(
            receivables.contributions_receivable_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="contributions-receivable-{day}.csv"'
            },
        )
    return JSONResponse(report)


routers = (router,)
