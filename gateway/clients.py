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
from shared.context import REQUEST_ID_HEADER, current_request_id
from shared.problems import ProblemError, backend_error, backend_timeout, backend_unavailable

logger = logging.getLogger("sdgc.gateway.backends")

# A retry is not started with less time than this left: it could only time out.
MIN_RETRY_SECONDS = 0.05
# A timeout with no more than this left of the request's deadline is the deadline's doing.
DEADLINE_SLACK = 0.01


@dataclass(slots=True)
class Backend:
    name: str
    base_url: str
    client: httpx.AsyncClient  # shares the transport's pool; serves the readiness probes
    breaker: CircuitBreaker
    transport: httpx.AsyncBaseTransport
    retry_attempts: int = 2
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

    def _request(self, call: BackendCall, budget: float) -> httpx.Request:
        """One attempt's request as it will go out — the request id and, for an identity, a
        signature of its own (a retry is never taken for a replay); 400 when what it carries
        cannot be sent (a header value that is not ASCII, say): the client's to fix."""
        limits = httpx.Timeout(budget, connect=min(budget, self.connect_timeout_seconds))
        try:
            request = httpx.Request(
                call.method,
                self._target(call.url, call.params),
                headers=call.headers,
                content=call.content,
                extensions={"timeout": limits.as_dict()},
            )
        except (UnicodeEncodeError, httpx.InvalidURL, ValueError) as exc:
            raise ProblemError(
                400,
                f"the request cannot be passed on to the {self.name} service: {exc}",
                type_="unsendable-request",
                service=self.name,
            ) from None
        request.headers[REQUEST_ID_HEADER] = current_request_id() or ""
        if call.identity is not None:
            signed = sign_identity(
                self.secret,
                request.method,
                call.signed_path or request.url.path,
                call.identity,
                query=request.url.query,
                body=call.content or b"",
            )
            request.headers.update(signed)
        return request

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self.transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def _attempt(
        self, request: httpx.Request, budget: float, deadline: Deadline
    ) -> httpx.Response:
        """One attempt bounded as a whole by ``budget``; a failure is raised as the problem that
        names it, counted against the breaker unless it says nothing about the backend."""
        try:
            async with asyncio.timeout(budget):
                response = await self._send(request)
        except Exception as exc:
            raise self._failure(exc, budget, deadline) from None
        except BaseException:  # cancelled: the outcome says nothing about the backend
            self.breaker.record_inconclusive()
            raise
        # It answered, so it is reachable: the breaker tracks reachability, while a 502/503/504
        # answer (its own dependency down, say) is only worth a retry.
        self.breaker.record_success()
        return response

    def _failure(self, exc: Exception, budget: float, deadline: Deadline) -> ProblemError:
        """What a failed attempt means, in the manner of httpx's ``map_exceptions``: refused,
        reset or hung up → 503; timed out → 504 (the deadline's doing when it has run out, which
        leaves the breaker alone); anything else, an answer no HTTP client could read → 502."""
        if isinstance(exc, httpx.TimeoutException) and _refused(exc):
            problem = backend_unavailable(self.name)
        elif isinstance(exc, httpx.TimeoutException | TimeoutError):
            if budget < self.timeout_seconds and deadline.remaining() <= DEADLINE_SLACK:
                self.breaker.record_inconclusive()
                return backend_timeout(self.name)
            problem = backend_timeout(self.name)
        elif isinstance(exc, httpx.TransportError):
            logger.warning("backend %s unreachable: %s", self.name, type(exc).__name__)
            problem = backend_unavailable(self.name)
        else:
            logger.warning("backend %s answered unreadably: %r", self.name, exc)
            problem = backend_error(
                self.name, f"the {self.name} service gave an answer the gateway could not read"
            )
        self._failed()
        return problem

    async def _budget(self, attempt: int, deadline: Deadline) -> float | None:
        """The time one attempt may take (after the backoff of a retry), or None when the
        deadline leaves no time worth starting it."""
        if attempt > 1 and not await deadline.sleep(backoff_delay(attempt - 1)):
            return None
        remaining = deadline.remaining()
        if remaining <= (0 if attempt == 1 else MIN_RETRY_SECONDS):
            return None
        return min(remaining, self.timeout_seconds)

    def _admitted(self, attempt: int) -> bool:
        """Whether the breaker lets this attempt go out (the first attempt raises its 503)."""
        try:
            self.breaker.before_call()
        except ProblemError:
            if attempt == 1:
                raise
            return False  # opened by other calls meanwhile: what this call saw is the answer
        return True

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

        Each attempt is bounded as a whole (not per read) by the backend's own timeout or the
        time left, whichever is shorter, and signed for ``identity`` as it goes out
        (``signed_path``: the decoded path the service will see, by default the URL's). A
        timeout the request's own deadline caused says nothing about the backend and leaves its
        breaker alone; every other failure — refused, reset, timed out, or an answer that is
        not HTTP — counts against it. When retries run out, the backend's last real answer (a
        503, say) is returned rather than a later timeout.
        """
        call = BackendCall(method, url, headers, content, params, identity, signed_path)
        keyed = bool(headers and "idempotency-key" in {k.lower() for k in headers})
        attempts = 1 + (self.retry_attempts if may_retry(method, keyed) else 0)
        last_problem: ProblemError | None = None
        last_answer: httpx.Response | None = None
        for attempt in range(1, attempts + 1):
            budget = await self._budget(attempt, deadline)
            if budget is None:
                break
            request = self._request(call, budget)
            if not self._admitted(attempt):
                break
            try:
                response = await self._attempt(request, budget, deadline)
            except ProblemError as problem:
                last_problem = problem
                continue
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


@dataclass(frozen=True, slots=True)
class BackendCall:
    """What one logical backend call sends, attempt after attempt."""

    method: str
    url: httpx.URL | str
    headers: Mapping[str, str] | None
    content: bytes | None
    params: Mapping[str, Any] | None
    identity: Identity | None
    signed_path: str | None


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
