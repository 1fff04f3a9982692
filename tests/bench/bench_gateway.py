"""Gateway overhead, transports and merged-view latency, on PostgreSQL, in one run.

- a registry read (``GET /api/v1/projects/{id}``) direct to the service (signed) against through
  the gateway: throughput ratio (goal ≥ 0.5x) and p50 added (goal ≤ 2 ms), for the aiohttp
  transport behind the httpx API (the default) and for httpx's own transport;
- the project dossier's p50 against the slowest of its three backend calls measured alone
  (goal ≤ 1.2x), against their sum, and against the slowest of its parts inside the same
  dossier requests (the gateway's ``Server-Timing``), with the CPU each process spent per
  dossier — on a small machine the four processes share the cores, so a backend call made
  alongside two others takes longer than alone.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from shared.auth import SignedIdentityAuth
from tests.projects.conftest import project_body
from tests.support.clients import TEST_SECRET, identity
from tests.support.databases import PostgresDatabases
from tests.support.suite import ADMIN_KEY, Suite

SEQUENTIAL = 400
CONCURRENT_TOTAL = 2000
CONCURRENCY = 16


def _p50_ms(fn: Callable[[], httpx.Response], n: int = SEQUENTIAL) -> float:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = fn()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(timings) * 1000


async def _throughput(
    base_url: str, path: str, auth: httpx.Auth | None, headers: dict[str, str]
) -> float:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base_url, auth=auth, headers=headers, limits=limits, timeout=30
    ) as client:
        queue = iter(range(CONCURRENT_TOTAL))

        async def worker() -> None:
            for _ in queue:
                response = await client.get(path)
                assert response.status_code == 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return CONCURRENT_TOTAL / (time.perf_counter() - started)


def main() -> None:
    databases = PostgresDatabases()
    workdir = Path(tempfile.mkdtemp(prefix="sdgc-bench-"))
    apps = ("projects", "funding", "evaluation", "gateway")
    suite = Suite(workdir, {app: databases.url_for(databases.create_empty()) for app in apps})
    suite.env["GATEWAY_RATE_LIMIT_REQUESTS"] = "100000000"  # measure the proxy, not the limit
    try:
        suite.start_all()
        suite.start("gateway", instance="gateway-httpx", GATEWAY_BACKEND_TRANSPORT="httpx")
        aiohttp_url = suite.gateway_url  # the default transport
        httpx_url = suite.url("gateway-httpx")
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        created = httpx.post(
            f"{suite.gateway_url}/api/v1/projects",
            json=project_body("B-1"),
            headers=admin,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        path = f"/api/v1/projects/{created.json()['id']}"
        signed = SignedIdentityAuth(TEST_SECRET, identity())

        with (
            httpx.Client(base_url=suite.url("projects"), auth=signed) as direct,
            httpx.Client(base_url=httpx_url, headers=admin) as via_httpx,
            httpx.Client(base_url=aiohttp_url, headers=admin) as via_aiohttp,
        ):
            for client in (direct, via_httpx, via_aiohttp):  # warm up pools and caches
                for _ in range(50):
                    client.get(path)
            p50 = {
                "direct": _p50_ms(lambda: direct.get(path)),
                "httpx": _p50_ms(lambda: via_httpx.get(path)),
                "aiohttp": _p50_ms(lambda: via_aiohttp.get(path)),
            }
        rps = {
            "direct": asyncio.run(_throughput(suite.url("projects"), path, signed, {})),
            "httpx": asyncio.run(_throughput(httpx_url, path, None, admin)),
            "aiohttp": asyncio.run(_throughput(aiohttp_url, path, None, admin)),
        }
        print(f"registry read p50: direct {p50['direct']:.2f} ms")
        for transport in ("httpx", "aiohttp"):
            print(
                f"  through gateway ({transport:7}): p50 added {p50[transport] - p50['direct']:.2f}"
                f" ms (goal ≤ 2 ms); throughput {rps[transport] / rps['direct']:.2f}x direct "
                f"(goal ≥ 0.5x; {rps[transport]:.0f} vs {rps['direct']:.0f} req/s)"
            )
        _dossier(suite, admin, created.json()["id"], signed, httpx_url, aiohttp_url)
    finally:
        suite.stop_all()
        databases.cleanup()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dossier(
    suite: Suite,
    admin: dict[str, str],
    project_id: int,
    signed: httpx.Auth,
    httpx_url: str,
    aiohttp_url: str,
) -> None:
    calls = {
        "projects": f"/api/v1/projects/{project_id}",
        "funding": f"/api/v1/reports/projects?ids={project_id}",
        "evaluation": f"/api/v1/evaluation-tracking/projects?ids={project_id}",
    }
    backend_p50 = {}
    for service, path in calls.items():
        with httpx.Client(base_url=suite.url(service), auth=signed) as client:
            for _ in range(30):
                client.get(path)
            backend_p50[service] = _p50_ms(lambda c=client, p=path: c.get(p), 200)
    slowest = max(backend_p50.values())
    total = sum(backend_p50.values())
    print(
        "dossier backends p50: "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in backend_p50.items())
        + f" (slowest {slowest:.2f} ms, sum {total:.2f} ms)"
    )
    path = f"/api/v1/dossiers/projects/{project_id}"
    for transport, base_url in (("httpx", httpx_url), ("aiohttp", aiohttp_url)):
        with httpx.Client(base_url=base_url, headers=admin) as gateway:
            for _ in range(30):
                gateway.get(path)
            pids = {name: process.pid for name, process in suite.processes.items()}
            before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
            took, slowest_part = [], []
            for _ in range(200):
                started = time.perf_counter()
                response = gateway.get(path)
                took.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                slowest_part.append(max(_timings(response.headers["server-timing"]).values()))
            cpu = {
                name: (_cpu_seconds(pid) - before[name]) / 200 * 1000 for name, pid in pids.items()
            }
        dossier = statistics.median(took) * 1000
        in_request = statistics.median(slowest_part)
        busy = ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items() if ms > 0)
        print(
            f"dossier through gateway ({transport:7}): p50 {dossier:.2f} ms = "
            f"{dossier / slowest:.2f}x the slowest backend call alone (goal ≤ 1.2x), "
            f"{dossier / total:.2f}x their sum, {dossier / in_request:.2f}x its slowest part in "
            f"the same requests (p50 {in_request:.2f} ms, from Server-Timing); CPU ms per "
            f"dossier: {busy} (on {os.cpu_count()} cores)"
        )


def _timings(header: str) -> dict[str, float]:
    """``Server-Timing`` of a merged answer: milliseconds per part."""
    parsed = {}
    for metric in header.split(","):
        name, _, duration = metric.strip().partition(";dur=")
        parsed[name] = float(duration)
    return parsed


if __name__ == "__main__":
    main()
