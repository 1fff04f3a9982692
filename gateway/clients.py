"""One pooled transport per backend service, made in the gateway's lifespan, and the one way the
gateway calls a backend (:meth:`Backend.call`): circuit breaker, deadline, retries, and failures
turned into problems that name the service.

Calls build an ``httpx.Request`` and hand it to the backend's transport (aiohttp's behind the
httpx API by default, or httpx's own): the ``AsyncClient`` layers above it — base-URL merging,
cookie jars, redirects, auth flows — cost more CPU per call than the transport and do nothing
a backend call needs (measured: about half of the gateway's CPU per dossier). The backend's
``AsyncClient`` shares the same pool and serves readiness probes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.resilience import (
    RETRYABLE_STATUSES,
    CircuitBreaker,
    Deadline,
    backoff_delay,
    may_retry,
)
from gateway.settings import Settings
from shared.problems import ProblemError

logger = logging.getLogger("sdgc.gateway.backends")


@dataclass(slots=True)
class Backend:
    name: str
    base_url: str
    client: httpx.AsyncClient
    breaker: CircuitBreaker
    retry_attempts: int = 2
    transport: httpx.AsyncBaseTransport | None = None  # None: the client's own

    def _target(self, url: httpx.URL | str, params: Mapping[str, Any] | None) -> httpx.URL:
        """``url`` on this backend: a relative one (path and query) is appended to the base URL
        the way ``httpx.AsyncClient`` merges them, without parsing the result again."""
        target = url if isinstance(url, httpx.URL) else httpx.URL(url)
        if target.is_relative_url:
            base = httpx.URL(self.base_url)
            target = base.copy_with(raw_path=base.raw_path.rstrip(b"/") + target.raw_path)
        return target.copy_merge_params(params) if params else target

    async def _send(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        params: Mapping[str, Any] | None,
        limits: httpx.Timeout,
    ) -> httpx.Response:
        if self.transport is None:
            return await self.client.request(
                method, url, headers=headers, content=content, params=params, timeout=limits
            )
        request = httpx.Request(
            method,
            self._target(url, params),
            headers=headers,
            content=content,
            extensions={"timeout": limits.as_dict()},
        )
        response = await self.transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def call(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        deadline: Deadline,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """One logical backend call: may retry safe requests within ``deadline``."""
        retryable = may_retry(
            method, bool(headers and "idempotency-key" in {k.lower() for k in headers})
        )
        attempts = 1 + (self.retry_attempts if retryable else 0)
        last_problem: ProblemError | None = None
        for attempt in range(1, attempts + 1):
            if attempt > 1 and not await deadline.sleep(backoff_delay(attempt - 1)):
                break
            remaining = deadline.remaining()
            if remaining <= 0:
                break
            self.breaker.before_call()
            try:
                response = await self._send(
                    method,
                    url,
                    headers=headers,
                    content=content,
                    params=params,
                    limits=httpx.Timeout(remaining, connect=min(remaining, 2.0)),
                )
            except httpx.TimeoutException as exc:
                self.breaker.record_failure()
                if _refused(exc):
                    last_problem = _unavailable(self.name)
                    continue
                last_problem = ProblemError(
                    504,
                    f"the {self.name} service did not answer in time",
                    type_="backend-timeout",
                    service=self.name,
                )
                continue
            except httpx.TransportError as exc:
                self.breaker.record_failure()
                logger.warning("backend %s unreachable: %s", self.name, type(exc).__name__)
                last_problem = _unavailable(self.name)
                continue
            # It answered, so it is reachable: the breaker tracks reachability, while a 502/503/504
            # answer (its own dependency down, say) is only worth a retry.
            self.breaker.record_success()
            if response.status_code in RETRYABLE_STATUSES and attempt < attempts:
                continue
            return response
        raise last_problem or ProblemError(
            504,
            f"no time left to call the {self.name} service",
            type_="deadline-exceeded",
            service=self.name,
        )


def _unavailable(name: str) -> ProblemError:
    return ProblemError(
        503,
        f"the {name} service is unavailable",
        type_="backend-unavailable",
        service=name,
    )


def _refused(exc: httpx.TimeoutException) -> bool:
    """A refused, reset or hung-up connection that the aiohttp transport reports as a timeout.

    httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` — ``ClientConnectorError``
    (connection refused) and ``ServerDisconnectedError`` (closed without an answer) included —
    to ``httpx.ConnectTimeout``; the cause tells a connection failure (an ``OSError`` or an
    aiohttp connection error that is not a ``TimeoutError``) from a real timeout, so a backend
    that is down is 503 "unavailable", not 504, whichever transport is in use.
    """
    cause = exc.__cause__
    return isinstance(cause, OSError | aiohttp.ClientConnectionError) and not isinstance(
        cause, TimeoutError
    )


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
            if transport is None:
                transport = (
                    AiohttpTransport(limits=limits)
                    if settings.backend_transport == "aiohttp"
                    else httpx.AsyncHTTPTransport(limits=limits)
                )
            backends[name] = Backend(
                name=name,
                base_url=url,
                client=httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport),
                transport=transport,
                breaker=CircuitBreaker(
                    name,
                    failure_threshold=settings.breaker_failure_threshold,
                    reset_seconds=settings.breaker_reset_seconds,
                ),
                retry_attempts=settings.retry_attempts,
            )
        return cls(backends)

    def __getitem__(self, name: str) -> Backend:
        return self._backends[name]

    def __iter__(self) -> Iterator[Backend]:
        return iter(self._backends.values())

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.client.aclose()
