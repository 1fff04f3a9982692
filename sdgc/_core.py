"""The generic core: encode a declared call, send it with retries, decode or raise.

Everything the families share lives here once: query and body encoding (Decimal and dates as
strings, never floats), the automatic Idempotency-Key on creates, retries with full-jitter
backoff honouring ``Retry-After`` (only for idempotent methods and keyed POSTs), problem+json
mapped to :class:`~sdgc.errors.ApiError`, decimal strings decoded to :class:`~decimal.Decimal`
and cursor pagination. :class:`SyncCore` and :class:`AsyncCore` differ only in how they wait.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

import httpx

from sdgc._decimals import DECIMAL_FIELDS
from sdgc._ops import Call, RawAnswer, Record
from sdgc.errors import ApiError, TransportError

RETRY_STATUSES = frozenset({429, 503})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
JSON_MEDIA = "application/json"
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts; the n-th retry waits ``Retry-After`` when the answer gives one, else a
    uniformly random time in ``[0, min(cap, base * 2**n)]`` (full jitter)."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 20.0
    max_retry_after: float = 120.0

    def delay(self, retry: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return float(rand() * min(self.cap, self.base * 2.0**retry))


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def _plain(value: Any) -> Any:
    """A value JSON and query strings can carry: Decimals and dates as strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    raise TypeError(f"{type(value).__name__} cannot be sent")


QueryPairs = list[tuple[str, str | int | float | bool | None]]


def encode_query(query: dict[str, Any]) -> QueryPairs:
    pairs: QueryPairs = []
    for name, value in query.items():
        for item in value if isinstance(value, list | tuple | set | frozenset) else [value]:
            pairs.append((name, item if isinstance(item, str) else _query_value(item)))
    return pairs


def _query_value(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return str(_plain(value))


def encode_body(call: Call) -> tuple[bytes | None, dict[str, str]]:
    """The request body and its content type: bytes or text as given (XML, CSV), else JSON."""
    body = call.body
    if body is None:
        return None, {}
    if isinstance(body, bytes | str):
        data = body.encode() if isinstance(body, str) else body
        return data, {"Content-Type": call.spec.content_type or "application/octet-stream"}
    return json.dumps(body, default=_plain).encode(), {"Content-Type": JSON_MEDIA}


def decode_decimals(value: Any, key: str | None = None) -> Any:
    """Decimal strings of the suite's money and rate fields become :class:`Decimal`."""
    if isinstance(value, dict):
        if key in DECIMAL_FIELDS:  # a mapping of decimals by kind
            return {k: decode_decimals(v, key) for k, v in value.items()}
        return {k: decode_decimals(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_decimals(v, key) for v in value]
    if isinstance(value, str) and key in DECIMAL_FIELDS and DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    return value


def may_retry(method: str, headers: dict[str, str]) -> bool:
    return method in SAFE_METHODS or (method == "POST" and "Idempotency-Key" in headers)


@dataclass
class Prepared:
    """One call as HTTP: method, path, query, body, headers."""

    method: str
    path: str
    params: QueryPairs
    content: bytes | None
    headers: dict[str, str]

    @classmethod
    def of(cls, call: Call, cursor: str | None = None) -> Prepared:
        headers = dict(call.headers)
        if call.spec.kind == "create" and "Idempotency-Key" not in headers:
            headers["Idempotency-Key"] = f"sdgc-{uuid.uuid4()}"
        content, content_headers = encode_body(call)
        headers.update(content_headers)
        query = dict(call.query)
        if cursor is not None:
            query["cursor"] = cursor
        return cls(call.spec.method, call.path, encode_query(query), content, headers)

    def with_cursor(self, cursor: str) -> Prepared:
        params: QueryPairs = [(k, v) for k, v in self.params if k != "cursor"]
        params.append(("cursor", cursor))
        return Prepared(self.method, self.path, params, self.content, self.headers)


def result_of(call: Call, response: httpx.Response) -> Any:
    """The decoded answer of a successful response, or raises :class:`ApiError`."""
    headers = dict(response.headers)
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise ApiError.from_answer(response.status_code, body, headers, response.text)
    if call.spec.kind == "raw":
        media = response.headers.get("content-type", "").split(";")[0].strip()
        return RawAnswer(response.content, media)
    if call.spec.kind == "array":
        return [Record(item) for item in decode_decimals(response.json())]
    if not response.content:
        return Record()
    record = Record(decode_decimals(response.json()))
    record.etag = response.headers.get("etag")
    record.location = response.headers.get("location")
    record.replayed = response.headers.get("idempotent-replayed") == "true"
    return record


class _Base:
    def __init__(
        self,
        *,
        retry: RetryPolicy,
        rand: Callable[[], float],
        clock: Callable[[], float],
    ) -> None:
        self.retry = retry
        self.rand = rand
        self.clock = clock

    def wait_before(self, prepared: Prepared, attempt: int, outcome: Any) -> float | None:
        """Seconds to wait before retrying after ``outcome`` (a response or a transport
        error), or None when the call must not be retried."""
        if attempt + 1 >= self.retry.attempts or not may_retry(prepared.method, prepared.headers):
            return None
        if isinstance(outcome, httpx.Response):
            if outcome.status_code not in RETRY_STATUSES:
                return None
            after = retry_after_seconds(outcome.headers.get("retry-after"), self.clock)
            return self.retry.delay(attempt, after, self.rand)
        return self.retry.delay(attempt, None, self.rand)


class SyncCore(_Base):
    """Sends calls through an :class:`httpx.Client`; ``sleep`` is injectable for tests."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(retry=retry or RetryPolicy(), rand=rand, clock=clock)
        self.http = http
        self.sleep = sleep

    def send(self, prepared: Prepared) -> httpx.Response:
        attempt = 0
        while True:
            outcome: httpx.Response | httpx.TransportError
            try:
                outcome = self.http.request(
                    prepared.method,
                    prepared.path,
                    params=prepared.params,
                    content=prepared.content,
                    headers=prepared.headers,
                )
            except httpx.TransportError as exc:
                outcome = exc
            wait = self.wait_before(prepared, attempt, outcome)
            if wait is None:
                if isinstance(outcome, httpx.TransportError):
                    raise TransportError(prepared.method, prepared.path, repr(outcome)) from outcome
                return outcome
            self.sleep(wait)
            attempt += 1

    def run(self, call: Call) -> Any:
        if call.spec.kind == "pages":
            return self._pages(call)
        return result_of(call, self.send(Prepared.of(call)))

    def _pages(self, call: Call) -> Iterator[Record]:
        prepared = Prepared.of(call)
        while True:
            page = result_of(call, self.send(prepared))
            for item in page["items"]:
                yield Record(item)
            if not page.get("next_cursor"):
                return
            prepared = prepared.with_cursor(page["next_cursor"])


class AsyncCore(_Base):
    """Sends calls through an :class:`httpx.AsyncClient`; ``sleep`` is injectable for tests."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(retry=retry or RetryPolicy(), rand=rand, clock=clock)
        self.http = http
        self.sleep = sleep

    async def send(self, prepared: Prepared) -> httpx.Response:
        attempt = 0
        while True:
            outcome: httpx.Response | httpx.TransportError
            try:
                outcome = await self.http.request(
                    prepared.method,
                    prepared.path,
                    params=prepared.params,
                    content=prepared.content,
                    headers=prepared.headers,
                )
            except httpx.TransportError as exc:
                outcome = exc
            wait = self.wait_before(prepared, attempt, outcome)
            if wait is None:
                if isinstance(outcome, httpx.TransportError):
                    raise TransportError(prepared.method, prepared.path, repr(outcome)) from outcome
                return outcome
            await self.sleep(wait)
            attempt += 1

    def run(self, call: Call) -> Any:
        if call.spec.kind == "pages":
            return self._pages(call)
        return self._one(call)

    async def _one(self, call: Call) -> Any:
        return result_of(call, await self.send(Prepared.of(call)))

    async def _pages(self, call: Call) -> AsyncIterator[Record]:
        prepared = Prepared.of(call)
        while True:
            page = result_of(call, await self.send(prepared))
            for item in page["items"]:
                yield Record(item)
            if not page.get("next_cursor"):
                return
            prepared = prepared.with_cursor(page["next_cursor"])
