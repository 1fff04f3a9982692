"""The biennial evaluation tracking app (paragraph 11): ``create_app(settings=None)``."""

from __future__ import annotations

from fastapi import FastAPI

from services.evaluation.api import routers
from services.evaluation.models import common_tables
from services.evaluation.settings import Settings
from shared.app import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        settings=settings or Settings(),
        title="SDG Centre — biennial evaluation tracking",
        description="Biennial evaluation cycles from 2028, evaluations, evaluator independence, "
        "recommendations, management responses and follow-up actions.",
        common_tables=common_tables,
        routers=routers,
    )
