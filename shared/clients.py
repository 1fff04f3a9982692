"""Typed service-to-service HTTP: how one service checks another's data.

No service imports another; when funding must know that a registry project exists it asks the
registry through a :class:`ServiceClient` that signs as the calling service, with a timeout.
Every failure becomes a problem that names the service: unreachable → 503, timeout → 504,
an unexpected answer → 502.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth import Identity, SignedIdentityAuth
from shared.context import REQUEST_ID_HEADER, current_request_id
from shared.problems import backend_error, backend_timeout, backend_unavailable


class ServiceClient:
    """A small synchronous client for one backend service."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        secret: str,
        caller: str,
        scopes: frozenset[str],
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            auth=SignedIdentityAuth(
                secret, Identity(key_id=f"service:{caller}", actor=caller, scopes=scopes)
            ),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        try:
            return self._client.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise backend_timeout(self.service) from None
        except httpx.TransportError:
            raise backend_unavailable(self.service) from None

    def get_json(self, path: str, **kwargs: Any) -> Any | None:
        """The JSON body of a GET, or None on 404; other failures are problems."""
        response = self.request("GET", path, **kwargs)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise backend_error(
                self.service, f"the {self.service} service answered {response.status_code}"
            )
        return response.json()
