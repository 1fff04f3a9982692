"""Route of the registry's facet counts (the dashboards' country, goal, dimension, status, SPECA
working group and LLDC priority counts for a filter)."""

from __future__ import annotations

from services.projects import facets
from services.projects.deps import READ, FilterDep
from services.projects.schemas.facets import FacetCount, ProjectFacets
from shared.deps import SessionDep
from shared.problems import problem_responses
from shared.routing import api_router

router = api_router(prefix="/api/v1/projects", tags=["projects"])


@router.get(
    "/facets",
    response_model=ProjectFacets,
    dependencies=[READ],
    responses=problem_responses(),
    summary="Counts per country, goal, dimension, status, SPECA group and LLDC priority for "
    "the filter",
)
def project_facets(session: SessionDep, filters: FilterDep) -> ProjectFacets:
    found = facets.project_facets(db_session=session, filters=filters)
    return ProjectFacets(
        total=found["total"],
        **{
            name: [FacetCount(code=code, count=n) for code, n in found[name]]
            for name in (*facets.FACETS, *facets.REGIONAL_FACETS)
        },
    )
