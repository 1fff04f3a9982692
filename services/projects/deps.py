"""The registry's request dependencies: scope checks, the registry filter and batch ids.

Every router of the registry takes its scopes and shared query parameters from here, so no
router imports another. The registry keeps no state of its own on the app (its database and
settings are the shared app's, read through :mod:`shared.deps`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from services.projects.filters import ProjectFilter
from services.projects.models import ActivityStatus, Dimension, ParticipantRole
from shared.auth import require_scope

READ = require_scope("projects:read")
WRITE = require_scope("projects:write")
ADMIN = require_scope("admin")


async def project_filter(
    country: str | None = Query(
        default=None, pattern=r"^[A-Z]{2}$", description="Recipient country (ISO alpha-2)."
    ),
    sdg_goal: str | None = Query(default=None, max_length=2, alias="goal"),
    sdg_target: str | None = Query(default=None, max_length=5, alias="target"),
    dimension: Dimension | None = Query(default=None),
    status: ActivityStatus | None = Query(default=None, description="IATI activity status."),
    organisation_id: int | None = Query(default=None, alias="organisation"),
    role: ParticipantRole | None = Query(default=None, description="With organisation, its role."),
    speca_group: str | None = Query(default=None, max_length=60),
    lldc_priority: str | None = Query(default=None, max_length=2),
    coalition: str | None = Query(default=None, max_length=60),
    action_plan_version: int | None = Query(default=None, ge=1),
    year_active: int | None = Query(
        default=None, ge=1990, le=2100, description="Active at some time in this year."
    ),
    q: str | None = Query(default=None, max_length=200, description="Text in title/description."),
) -> ProjectFilter:
    return ProjectFilter(
        country=country,
        sdg_goal=sdg_goal,
        sdg_target=sdg_target,
        dimension=dimension,
        status=status,
        organisation_id=organisation_id,
        role=role,
        speca_group=speca_group,
        lldc_priority=lldc_priority,
        coalition=coalition,
        action_plan_version=action_plan_version,
        year_active=year_active,
        q=q,
    )


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
