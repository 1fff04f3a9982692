"""Settings base shared by the four apps.

Each app subclasses :class:`AppSettings` with its own environment prefix (``PROJECTS_``,
``FUNDING_``, ``EVALUATION_``, ``GATEWAY_``). The HMAC secret that binds the gateway to the
services is one variable for the whole suite, ``SDGC_IDENTITY_SECRET``.

Production refuses to start on SQLite or on the development secret: the defaults exist so that
``make run`` works on a fresh machine, never so that a deployment forgets to configure itself.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_IDENTITY_SECRET = "development-only-identity-secret-change-me"  # noqa: S105

Environment = Literal["development", "test", "production"]


class InsecureSettingsError(ValueError):
    """Raised when production settings keep an insecure default."""


class AppSettings(BaseSettings):
    """Settings every app has. Subclasses set ``app_name`` and ``model_config``'s prefix."""

    app_name: ClassVar[str] = "app"
    default_port: ClassVar[int] = 8000

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    environment: Environment = "development"
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; defaults to a SQLite file under ./var named after the app.",
    )
    identity_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_IDENTITY_SECRET),
        validation_alias=AliasChoices("SDGC_IDENTITY_SECRET", "identity_secret"),
    )
    identity_secret_previous: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SDGC_IDENTITY_SECRET_PREVIOUS", "identity_secret_previous"),
        description="Also accepted while a new identity secret is rolled out (services only).",
    )
    identity_max_age_seconds: int = Field(default=30, ge=1, le=600)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by the app's replicas (services: nonces of signed requests; "
        "the gateway: rate limits too). Without it the app's own database serves.",
    )
    log_level: str = "INFO"
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)

    @model_validator(mode="after")
    def _fill_defaults_and_guard_production(self) -> Self:
        if not self.database_url:
            self.database_url = f"sqlite:///var/{self.app_name}.db"
        if self.environment == "production":
            problems = []
            if self.database_url.startswith("sqlite"):
                problems.append("database_url points at SQLite")
            if self.identity_secret.get_secret_value() == DEVELOPMENT_IDENTITY_SECRET:
                problems.append("SDGC_IDENTITY_SECRET is the development default")
            elif len(self.identity_secret.get_secret_value()) < 32:
                problems.append("SDGC_IDENTITY_SECRET is shorter than 32 characters")
            problems.extend(self.production_problems())
            if problems:
                raise InsecureSettingsError(
                    f"{self.app_name}: refusing to start in production: " + "; ".join(problems)
                )
        return self

    def production_problems(self) -> list[str]:
        """Extra insecure-default checks of a subclass (empty when all is well)."""
        return []

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
