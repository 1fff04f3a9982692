"""The project registry as this service sees it: "does registry project N exist?".

Funding never imports the projects service; it asks over HTTP with a signed service identity
(scope ``projects:read``) and a timeout. A project that does not exist is a 422 naming the
field; a registry that cannot be reached is a 503 (504 on timeout): an earmark to a project is
never accepted unchecked. No FastAPI here: routes reach the app's client through
:data:`services.funding.deps.RegistryDep`.
"""

from __future__ import annotations

from services.funding.settings import Settings
from shared.clients import ServiceClient
from shared.problems import field_problem


class Registry:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

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
            )
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
