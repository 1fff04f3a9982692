"""Backends that misbehave over a real loopback connection: answers that are not HTTP, pages
that are not JSON, slow answers, trickles and slow 503s — each a clear problem or a part marked
missing, never a 500, a stuck circuit or a request that outlives its deadline."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gateway.deps import gateway_of
from tests.projects.conftest import project_body
from tests.support.clock import ManualClock
from tests.support.server import serve_in_thread


@contextmanager
def _not_http() -> Iterator[str]:
    """A server that reads the request and answers bytes that are not HTTP, each connection in
    a thread of its own (one left open by a client's pool must not keep the next waiting)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"NOT-HTTP garbage\r\n\r\n")

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def _slow(delay: float, status: int = 200, answered: threading.Event | None = None) -> FastAPI:
    """Every GET answers after ``delay``: a one-project page, or a 503 problem (``answered``
    is set when the delay is over)."""
    app = FastAPI()

    @app.get("/api/v1/{path:path}")
    async def anything(path: str) -> JSONResponse:
        await asyncio.sleep(delay)
        if answered is not None:
            answered.set()
        if status != 200:
            body = {"type": "urn:test:dependency-down", "status": status, "detail": "db down"}
            return JSONResponse(body, status_code=status, media_type="application/problem+json")
        items = [{"id": 1, "title": "x"}] if path == "projects" else []
        return JSONResponse({"items": items, "next_cursor": None})

    return app


def _trickle(chunks: int, pause: float, finished: threading.Event | None = None) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/{path:path}")
    async def anything(path: str) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b'{"items": [], "next_cursor": null'
            for _ in range(chunks):
                await asyncio.sleep(pause)
                yield b" "
            if finished is not None:
                finished.set()
            yield b"}"

        return StreamingResponse(body(), media_type="application/json")

    return app


def _html() -> FastAPI:
    app = FastAPI()

    @app.get("/{path:path}")
    async def page(path: str) -> HTMLResponse:
        return HTMLResponse("<html>down for maintenance</html>")

    return app


def test_an_answer_that_is_not_http_is_502_and_the_circuit_recovers(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    clock = ManualClock()
    with _not_http() as url:
        app = make_gateway(
            funding_url=url,
            retry_attempts=0,
            breaker_failure_threshold=1,
            breaker_reset_seconds=0.6,
        )
        with TestClient(app) as gateway:
            gateway_of(app).backends["funding"].breaker.clock = clock
            first = gateway.get("/api/v1/contributors", headers=admin_headers)
            ready = gateway.get("/health/ready")
            clock.advance(0.7)  # half-open: one trial goes through, fails, re-opens
            trial = gateway.get("/api/v1/contributors", headers=admin_headers)
            clock.advance(0.7)  # half-open again: the failed trial did not leave it stuck
            again = gateway.get("/api/v1/contributors", headers=admin_headers)
    assert first.status_code == 502, first.text
    assert first.headers["content-type"] == "application/problem+json"
    assert first.json()["type"].endswith("backend-error")
    assert first.json()["service"] == "funding"
    assert ready.status_code == 200
    assert ready.json()["checks"]["funding"] == "unavailable"
    assert ready.json()["checks"]["funding_circuit"] == "open"
    # Each half-open trial reached the backend (never "circuit-open"): 502 for the garbage, or
    # 503 when the client's pooled connection found the server had already hung up.
    for response in (trial, again):
        assert response.status_code in (502, 503), response.text
        assert not response.json()["type"].endswith("circuit-open"), response.text


@pytest.mark.parametrize("backend", ["not-http", "html-page"])
def test_an_optional_part_that_cannot_be_read_leaves_the_dossier_partial(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str], backend: str
) -> None:
    backend_url = _not_http() if backend == "not-http" else serve_in_thread(_html())
    with backend_url as url, TestClient(make_gateway(evaluation_url=url)) as gateway:
        body = project_body("P-1")
        created = gateway.post("/api/v1/projects", json=body, headers=admin_headers).json()
        dossier = gateway.get(f"/api/v1/dossiers/projects/{created['id']}", headers=admin_headers)
    assert dossier.status_code == 200, dossier.text
    assert dossier.headers["x-sdgc-partial"] == "evaluation"
    assert dossier.json()["evaluation"]["status"] == "error"
    assert dossier.json()["funding"]["status"] == "ok"


def test_the_backend_timeout_bounds_an_attempt(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    answered = threading.Event()
    with serve_in_thread(_slow(5.0, answered=answered)) as url:
        app = make_gateway(funding_url=url, backend_timeout_seconds=0.2, retry_attempts=0)
        with TestClient(app) as gateway:
            response = gateway.get("/api/v1/contributors", headers=admin_headers)
            cut_before_the_answer = not answered.is_set()
    assert response.status_code == 504, response.text
    assert response.json()["type"].endswith("backend-timeout")
    assert cut_before_the_answer  # at the backend's own timeout, long before its answer


def test_a_trickling_answer_is_cut_at_the_request_deadline(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    """One byte every 0.5 s never trips a per-read timeout; the attempt as a whole is bounded."""
    finished = threading.Event()
    with serve_in_thread(_trickle(10, 0.5, finished)) as url:
        app = make_gateway(funding_url=url, request_deadline_seconds=0.8, retry_attempts=0)
        with TestClient(app) as gateway:
            response = gateway.get("/api/v1/contributors", headers=admin_headers)
            cut_before_the_end = not finished.is_set()
    assert response.status_code == 504, response.text
    assert cut_before_the_end  # the whole trickle takes 5 s


def test_a_slow_503_is_relayed_not_turned_into_a_timeout(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    """Retries of a backend that answers 503 slowly run out of time: the client gets the
    backend's own 503, and a backend that answers keeps its circuit closed."""
    with serve_in_thread(_slow(0.4, status=503)) as url:
        app = make_gateway(
            funding_url=url,
            request_deadline_seconds=1.0,
            retry_attempts=2,
            breaker_failure_threshold=1,
        )
        with TestClient(app) as gateway:
            response = gateway.get("/api/v1/contributors", headers=admin_headers)
            circuit = gateway.get("/health/ready").json()["checks"]["funding_circuit"]
    assert response.status_code == 503, response.text
    assert response.json()["type"] == "urn:test:dependency-down"
    assert circuit == "closed"


def test_a_merged_list_spends_one_deadline_across_its_fan_outs(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    """Every backend call takes 1 s and the deadline is 1.6 s: the page fits in it, and so would
    its enrichment with a fresh deadline, but not in what the page left (0.6 s) — the answer
    comes at the deadline, its batch parts marked as timed out. (Margins of 0.6 s either way,
    nothing measured: the parts' status says which deadline they had.)"""
    with serve_in_thread(_slow(1.0)) as url:
        app = make_gateway(
            projects_url=url,
            funding_url=url,
            evaluation_url=url,
            request_deadline_seconds=1.6,
            backend_timeout_seconds=10,
            retry_attempts=0,
        )
        with TestClient(app) as gateway:
            response = gateway.get("/api/v1/dossiers/projects", headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["partial"] is True
    assert response.json()["parts"]["funding"]["status"] == "timeout"


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_header_the_gateway_cannot_pass_on_is_400_and_leaves_the_circuit_alone(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str], transport: str
) -> None:
    """A byte HTTP/1.1 allows but no backend call can carry (obs-text) is the client's error,
    named, not retried, and no failure of the backend: other clients keep being served."""
    app = make_gateway(backend_transport=transport, breaker_failure_threshold=1)
    with TestClient(app) as gateway:
        refused = [
            gateway.get(
                "/api/v1/contributors", headers={**admin_headers, "If-None-Match": b'"\xff"'}
            )
            for _ in range(3)
        ]
        served = gateway.get("/api/v1/contributors", headers=admin_headers)
        ready = gateway.get("/health/ready").json()["checks"]
    for response in refused:
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        (error,) = response.json()["errors"]
        assert error["field"] == "if-none-match" and error["rule"] == "header-not-ascii"
    assert served.status_code == 200, served.text
    assert ready["funding_circuit"] == "closed"


def _trickling_readiness(finished: threading.Event) -> FastAPI:
    app = FastAPI()

    @app.get("/health/ready")
    async def ready() -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b'{"status": "ok"'
            for _ in range(10):
                await asyncio.sleep(0.5)
                yield b" "
            finished.set()
            yield b"}"

        return StreamingResponse(body(), media_type="application/json")

    return app


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_readiness_probes_each_backend_within_a_bounded_time(
    make_gateway: Callable[..., FastAPI], transport: str
) -> None:
    """A backend whose readiness trickles a byte every half second (5 s in all) is reported not
    ready within the probe's bound (1 s) as a whole, not per byte: the gateway answers before
    the backend has finished, so its own probe stays inside the kubelet's timeout."""
    finished = threading.Event()
    with serve_in_thread(_trickling_readiness(finished)) as url:
        app = make_gateway(
            funding_url=url, backend_transport=transport, readiness_probe_seconds=1.0
        )
        with TestClient(app) as gateway:
            ready = gateway.get("/health/ready")
            answered_before_the_backend_finished = not finished.is_set()
    assert ready.status_code == 200
    assert ready.json()["checks"]["funding"] == "unavailable"
    assert answered_before_the_backend_finished


def test_a_backend_refusing_the_gateways_signature_is_a_gateway_error_not_the_keys(
    make_gateway: Callable[..., FastAPI], admin_headers: dict[str, str]
) -> None:
    """Services that refuse the gateway's signed identity (secrets out of step during a
    rotation) are the gateway's failure: never a 403 telling an admin key it lacks a scope."""
    other = SecretStr("another-identity-secret-0123456789abcdef0123")
    with TestClient(make_gateway(identity_secret=other)) as gateway:
        dossier = gateway.get("/api/v1/dossiers/projects/1", headers=admin_headers)
        report = gateway.get("/api/v1/reports/annual/2027", headers=admin_headers)
    assert dossier.status_code == 502, dossier.text
    assert dossier.json()["type"].endswith("backend-error")
    assert "signed identity" in dossier.json()["detail"]
    assert report.status_code == 503, report.text
    assert report.json()["type"].endswith("report-incomplete")
    assert report.json()["missing_sources"] == ["evaluation", "funding", "projects"]
