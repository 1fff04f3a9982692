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

import asyncio
import logging
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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
from shared.auth import Identity, sign_identity
from shared.problems import ProblemError

logger = logging.getLogger("sdgc.gateway.backends")

# A retry is not started with less time than this left: it could only time out.
MIN_RETRY_SECONDS = 0.05
# A timeout with no more than this left of the request's deadline is the deadline's doing.
DEADLINE_SLACK = 0.01


@dataclass(slots=True)
class Backend:
    name: str
    base_url: str
    client: httpx.AsyncClient
    breaker: CircuitBreaker
    retry_attempts: int = 2
    transport: httpx.AsyncBaseTransport | None = None  # None: the client's own
    timeout_seconds: float = 10.0  # one attempt, as a whole
    connect_timeout_seconds: float = 2.0
    secret: str = ""  # the identity secret every call is signed with
    probe_seconds: float = 0.25  # how often an open circuit's backend is probed
    _probe: asyncio.Task[None] | None = field(default=None, repr=False)

    def _failed(self) -> None:
        """Count a failure; when the circuit is open, probe the backend's readiness until it
        answers, so that the circuit goes half-open as soon as the backend is back."""
        self.breaker.record_failure()
        if self.breaker.opened_at is not None and (self._probe is None or self._probe.done()):
            self._probe = asyncio.get_running_loop().create_task(self._probe_until_ready())

    async def _probe_until_ready(self) -> None:
        while self.breaker.state == "open":
            await asyncio.sleep(self.probe_seconds * random.uniform(0.5, 1.5))  # noqa: S311
            try:
                answer = await self.client.get(
                    "/health/ready", timeout=min(1.0, self.connect_timeout_seconds)
                )
            except Exception:  # refused, timed out, not HTTP: not back yet  # noqa: S112
                continue
            if answer.status_code == 200:
                self.breaker.record_reachable()
                return

    def _target(self, url: httpx.URL | str, params: Mapping[str, Any] | None) -> httpx.URL:
        """``url`` on this backend: a relative one (path and query) is appended to the base URL
        the way ``httpx.AsyncClient`` merges them, without parsing the result again."""
        target = url if isinstance(url, httpx.URL) else httpx.URL(url)
        if target.is_relative_url:
            base = httpx.URL(self.base_url)
            target = base.copy_with(raw_path=base.raw_path.rstrip(b"/") + target.raw_path)
        return target.copy_merge_params(params) if params else target

    def _request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        params: Mapping[str, Any] | None,
        limits: httpx.Timeout,
    ) -> httpx.Request:
        """The request as it will go out; 400 when what it carries cannot be sent (a header
        value that is not ASCII, say) — the client's to fix, nothing the backend did."""
        try:
            if self.transport is None:
                return self.client.build_request(
                    method, url, headers=headers, content=content, params=params, timeout=limits
                )
            return httpx.Request(
                method,
                self._target(url, params),
                headers=headers,
                content=content,
                extensions={"timeout": limits.as_dict()},
            )
        except (UnicodeEncodeError, httpx.InvalidURL, ValueError) as exc:
            raise ProblemError(
                400,
                f"the request cannot be passed on to the {self.name} service: {exc}",
                type_="unsendable-request",
                service=self.name,
            ) from None

    async def _send(self, request: httpx.Request) -> httpx.Response:
        if self.transport is None:
            return await self.client.send(request)
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
        identity: Identity | None = None,
        signed_path: str | None = None,
    ) -> httpx.Response:
        """One logical backend call: may retry safe requests within ``deadline``.

        With an ``identity``, every attempt is signed as it goes out (method, ``signed_path`` —
        the decoded path the service will see, by default the URL's — query, body, and a nonce
        of its own, so the service accepts a retry that is not a replay).

        Each attempt is bounded as a whole (not per read) by the backend's own timeout or the
        time left, whichever is shorter. A timeout the request's own deadline caused says
        nothing about the backend and leaves its breaker alone; every other failure — refused,
        reset, timed out, or an answer that is not HTTP — counts against it. When retries run
        out, the backend's last real answer (a 503, say) is returned rather than a later
        timeout.
        """
        retryable = may_retry(
            method, bool(headers and "idempotency-key" in {k.lower() for k in headers})
        )
        attempts = 1 + (self.retry_attempts if retryable else 0)
        last_problem: ProblemError | None = None
        last_answer: httpx.Response | None = None
        for attempt in range(1, attempts + 1):
            if attempt > 1 and not await deadline.sleep(backoff_delay(attempt - 1)):
                break
            remaining = deadline.remaining()
            if remaining <= (0 if attempt == 1 else MIN_RETRY_SECONDS):
                break
            budget = min(remaining, self.timeout_seconds)
            limits = httpx.Timeout(budget, connect=min(budget, self.connect_timeout_seconds))
            request = self._request(
                method, url, headers=headers, content=content, params=params, limits=limits
            )
            if identity is not None:
                request.headers.update(
                    sign_identity(
                        self.secret,
                        request.method,
                        signed_path or request.url.path,
                        identity,
                        query=request.url.query,
                        body=content or b"",
                    )
                )
            try:
                self.breaker.before_call()
            except ProblemError:
                if attempt == 1:
                    raise
                break  # opened by other calls meanwhile: what this call saw so far is the answer
            try:
                async with asyncio.timeout(budget):
                    response = await self._send(request)
            except (httpx.TimeoutException, TimeoutError) as exc:
                if isinstance(exc, httpx.TimeoutException) and _refused(exc):
                    self._failed()
                    last_problem = _unavailable(self.name)
                    continue
                if budget < self.timeout_seconds and deadline.remaining() <= DEADLINE_SLACK:
                    # the request's deadline ran out, not the backend's own (connect) timeout
                    self.breaker.record_inconclusive()
                else:
                    self._failed()
                last_problem = ProblemError(
                    504,
                    f"the {self.name} service did not answer in time",
                    type_="backend-timeout",
                    service=self.name,
                )
                continue
            except httpx.TransportError as exc:
                self._failed()
                logger.warning("backend %s unreachable: %s", self.name, type(exc).__name__)
                last_problem = _unavailable(self.name)
                continue
            except Exception as exc:  # an answer no HTTP client could read, say
                self._failed()
                logger.warning("backend %s answered unreadably: %r", self.name, exc)
                last_problem = ProblemError(
                    502,
                    f"the {self.name} service gave an answer the gateway could not read",
                    type_="backend-error",
                    service=self.name,
                )
                continue
            except BaseException:  # cancelled: the outcome says nothing about the backend
                self.breaker.record_inconclusive()
                raise
            # It answered, so it is reachable: the breaker tracks reachability, while a 502/503/504
            # answer (its own dependency down, say) is only worth a retry.
            self.breaker.record_success()
            if response.status_code in RETRYABLE_STATUSES and attempt < attempts:
                last_answer, last_problem = response, None
                continue
            return response
        if last_answer is not None:
            return last_answer
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
                secret=settings.identity_secret.get_secret_value(),
                probe_seconds=settings.breaker_probe_seconds,
                timeout_seconds=settings.backend_timeout_seconds,
                connect_timeout_seconds=settings.backend_connect_timeout_seconds,
            )
        return cls(backends)

    def __getitem__(self, name: str) -> Backend:
        return self._backends[name]

    def __iter__(self) -> Iterator[Backend]:
        return iter(self._backends.values())

    async def aclose(self) -> None:
        for backend in self._backends.values():
            if backend._probe is not None:
                backend._probe.cancel()
            await backend.client.aclose()
