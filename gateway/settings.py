"""Settings of the gateway (environment prefix ``GATEWAY_``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import AppSettings


class Settings(AppSettings):
    app_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    projects_url: str = "http://127.0.0.1:8001"
    funding_url: str = "http://127.0.0.1:8002"
    evaluation_url: str = "http://127.0.0.1:8003"
    backend_timeout_seconds: float = Field(default=10.0, gt=0)
    backend_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    backend_max_connections: int = Field(default=100, ge=1)
    api_key_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a verified key is trusted before re-reading it."
    )
    backend_transport: Literal["httpx", "aiohttp"] = Field(
        default="aiohttp",
        description="HTTP transport to the backends: httpx's own or aiohttp behind the httpx API.",
    )
    request_deadline_seconds: float = Field(
        default=15.0, gt=0, description="Overall time for one public request, split among parts."
    )
    retry_attempts: int = Field(default=2, ge=0, le=5, description="Retries of safe requests.")
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(
        default=10.0, gt=0, description="Longest an open circuit waits before a trial call."
    )
    readiness_probe_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Bound on each backend's readiness probe in /health/ready, as a whole.",
    )
    breaker_probe_seconds: float = Field(
        default=0.25,
        gt=0,
        description="How often an open circuit's backend readiness is probed (jittered); the "
        "circuit goes half-open as soon as it answers.",
    )
    rate_limit_requests: int = Field(default=1200, ge=1, description="Per API key per window.")
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    auth_failure_limit: int = Field(
        default=30,
        ge=1,
        description="Failed authentications per client address per rate-limit window before "
        "the address gets 429 (GATEWAY_AUTH_FAILURE_LIMIT).",
    )
    redis_url: str | None = Field(
        default=None, description="Shared rate-limit counts across replicas (GATEWAY_REDIS_URL)."
    )
    bootstrap_admin_key: SecretStr | None = Field(
        default=None,
        description="An admin API key accepted from start (GATEWAY_BOOTSTRAP_ADMIN_KEY).",
    )

    def backend_urls(self) -> dict[str, str]:
        return {
            "projects": self.projects_url,
            "funding": self.funding_url,
            "evaluation": self.evaluation_url,
        }

    def production_problems(self) -> list[str]:
        key = self.bootstrap_admin_key
        if key is not None and len(key.get_secret_value()) < 32:
            return ["GATEWAY_BOOTSTRAP_ADMIN_KEY is shorter than 32 characters"]
        return []
