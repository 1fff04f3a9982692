"""The funding app's own route dependencies: the scopes its routes require, who is acting, and
typed access to the state ``create_app`` builds (:class:`FundingState`: the registry client).

Routers take these from here, never from one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.funding.registry import Registry
from shared.auth import require_scope
from shared.uow import UnitOfWork

READ = require_scope("funding:read")
WRITE = require_scope("funding:write")
# Every report: read by the funding staff or by a reports reader (the gateway's annual report).
REPORTS = require_scope("funding:read", "reports:read")


def actor_of(uow: UnitOfWork) -> str:
    return uow.identity.actor or uow.identity.key_id


@dataclass(frozen=True, slots=True)
class FundingState:
    """What the funding app holds for its whole life, built once in ``create_app`` and kept on
    ``app.state.funding``."""

    registry: Registry


async def get_state(request: Request) -> FundingState:
    state: FundingState = request.app.state.funding
    return state


StateDep = Annotated[FundingState, Depends(get_state)]


async def get_registry(state: StateDep) -> Registry:
    return state.registry


RegistryDep = Annotated[Registry, Depends(get_registry)]
