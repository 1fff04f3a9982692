"""The voluntary-funding ledger app (paragraphs 8-10): ``create_app(settings=None)``."""

from __future__ import annotations

from fastapi import FastAPI

from services.funding.api import routers
from services.funding.models import common_tables
from services.funding.settings import Settings
from shared.app import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        settings=settings or Settings(),
        title="SDG Centre — voluntary-funding ledger",
        description="Contributors, pledges, agreements, contributions, exchange rates, the "
        "double-entry journal, allocations, expenditures and sources-and-uses reports.",
        common_tables=common_tables,
        routers=routers,
    )
