"""Settings of the biennial evaluation tracking (environment prefix ``EVALUATION_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import AppSettings


class Settings(AppSettings):
    app_name: ClassVar[str] = "evaluation"
    default_port: ClassVar[int] = 8003
    model_config = SettingsConfigDict(
        env_prefix="EVALUATION_", extra="ignore", populate_by_name=True
    )
