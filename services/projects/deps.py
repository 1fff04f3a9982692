"""The registry's request dependencies: scope checks, the registry filter and batch ids.

Every router of the registry takes its scopes and shared query parameters from here, so no
router imports another. The registry keeps no state of its own on the app (its database and
settings are the shared app's, read through :mod:`shared.deps`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from services.projects.filters import ProjectFilter
from services.projects.schemas.projects import ProjectFilterQuery
from shared.auth import require_scope

READ = require_scope("projects:read")
WRITE = require_scope("projects:write")
ADMIN = require_scope("admin")


async def project_filter(query: Annotated[ProjectFilterQuery, Query()]) -> ProjectFilter:
    """The registry filter from its query parameters (one model, see ProjectFilterQuery)."""
    return ProjectFilter(**query.model_dump())


FilterDep = Annotated[ProjectFilter, Depends(project_filter)]


async def batch_ids(
    ids: str = Query(
        max_length=1200,
        pattern=r"^\d{1,10}(,\d{1,10})*$",
        description="Comma-separated project ids, e.g. 1,2,3.",
    ),
) -> list[int]:
    """The project ids of a batch read, in the order given."""
    return [int(i) for i in ids.split(",")]


BatchIdsDep = Annotated[list[int], Depends(batch_ids)]
