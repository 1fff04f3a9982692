"""One pooled ``httpx.AsyncClient`` per backend service, made in the gateway's lifespan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from gateway.settings import Settings


@dataclass(slots=True)
class Backend:
    name: str
    base_url: str
    client: httpx.AsyncClient


class Backends:
    def __init__(self, backends: Mapping[str, Backend]) -> None:
        self._backends = dict(backends)

    @classmethod
    def from_settings(
        cls, settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
    ) -> Backends:
        timeout = httpx.Timeout(
            settings.backend_timeout_seconds, connect=settings.backend_connect_timeout_seconds
        )
        limits = httpx.Limits(
            max_connections=settings.backend_max_connections,
            max_keepalive_connections=settings.backend_max_connections,
        )
        backends = {}
        for name, url in settings.backend_urls().items():
            transport = (transports or {}).get(name)
            backends[name] = Backend(
                name=name,
                base_url=url,
                client=httpx.AsyncClient(
                    base_url=url, timeout=timeout, limits=limits, transport=transport
                ),
            )
        return cls(backends)

    def __getitem__(self, name: str) -> Backend:
        return self._backends[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._backends.values())

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.client.aclose()
