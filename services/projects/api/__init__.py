"""The registry's routers, in mount order.

A literal path is mounted before a ``{project_id}`` path it would otherwise match:
``/api/v1/projects/facets`` (facets) comes before the projects router's ``/{project_id}``.
"""

from __future__ import annotations

from services.projects.api import (
    action_plans,
    centre,
    facets,
    iati,
    organisations,
    projects,
    reference,
    results,
)

routers = (
    reference.router,
    organisations.router,
    facets.router,
    projects.router,
    results.router,
    centre.router,
    action_plans.router,
    iati.router,
)
