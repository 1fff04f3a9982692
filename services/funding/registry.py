"""The project registry as this service sees it: "does registry project N exist?" and "in
which country is the Centre seated?".

Funding never imports the projects service; it asks over HTTP with a signed service identity
(scope ``projects:read``) and a timeout. A project that does not exist is a 422 naming the
field; a registry that cannot be reached is a 503 (504 on timeout): an earmark to a project is
never accepted unchecked. The seat's country is read from the Centre's profile; when the
profile has none, or the registry cannot be reached, it is ``FUNDING_SEAT_COUNTRY`` (KZ: the
seat is fixed by the founding resolution), logged. No FastAPI here: routes reach the app's
client through :data:`services.funding.deps.RegistryDep`.
"""

from __future__ import annotations

import logging

from services.funding.settings import Settings
from shared.clients import ServiceClient
from shared.problems import ProblemError, field_problem

logger = logging.getLogger("sdgc.funding.registry")


class Registry:
    def __init__(self, client: ServiceClient, *, seat_country: str = "KZ") -> None:
        self._client = client
        self._seat_country = seat_country

    @classmethod
    def from_settings(cls, settings: Settings) -> Registry:
        return cls(
            ServiceClient(
                "projects",
                settings.projects_url,
                secret=settings.identity_secret.get_secret_value(),
                caller="funding",
                scopes=frozenset({"projects:read"}),
                timeout=settings.projects_timeout_seconds,
            ),
            seat_country=settings.seat_country,
        )

    def close(self) -> None:
        self._client.close()

    def ensure_project(self, project_id: int | None, *, field: str) -> None:
        """Nothing when ``project_id`` is None or exists; 422 when unknown; 503/504 when down."""
        if project_id is None:
            return
        if self._client.get_json(f"/api/v1/projects/{project_id}") is None:
            raise field_problem(
                422,
                field,
                f"project {project_id} does not exist in the regional project registry",
                rule="unknown-project",
            )

    def seat_country(self) -> str:
        """The ISO 3166-1 alpha-2 country of the Centre's seat, from its profile (the setting
        when the profile has none or the registry cannot be reached)."""
        try:
            profile = self._client.get_json("/api/v1/centre")
        except ProblemError as exc:
            logger.warning("Centre profile unavailable (%s); seat country from settings", exc)
            return self._seat_country
        seat = profile.get("seat_country") if isinstance(profile, dict) else None
        if not isinstance(seat, str) or not seat:
            logger.warning("the Centre profile names no seat country; seat country from settings")
            return self._seat_country
        return seat
