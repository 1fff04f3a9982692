"""Merged views: answers no single service can give, fanned out concurrently.

- ``/api/v1/dossiers/projects/{id}``: the registry record (required) with its funding and the
  evaluations covering it (optional parts);
- ``/api/v1/dossiers/projects``: a page of the registry's list, each project with its funding
  totals and evaluation status, from two batch calls per page (never one call per project).

Every part carries its source and status; when an optional part fails the answer is 200, marked
partial in the body and in the ``X-SDGC-Partial`` header; when the required part fails it is
502/503/504 (or 404 when the record does not exist).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.fanout import (
    Part,
    PartCall,
    PartStatus,
    answer_headers,
    batched,
    fan_out,
    merged_responses,
    required,
)
from gateway.security import Authenticated
from shared.auth import Identity, ensure_scope
from shared.deps import IdPath
from shared.routing import api_router

FUNDING_SCOPES = ("funding:read", "reports:read")
EVALUATION_SCOPES = ("evaluation:read", "reports:read")


class PartStatusRead(BaseModel):
    source: str
    status: PartStatus
    detail: str | None = None


class Section(BaseModel):
    """An optional part of a merged answer: its data, or why it is missing."""

    status: PartStatus
    source: str
    detail: str | None = None
    data: dict[str, Any] | None = None


class ProjectDossier(BaseModel):
    project: dict[str, Any]
    funding: Section
    evaluation: Section
    partial: bool = Field(description="True when an optional part is missing (see parts).")
    parts: dict[str, PartStatusRead]


class EnrichedProject(BaseModel):
    project: dict[str, Any]
    funding: dict[str, Any] | None
    evaluation: dict[str, Any] | None


class EnrichedProjectPage(BaseModel):
    items: list[EnrichedProject]
    next_cursor: str | None
    partial: bool
    parts: dict[str, PartStatusRead]


def _by_project(part: Part) -> dict[int, dict[str, Any]]:
    if not part.ok or not isinstance(part.data, dict):
        return {}
    return {
        int(item["project_id"]): item
        for item in part.data.get("items", [])
        if isinstance(item, dict) and "project_id" in item
    }


def _section(part: Part, project_id: int) -> Section:
    if not part.ok:
        return Section(status=part.status, source=part.service, detail=part.detail)
    return Section(status="ok", source=part.service, data=_by_project(part).get(project_id))


def _answer(request: Request, body: BaseModel, parts: dict[str, Part]) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), headers=answer_headers(request, parts))


def _calls_for(ids: str) -> dict[str, PartCall]:
    return {
        "funding": PartCall("funding", "/api/v1/reports/projects", {"ids": ids}, FUNDING_SCOPES),
        "evaluation": PartCall(
            "evaluation", "/api/v1/evaluation-tracking/projects", {"ids": ids}, EVALUATION_SCOPES
        ),
    }


async def _enrichment(request: Request, identity: Identity, ids: list[int]) -> dict[str, Part]:
    """Funding and evaluation of a page's projects: one batch read each (in chunks of at most
    100 ids when the page is longer), both at once."""
    calls = _calls_for("")
    names = list(calls)
    found = await asyncio.gather(
        *(batched(request, identity, name, calls[name], ids) for name in names)
    )
    return dict(zip(names, found, strict=True))


router = api_router(tags=["dossiers"])


@router.get(
    "/api/v1/dossiers/projects/{project_id}",
    response_model=ProjectDossier,
    responses=merged_responses(404, 502, 503, 504),
    summary="A project with its funding and the evaluations covering it",
)
async def project_dossier(
    project_id: IdPath, request: Request, identity: Authenticated
) -> JSONResponse:
    ensure_scope(identity, ("projects:read",))
    parts = await fan_out(
        request,
        identity,
        {
            "project": PartCall("projects", f"/api/v1/projects/{project_id}"),
            **_calls_for(str(project_id)),
        },
    )
    project = required(parts["project"], f"project {project_id}")
    optional = {name: parts[name] for name in ("funding", "evaluation")}
    dossier = ProjectDossier(
        project=project,
        funding=_section(parts["funding"], project_id),
        evaluation=_section(parts["evaluation"], project_id),
        partial=any(not p.ok for p in optional.values()),
        parts={name: PartStatusRead(**p.describe()) for name, p in parts.items()},
    )
    return _answer(request, dossier, optional)


@router.get(
    "/api/v1/dossiers/projects",
    response_model=EnrichedProjectPage,
    responses=merged_responses(502, 503, 504),
    summary="A page of projects (registry filters), each with funding totals and evaluations",
)
async def enriched_projects(request: Request, identity: Authenticated) -> JSONResponse:
    ensure_scope(identity, ("projects:read",))
    listing = await fan_out(
        request,
        identity,
        {"projects": PartCall("projects", "/api/v1/projects", dict(request.query_params))},
    )
    page = required(listing["projects"], "the project list")
    projects = [p for p in page.get("items", []) if isinstance(p, dict)]
    ids = [int(p["id"]) for p in projects]
    parts = await _enrichment(request, identity, ids) if ids else {}
    funding = _by_project(parts["funding"]) if parts else {}
    evaluation = _by_project(parts["evaluation"]) if parts else {}
    body = EnrichedProjectPage(
        items=[
            EnrichedProject(
                project=p, funding=funding.get(p["id"]), evaluation=evaluation.get(p["id"])
            )
            for p in projects
        ],
        next_cursor=page.get("next_cursor"),
        partial=any(not p.ok for p in parts.values()),
        parts={name: PartStatusRead(**p.describe()) for name, p in {**listing, **parts}.items()},
    )
    return _answer(request, body, parts)
