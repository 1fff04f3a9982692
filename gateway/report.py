"""The annual report (paragraph 10) and the dashboard, merged from the three services.

``/api/v1/reports/annual/{year}`` answers, for one year, as of the year's end (as of today while
the year runs):

- **implementation** — projects active in the year by status, country, dimension, SPECA working
  group and LLDC priority; the comprehensive action plan in force at the year's end and the
  status of its projects (registry);
- **projects** — each project active in the year with its countries and shares, SDG goals and
  targets, dimensions, SPECA groups, LLDC priorities, status, results and the year's spending;
- **regional_cuts** — projects and spending per SPECA working group and per LLDC priority
  (paragraphs 4-5); **spending_by_country** — spending per programme country by each project's
  country shares, Afghanistan on its own line (paragraphs 6-7); see :mod:`gateway.report_cuts`;
- **sdg_contribution** — projects and spending per SDG goal and target: the ledger's
  expenditure per project joined with each project's goals and targets, a project's spending
  split equally among the goals (and targets) it serves so that the figures add up;
- **results** — each active project's results-framework progress (indicators against targets)
  from the periods that ended in or before the year;
- **sources_and_uses** — the ledger's reconciled sources and uses of all voluntary contributions;
- **evaluation** — the biennial evaluation cycles up to the year and their paragraph-11 status
  as of the year's end;
- **evaluation_follow_up** — every evaluation completed in the year (biennial, project,
  thematic) with its responses and its key actions overdue at the year's end (see
  :mod:`gateway.report_followup`); it needs ``evaluation:read``, and a key without it gets the
  section marked ``forbidden`` rather than a refused report.

A report of a closed year reads nothing dated after the year's end and carries no time of its
own making, so the same data give the same bytes and the same ``ETag`` (``If-None-Match`` is
answered 304); ``final`` says the year is closed.

Money figures are never presented as complete when a source is missing: without ``partial=true``
the report answers 503 naming the missing sources; with it, every affected section is marked.
JSON by default, CSV with ``?format=csv`` or ``Accept: text/csv``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any, Literal

from defusedcsv.csv import writer as csv_writer
from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.fanout import (
    Part,
    PartCall,
    PartStatus,
    batched,
    fan_out,
    merged_responses,
    timing_headers,
)
from gateway.report_cuts import (
    country_spending,
    project_rows,
    regional_cut,
    year_spending,
)
from gateway.report_cuts import split_equally as _split
from gateway.report_followup import follow_up
from gateway.security import Authenticated
from shared.auth import ensure_scope
from shared.negotiation import wants_csv
from shared.problems import ProblemError
from shared.routing import api_router

MAX_PROJECTS = 5000
REGISTRY_SCOPES = ("projects:read",)
# What a key needs for the whole report: reports:read, and the registry's own read scope (the
# ledger and the evaluation service take reports:read for their report reads).
REPORT_SCOPES = ("reports:read", "projects:read")
PAGE = 200
SectionStatus = Literal[PartStatus, "partial"]  # a part's status, or some of its parts


class ReportSection(BaseModel):
    status: SectionStatus
    sources: list[str]
    detail: str | None = None
    data: dict[str, Any] | None = None


class AnnualReport(BaseModel):
    year: int
    as_of: dt.date = Field(
        description="The day the figures are as of: the year's end, or today while it runs."
    )
    final: bool = Field(
        description="The year is closed: the same data give the same report, byte for byte."
    )
    complete: bool
    missing_sources: list[str]
    sections: dict[str, ReportSection]


def _year_params(year: int) -> dict[str, Any]:
    return {"year_active": year}


def _today() -> dt.date:
    """The report's clock (UTC); tests replace it."""
    return dt.datetime.now(dt.UTC).date()


def _as_of(year: int, today: dt.date) -> tuple[dt.date, bool]:
    """The day the report is as of, and whether the year is closed."""
    year_end = dt.date(year, 12, 31)
    return min(today, year_end), today > year_end


async def _all_projects(request: Request, identity: Any, year: int) -> Part:
    """Every project active in the year, page by page (bounded)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {**_year_params(year), "limit": PAGE}
        if cursor:
            params["cursor"] = cursor
        call = PartCall("projects", "/api/v1/projects", params, REGISTRY_SCOPES)
        part = (await fan_out(request, identity, {"projects": call}))["projects"]
        if not part.ok:
            return part
        items += part.data.get("items", [])
        cursor = part.data.get("next_cursor")
        if not cursor:
            return Part("projects", "ok", data={"items": items})
        if len(items) >= MAX_PROJECTS:  # figures over part of the projects are not the report
            return Part(
                "projects",
                "error",
                detail=f"more than {MAX_PROJECTS} projects are active in {year}; the report "
                "reads at most that many",
            )


async def _results(request: Request, identity: Any, ids: list[int], as_of: dt.date) -> Part:
    """The projects' results from the periods ended by ``as_of``."""
    params = {"periods_ended_by": as_of.isoformat()}
    call = PartCall("projects", "/api/v1/projects/batch/results", params, REGISTRY_SCOPES)
    return await batched(request, identity, "results", call, ids)


def _section(parts: list[Part], data: dict[str, Any] | None) -> ReportSection:
    sources = sorted({p.service for p in parts})
    failed = [p for p in parts if not p.ok]
    if not failed:
        return ReportSection(status="ok", sources=sources, data=data)
    first = failed[0]
    return ReportSection(
        status=first.status,
        sources=sources,
        detail="; ".join(f"{p.service}: {p.detail or p.status}" for p in failed),
        data=None,
    )


def _facet_map(facets: list[dict[str, Any]]) -> dict[str, int]:
    return {str(f["code"]): int(f["count"]) for f in facets}


def _plan_in_force(plans: list[dict[str, Any]], as_of: dt.date) -> dict[str, Any] | None:
    """The action plan adopted by ``as_of`` and not superseded by then."""
    for plan in plans:
        adopted, superseded = plan.get("adopted_on"), plan.get("superseded_on")
        if adopted is None or dt.date.fromisoformat(adopted) > as_of:
            continue
        if superseded is None or dt.date.fromisoformat(superseded) > as_of:
            return plan
    return None


def _implementation(facets: Part, plans: Part, projects: Part, as_of: dt.date) -> ReportSection:
    if not (facets.ok and plans.ok and projects.ok):
        return _section([facets, plans, projects], None)
    by_id = {p["id"]: p for p in projects.data["items"]}
    adopted = _plan_in_force(plans.data.get("items", []), as_of)
    plan: dict[str, Any] | None = None
    if adopted is not None:
        statuses: dict[str, int] = defaultdict(int)
        for item in adopted.get("items", []):
            project = by_id.get(item["project_id"])
            statuses[project["status_name"] if project else "not active this year"] += 1
        plan = {
            "id": adopted["id"],
            "version_number": adopted["version_number"],
            "title": adopted["title"],
            "adopted_on": adopted["adopted_on"],
            "items": len(adopted.get("items", [])),
            "items_by_project_status": dict(sorted(statuses.items())),
        }
    return _section(
        [facets, plans, projects],
        {
            "projects_active": facets.data["total"],
            "by_status": _facet_map(facets.data["status"]),
            "by_country": _facet_map(facets.data["country"]),
            "by_dimension": _facet_map(facets.data["dimension"]),
            "by_speca_group": _facet_map(facets.data.get("speca_group", [])),
            "by_lldc_priority": _facet_map(facets.data.get("lldc_priority", [])),
            "action_plan": plan,
        },
    )


def _sdg_contribution(projects: Part, funding: Part) -> ReportSection:
    if not (projects.ok and funding.ok):
        return _section([projects, funding], None)
    spent = year_spending(funding.data)
    goals: dict[str, dict[str, Any]] = {}
    targets: dict[str, dict[str, Any]] = {}
    attributed = Decimal("0.00")
    for project in projects.data["items"]:
        amount = spent.get(int(project["id"]), Decimal("0.00"))
        for table, codes in (
            (goals, project.get("sdg_goals", [])),
            (targets, project.get("sdg_targets", [])),
        ):
            for code, share in _split(amount, list(codes)).items():
                row = table.setdefault(code, {"projects": 0, "spending_usd": Decimal("0.00")})
                row["projects"] += 1
                row["spending_usd"] += share
        if project.get("sdg_goals"):
            attributed += amount

    def rows(table: dict[str, dict[str, Any]], key: str) -> list[dict[str, Any]]:
        return [
            {key: code, "projects": v["projects"], "spending_usd": str(v["spending_usd"])}
            for code, v in sorted(table.items(), key=lambda kv: sdg_order(kv[0]))
        ]

    return _section(
        [projects, funding],
        {
            "currency": "USD",
            "method": "a project's spending is split equally among the goals (and, separately, "
            "the targets) it serves",
            "goals": rows(goals, "goal"),
            "targets": rows(targets, "target"),
            "spending_attributed_usd": str(attributed),
            "spending_not_on_projects_of_the_year_usd": str(
                sum(spent.values(), Decimal("0.00")) - attributed
            ),
        },
    )


def _projects_section(projects: Part, funding: Part, results: Part) -> ReportSection:
    parts = [projects, funding, results]
    if not all(p.ok for p in parts):
        return _section(parts, None)
    by_id = {int(r["project_id"]): r for r in results.data["items"]}
    rows = project_rows(projects.data["items"], year_spending(funding.data), by_id)
    return _section(parts, {"currency": "USD", "items": rows})


def _regional_section(projects: Part, funding: Part, speca: Part, lldc: Part) -> ReportSection:
    parts = [projects, funding, speca, lldc]
    if not all(p.ok for p in parts):
        return _section(parts, None)
    items, spent = projects.data["items"], year_spending(funding.data)
    return _section(
        parts,
        {
            "currency": "USD",
            "method": "a project counts in every group (priority) it serves; its spending is "
            "split equally among them, in whole cents",
            "speca_groups": regional_cut(items, spent, "speca_groups", speca.data["items"]),
            "lldc_priorities": regional_cut(items, spent, "lldc_priorities", lldc.data["items"]),
        },
    )


def _country_section(projects: Part, funding: Part, countries: Part) -> ReportSection:
    parts = [projects, funding, countries]
    if not all(p.ok for p in parts):
        return _section(parts, None)
    cut = country_spending(
        projects.data["items"], year_spending(funding.data), countries.data["items"]
    )
    return _section(parts, {"currency": "USD", **cut})


def _results_section(projects: Part, results: Part, as_of: dt.date) -> ReportSection:
    if not (projects.ok and results.ok):
        return _section([projects, results], None)
    titles = {p["id"]: p["title"] for p in projects.data["items"]}
    rows = []
    measured: list[Decimal] = []
    for item in results.data["items"]:
        progress = item.get("progress")
        if progress is not None:
            measured.append(Decimal(str(progress)))
        indicators = [i for r in item.get("results", []) for i in r.get("indicators", [])]
        rows.append(
            {
                "project_id": item["project_id"],
                "title": titles.get(item["project_id"]),
                "progress": progress,
                "indicators": len(indicators),
                "indicators_measured": sum(1 for i in indicators if i.get("progress") is not None),
            }
        )
    mean = (
        (sum(measured, Decimal(0)) / len(measured)).quantize(Decimal("0.0001"))
        if measured
        else None
    )
    return _section(
        [projects, results],
        {
            "periods_ended_by": as_of.isoformat(),
            "projects": rows,
            "mean_progress": str(mean) if mean is not None else None,
            "projects_with_measured_results": len(measured),
        },
    )


def _follow_up_section(followup: Part) -> ReportSection:
    if not followup.ok:
        return _section([followup], None)
    return _section(
        [followup],
        {
            "method": "every evaluation completed in the year (biennial, project, thematic); "
            "responses given and key actions overdue as of the report's day",
            "evaluations": followup.data["items"],
        },
    )


def _evaluation_section(cycles: Part, year: int) -> ReportSection:
    if not cycles.ok:
        return _section([cycles], None)
    items = [c for c in cycles.data.get("items", []) if int(c["year"]) <= year]
    upcoming = [c for c in cycles.data.get("items", []) if int(c["year"]) > year]
    return _section(
        [cycles],
        {
            "cycles": items,
            "next_cycle_year": min((int(c["year"]) for c in upcoming), default=None),
            "first_cycle_year": 2028,
        },
    )


router = api_router(tags=["reports"])


async def _failed(part: Part) -> Part:
    return part


def _registry(path: str, params: dict[str, Any] | None = None) -> PartCall:
    return PartCall("projects", path, params, REGISTRY_SCOPES)


def _sources(year: int, as_of: dt.date) -> dict[str, PartCall]:
    """What the report reads besides the year's projects and their results: nothing dated
    after ``as_of`` counts in any of them."""
    return {
        "facets": _registry("/api/v1/projects/facets", _year_params(year)),
        "plans": _registry("/api/v1/action-plans", {"limit": 200}),
        "countries": _registry("/api/v1/reference/countries", {"programme": "true"}),
        "speca": _registry("/api/v1/reference/speca-groups"),
        "lldc": _registry("/api/v1/reference/lldc-priorities"),
        "funding": PartCall("funding", "/api/v1/reports/sources-and-uses", {"year": year}),
        "cycles": PartCall(
            "evaluation",
            "/api/v1/evaluation-tracking/cycles",
            {"limit": 200, "today": as_of.isoformat()},
        ),
    }


def _refuse_incomplete(failures: list[Part]) -> None:
    """403 when the key may not read a source, else 503/504 naming the missing sources."""
    failed = sorted({p.service for p in failures})
    statuses = {p.status for p in failures}
    if "forbidden" in statuses:  # the key's scopes, not the services: the client's to fix
        raise ProblemError(
            403,
            "the annual report reads the registry, the ledger and the evaluation service; "
            f"this API key may not read: {', '.join(failed)}",
            type_="missing-scope",
            required_scopes=sorted(REPORT_SCOPES),
        )
    raise ProblemError(
        504 if statuses == {"timeout"} else 503,
        "the annual report needs every source; missing: "
        + ", ".join(failed)
        + " (ask with partial=true for a report marked incomplete)",
        type_="report-incomplete",
        missing_sources=failed,
    )


def _answer(
    request: Request, report: AnnualReport, format: Literal["json", "csv"] | None
) -> Response:
    """The report in JSON or CSV with an ETag of its bytes; 304 when If-None-Match has it."""
    headers = timing_headers(request, report.missing_sources)
    response: Response
    if wants_csv(request, format):
        response = Response(
            _csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                **headers,
                "Content-Disposition": f'attachment; filename="annual-report-{report.year}.csv"',
            },
        )
    else:
        response = JSONResponse(report.model_dump(mode="json"), headers=headers)
    etag = f'"{hashlib.sha256(bytes(response.body)).hexdigest()[:32]}"'
    response.headers["ETag"] = etag
    tags = _tags(request.headers.get("if-none-match", ""))
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers={**headers, "ETag": etag})
    return response


def _tags(if_none_match: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared as strong: RFC 9110
    weak comparison)."""
    return {t.strip().removeprefix("W/") for t in if_none_match.split(",") if t.strip()}


def _sections(
    parts: dict[str, Part], projects: Part, results: Part, year: int, as_of: dt.date
) -> dict[str, ReportSection]:
    funding = parts["funding"]
    return {
        "implementation": _implementation(parts["facets"], parts["plans"], projects, as_of),
        "projects": _projects_section(projects, funding, results),
        "regional_cuts": _regional_section(projects, funding, parts["speca"], parts["lldc"]),
        "spending_by_country": _country_section(projects, funding, parts["countries"]),
        "sdg_contribution": _sdg_contribution(projects, funding),
        "results": _results_section(projects, results, as_of),
        "sources_and_uses": _section([funding], funding.data if funding.ok else None),
        "evaluation": _evaluation_section(parts["cycles"], year),
    }


@router.get(
    "/api/v1/reports/annual/{year}",
    response_model=AnnualReport,
    responses=merged_responses(502, 503, 504, content={"text/csv": {"schema": {"type": "string"}}}),
    summary="The head's annual report (paragraph 10), merged from the three services",
)
async def annual_report(
    request: Request,
    identity: Authenticated,
    year: int = Path(ge=2000, le=2100, description="Calendar year reported on."),
    partial: bool = Query(default=False, description="Accept a report with missing sources."),
    format: Literal["json", "csv"] | None = Query(default=None),
) -> Response:
    ensure_scope(identity, ("reports:read",))
    as_of, final = _as_of(year, _today())
    first = fan_out(request, identity, _sources(year, as_of))
    parts, projects = await asyncio.gather(first, _all_projects(request, identity, year))
    ids = [int(p["id"]) for p in projects.data["items"]] if projects.ok else []
    results, followup = await asyncio.gather(
        _results(request, identity, ids, as_of) if projects.ok else _failed(projects),
        follow_up(request, identity, year, as_of),
    )
    # The follow-up needs evaluation:read, which the report's own scopes do not include: a key
    # without it gets the section marked forbidden, never a refused report.
    failures = [
        p
        for p in (*parts.values(), projects, results, followup)
        if not p.ok and not (p is followup and p.status == "forbidden")
    ]
    if failures and not partial:
        _refuse_incomplete(failures)
    failed = sorted({p.service for p in failures})
    report = AnnualReport(
        year=year,
        as_of=as_of,
        final=final,
        complete=not failed,
        missing_sources=failed,
        sections={
            **_sections(parts, projects, results, year, as_of),
            "evaluation_follow_up": _follow_up_section(followup),
        },
    )
    return _answer(request, report, format)


def sdg_order(code: str) -> list[tuple[int, int, str]]:
    """SDG goal and target codes in the UN's order: numbered targets, then lettered ones
    (5.1 … 5.6, 5.a … 5.c), numbers compared as numbers (5.10 after 5.9)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split(".")]


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flatten(f"{prefix}.{k}", v)]
    if isinstance(value, list):
        return [row for i, v in enumerate(value) for row in _flatten(f"{prefix}[{i}]", v)]
    return [(prefix, "" if value is None else str(value))]


def _csv(report: AnnualReport) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["section", "status", "field", "value"])
    writer.writerow(["report", "ok" if report.complete else "partial", "year", report.year])
    for name, section in report.sections.items():
        if section.data is None:
            writer.writerow([name, section.status, "detail", section.detail or ""])
            continue
        for field, value in _flatten("", section.data):
            writer.writerow([name, section.status, field.lstrip("."), value])
    return out.getvalue()


class Dashboard(BaseModel):
    as_of: dt.date
    partial: bool
    projects: ReportSection
    funding: ReportSection
    evaluation: ReportSection


@router.get(
    "/api/v1/dashboard",
    response_model=Dashboard,
    responses=merged_responses(),
    summary="The Centre's headline figures (each part marked with its source and status)",
)
async def dashboard(request: Request, identity: Authenticated) -> JSONResponse:
    ensure_scope(identity, ("reports:read",))
    today = dt.datetime.now(dt.UTC).date()
    parts = await fan_out(
        request,
        identity,
        {
            "facets": PartCall("projects", "/api/v1/projects/facets"),
            "funding": PartCall(
                "funding", "/api/v1/reports/sources-and-uses", {"year": today.year}
            ),
            "cycles": PartCall("evaluation", "/api/v1/evaluation-tracking/cycles", {"limit": 200}),
            "deadlines": PartCall(
                "evaluation", "/api/v1/evaluation-tracking/deadlines", {"within_days": 30}
            ),
            "overdue": PartCall(
                "evaluation", "/api/v1/evaluation-tracking/overdue-actions", {"limit": 200}
            ),
        },
    )
    facets, funding = parts["facets"], parts["funding"]
    evaluation_parts = [parts["cycles"], parts["deadlines"], parts["overdue"]]
    evaluation_data = None
    if all(p.ok for p in evaluation_parts):
        upcoming = [c for c in parts["cycles"].data["items"] if int(c["year"]) >= today.year]
        overdue = parts["overdue"].data
        evaluation_data = {
            "next_cycle": upcoming[0] if upcoming else None,
            "deadlines_next_30_days": len(parts["deadlines"].data.get("items", [])),
            "overdue_key_actions": len(overdue.get("items", [])),
            "overdue_key_actions_more": overdue.get("next_cursor") is not None,
        }
    body = Dashboard(
        as_of=today,
        partial=not all(p.ok for p in parts.values()),
        projects=_section(
            [facets],
            {
                "total": facets.data["total"],
                "by_status": _facet_map(facets.data["status"]),
                "by_country": _facet_map(facets.data["country"]),
            }
            if facets.ok
            else None,
        ),
        funding=_section(
            [funding],
            {
                "year": today.year,
                "totals": funding.data.get("totals"),
                "reconciles": funding.data.get("reconciles"),
            }
            if funding.ok
            else None,
        ),
        evaluation=_section(evaluation_parts, evaluation_data),
    )
    missing = sorted({p.service for p in parts.values() if not p.ok})
    return JSONResponse(body.model_dump(mode="json"), headers=timing_headers(request, missing))
