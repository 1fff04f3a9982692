"""Routes of the shipped reference data: the SDG catalogue, countries, the Centre's
vocabularies and the IATI codelists (read-only, ``projects:read``)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from services.projects import reference as ref
from services.projects.deps import READ
from services.projects.schemas.reference import (
    CodelistItemRead,
    CountryRead,
    SdgGoalRead,
    SdgIndicatorRead,
    SdgTargetRead,
    VocabularyEntryRead,
)
from shared.etag import etag_response
from shared.pagination import Page
from shared.problems import field_problem, problem_responses
from shared.routing import api_router

router = api_router(tags=["reference"], dependencies=[READ])


@router.get(
    "/api/v1/sdg/goals",
    response_model=Page[SdgGoalRead],
    summary="The 17 SDG goals (Source: United Nations)",
)
def list_sdg_goals(request: Request) -> Response:
    items = [
        SdgGoalRead(
            code=g.code,
            title=g.title,
            target_count=len(g.targets),
            dimensions=list(ref.dimensions_for_goal(g.code)),
        )
        for g in ref.sdg_goals()
    ]
    return etag_response(request, Page(items=items))


@router.get(
    "/api/v1/sdg/targets",
    response_model=Page[SdgTargetRead],
    responses=problem_responses(),
    summary="SDG targets, optionally of one goal",
)
def list_sdg_targets(
    request: Request, goal: str | None = Query(default=None, max_length=2)
) -> Response:
    if goal is not None and ref.sdg_goal(goal) is None:
        raise field_problem(
            422,
            "goal",
            f"{goal!r} is not an SDG goal (1-17)",
            rule="unknown-sdg-goal",
            location="query",
        )
    targets = ref.targets_of_goal(goal) if goal is not None else ref.sdg_targets()
    items = [SdgTargetRead(code=t.code, goal=t.goal_code, title=t.title) for t in targets]
    return etag_response(request, Page(items=items))


@router.get(
    "/api/v1/sdg/indicators",
    response_model=Page[SdgIndicatorRead],
    responses=problem_responses(),
    summary="SDG indicators, optionally of one target",
)
def list_sdg_indicators(
    request: Request, target: str | None = Query(default=None, max_length=5)
) -> Response:
    if target is not None and ref.sdg_target(target) is None:
        raise field_problem(
            422,
            "target",
            f"{target!r} is not an SDG target",
            rule="unknown-sdg-target",
            location="query",
        )
    indicators = ref.indicators_of_target(target) if target is not None else ref.sdg_indicators()
    items = [
        SdgIndicatorRead(code=i.code, target=i.target_code, title=i.title, unsd_code=i.unsd_code)
        for i in indicators
    ]
    return etag_response(request, Page(items=items))


@router.get(
    "/api/v1/reference/countries",
    response_model=Page[CountryRead],
    summary="ISO 3166-1 countries; the six programme countries marked",
)
def list_countries(
    request: Request,
    programme: bool | None = Query(default=None, description="Only programme countries."),
) -> Response:
    countries = ref.programme_countries() if programme else ref.countries()
    items = [
        CountryRead(
            alpha2=c.alpha2,
            name=c.name,
            programme=c.programme,
            alpha3=c.alpha3,
            m49=c.m49,
            m49_region=c.m49_region,
            regional_platform=c.regional_platform,
        )
        for c in countries
    ]
    return etag_response(request, Page(items=items))


def _entries(entries: tuple[ref.ReferenceEntry, ...]) -> Page[VocabularyEntryRead]:
    return Page(
        items=[
            VocabularyEntryRead(
                code=e.code, name=e.name, description=e.description, former_name=e.former_name
            )
            for e in entries
        ]
    )


@router.get(
    "/api/v1/reference/speca-groups",
    response_model=Page[VocabularyEntryRead],
    summary="SPECA thematic working groups",
)
def list_speca_groups(request: Request) -> Response:
    return etag_response(request, _entries(ref.speca_groups()))


@router.get(
    "/api/v1/reference/lldc-priorities",
    response_model=Page[VocabularyEntryRead],
    summary="Priority areas of the Programme of Action for LLDCs 2024-2034",
)
def list_lldc_priorities(request: Request) -> Response:
    return etag_response(request, _entries(ref.lldc_priorities()))


@router.get(
    "/api/v1/reference/coalitions",
    response_model=Page[VocabularyEntryRead],
    summary="Issue-based coalitions of the Regional Collaborative Platform",
)
def list_coalitions(request: Request) -> Response:
    return etag_response(request, _entries(ref.coalitions()))


@router.get(
    "/api/v1/reference/dimensions",
    response_model=Page[VocabularyEntryRead],
    summary="The three dimensions of sustainable development",
)
def list_dimensions(request: Request) -> Response:
    return etag_response(request, _entries(ref.dimensions()))


@router.get(
    "/api/v1/reference/codelists/{name}",
    response_model=Page[CodelistItemRead],
    responses=problem_responses(404),
    summary="An IATI codelist (IATI Standard, http://iatistandard.org/)",
)
def get_codelist(name: str, request: Request) -> Response:
    if name not in ref.codelist_names():
        raise field_problem(
            404, "name", f"no IATI codelist {name!r} is shipped", rule="not-found", location="path"
        )
    items = [
        CodelistItemRead(code=i.code, name=i.name, withdrawn=i.withdrawn)
        for i in ref.codelist(name).items
    ]
    return etag_response(request, Page(items=items))
