"""The typed state every app keeps (settings, database, common tables, metrics), built once
by ``build_app`` and read through :func:`core_of` / :data:`AppCoreDep`, never as untyped
``request.app.state`` attributes. Each app keeps its own state beside it the same way (the
gateway's ``GatewayState``, the services' ``deps.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from shared.db import Database
from shared.settings import AppSettings
from shared.tables import CommonTables


@dataclass(frozen=True, slots=True)
class AppCore:
    settings: AppSettings
    database: Database
    common_tables: CommonTables
    metrics_registry: CollectorRegistry


def core_of(app: Starlette) -> AppCore:
    core = app.state.core
    assert isinstance(core, AppCore)
    return core


async def app_core(request: Request) -> AppCore:
    return core_of(request.app)


AppCoreDep = Annotated[AppCore, Depends(app_core)]
