"""The regional project registry app (paragraphs 1-7): ``create_app(settings=None)``."""

from __future__ import annotations

from fastapi import FastAPI

from services.projects import api
from services.projects.models import common_tables
from services.projects.settings import Settings
from shared.app import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        settings=settings or Settings(),
        title="SDG Centre — regional project registry",
        description="Projects, organisations, SDG alignment, results, the comprehensive action "
        "plan and IATI 2.03 exchange.",
        common_tables=common_tables,
        routers=api.routers,
    )
