"""Settings of the regional project registry (environment prefix ``PROJECTS_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import AppSettings


class Settings(AppSettings):
    app_name: ClassVar[str] = "projects"
    default_port: ClassVar[int] = 8001
    model_config = SettingsConfigDict(env_prefix="PROJECTS_", extra="ignore", populate_by_name=True)
