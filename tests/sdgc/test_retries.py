"""Retries: bounded, full-jitter backoff, Retry-After honoured, only where a repeat is safe.

A scripted FastAPI app served by a real uvicorn answers what each test lines up; the client's
sleep is injected, so no test waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sdgc import ApiError, AsyncClient, Client, RetryPolicy, TransportError
from tests.support.server import free_port, serve_in_thread

PROBLEM = "application/problem+json"


@dataclass
class Script:
    """Answers to give, in order (then 200s), and the requests seen."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    seen: list[tuple[str, str | None]] = field(default_factory=list)

    def next(self, request: Request) -> JSONResponse:
        self.seen.append((request.method, request.headers.get("idempotency-key")))
        if self.answers:
            status, headers = self.answers.pop(0)
            body = {"type": "urn:sdgc:problem:busy", "title": "Busy", "status": status}
            return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)
        return JSONResponse({"id": 1, "amount": "2.50"}, status_code=200)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Script]]:
    script = Script()
    app = FastAPI()

    @app.api_route("/api/v1/contributors", methods=["GET", "POST"])
    async def contributors(request: Request) -> Any:
        return script.next(request)

    @app.api_route("/api/v1/contributors/{contributor_id}", methods=["GET", "PATCH"])
    async def contributor(request: Request, contributor_id: int) -> Any:
        return script.next(request)

    with serve_in_thread(app) as url:
        yield url, script


@pytest.fixture
def script(served: tuple[str, Script]) -> Script:
    served[1].answers.clear()
    served[1].seen.clear()
    return served[1]


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(served: tuple[str, Script], slept: list[float]) -> Iterator[Client]:
    with Client(served[0], api_key="k", sleep=slept.append, rand=lambda: 1.0) as sdgc:
        yield sdgc


def test_a_429_is_retried_after_the_seconds_retry_after_gives(
    client: Client, script: Script, slept: list[float]
) -> None:
    script.answers = [(429, {"Retry-After": "7"})]
    assert client.contributors.get(1)["amount"] == Decimal("2.50")
    assert slept == [7.0] and len(script.seen) == 2


def test_retry_after_as_an_http_date_is_honoured(
    script: Script, served: tuple[str, Script]
) -> None:
    slept: list[float] = []
    date = email.utils.formatdate(1_000_030, usegmt=True)
    script.answers = [(503, {"Retry-After": date})]
    with Client(served[0], api_key="k", sleep=slept.append, clock=lambda: 1_000_000.0) as sdgc:
        sdgc.contributors.get(1)
    assert slept == [30.0]


def test_a_503_without_retry_after_backs_off_exponentially_with_full_jitter(
    client: Client, script: Script, slept: list[float]
) -> None:
    script.answers = [(503, {}), (503, {}), (503, {})]
    client.contributors.get(1)
    assert slept == [0.5, 1.0, 2.0]  # rand() = 1.0: the top of each window


def test_attempts_are_bounded_and_the_last_problem_is_raised(
    client: Client, script: Script, slept: list[float]
) -> None:
    script.answers = [(503, {})] * 4
    with pytest.raises(ApiError) as refused:
        client.contributors.get(1)
    assert (refused.value.status, refused.value.rule) == (503, "busy")
    assert len(script.seen) == RetryPolicy().attempts and len(slept) == 3


def test_a_create_is_retried_with_the_same_generated_idempotency_key(
    client: Client, script: Script
) -> None:
    script.answers = [(503, {"Retry-After": "1"}), (429, {"Retry-After": "1"})]
    client.contributors.create({"name": "Norway", "type": "member_state"})
    keys = {key for _, key in script.seen}
    assert len(script.seen) == 3 and len(keys) == 1 and None not in keys


def test_an_update_without_a_key_is_not_retried(
    client: Client, script: Script, slept: list[float]
) -> None:
    script.answers = [(503, {"Retry-After": "1"})]
    with pytest.raises(ApiError):
        client.contributors.update(1, {"country": "NO"}, if_match='"x"')
    assert len(script.seen) == 1 and slept == []


def test_an_unreachable_api_is_retried_then_raised() -> None:
    slept: list[float] = []
    url = f"http://127.0.0.1:{free_port()}"
    with (
        Client(url, api_key="k", sleep=slept.append, rand=lambda: 0.5) as sdgc,
        pytest.raises(TransportError),
    ):
        sdgc.contributors.get(1)
    assert slept == [0.25, 0.5, 1.0]


def test_the_async_client_retries_the_same_way(script: Script, served: tuple[str, Script]) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def scenario() -> Any:
        async with AsyncClient(served[0], api_key="k", sleep=sleep) as sdgc:
            return await sdgc.contributors.get(1)

    script.answers = [(429, {"Retry-After": "3"})]
    assert asyncio.run(scenario())["id"] == 1
    assert slept == [3.0]


def test_path_parameters_are_percent_encoded_so_they_stay_one_segment(
    client: Client, script: Script
) -> None:
    with pytest.raises(ApiError) as refused:
        client.contributors.get("1/../2")  # type: ignore[arg-type]
    assert refused.value.status in (404, 422) and script.seen == []
