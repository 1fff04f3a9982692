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

BLOCKS, BLOCK = 8, 50  # sequential requests: 8 alternating blocks of 50 per target
CONCURRENT_TOTAL = 1000
CONCURRENCY = 16
THROUGHPUT_ROUNDS = 3


def _interleaved_ms(
    calls: dict[str, Callable[[], httpx.Response]],
    after: Callable[[str, httpx.Response], None] | None = None,
) -> dict[str, list[float]]:
    """Latencies (ms) of each call, taken in alternating blocks so that a change of load on
    the machine during the run falls on every target alike."""
    for call in calls.values():  # warm up pools and caches
        for _ in range(30):
            call()
    taken: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(BLOCKS):
        for name, call in calls.items():
            for _ in range(BLOCK):
                started = time.perf_counter()
                response = call()
                taken[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
                if after is not None:
                    after(name, response)
    return taken


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
            taken = _interleaved_ms(
                {
                    "direct": lambda: direct.get(path),
                    "httpx": lambda: via_httpx.get(path),
                    "aiohttp": lambda: via_aiohttp.get(path),
                }
            )
        p50 = {name: statistics.median(values) for name, values in taken.items()}
        targets = {
            "direct": (suite.url("projects"), signed, {}),
            "httpx": (httpx_url, None, admin),
            "aiohttp": (aiohttp_url, None, admin),
        }
        rounds: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(THROUGHPUT_ROUNDS):  # alternate the targets, keep the median round
            for name, (base_url, auth, headers) in targets.items():
                rounds[name].append(asyncio.run(_throughput(base_url, path, auth, headers)))
        rps = {name: statistics.median(values) for name, values in rounds.items()}
        print(f"registry read p50: direct {p50['direct']:.2f} ms")
        for transport in ("aiohttp", "httpx"):
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
    backend_calls = {
        "projects": f"/api/v1/projects/{project_id}",
        "funding": f"/api/v1/reports/projects?ids={project_id}",
        "evaluation": f"/api/v1/evaluation-tracking/projects?ids={project_id}",
    }
    path = f"/api/v1/dossiers/projects/{project_id}"
    clients = {
        **{name: httpx.Client(base_url=suite.url(name), auth=signed) for name in backend_calls},
        "dossier (aiohttp)": httpx.Client(base_url=aiohttp_url, headers=admin),
        "dossier (httpx)": httpx.Client(base_url=httpx_url, headers=admin),
    }
    calls = {
        name: _getter(client, backend_calls.get(name, path)) for name, client in clients.items()
    }
    slowest_part: dict[str, list[float]] = {name: [] for name in calls}

    def part_timings(name: str, response: httpx.Response) -> None:
        if name.startswith("dossier"):
            slowest_part[name].append(max(_timings(response.headers["server-timing"]).values()))

    pids = {name: process.pid for name, process in suite.processes.items()}
    before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    try:
        taken = _interleaved_ms(calls, part_timings)
    finally:
        for client in clients.values():
            client.close()
    requests = BLOCKS * BLOCK + 30
    cpu = {name: (_cpu_seconds(pid) - before[name]) * 1000 for name, pid in pids.items()}
    p50 = {name: statistics.median(values) for name, values in taken.items()}
    backend_p50 = {name: p50[name] for name in backend_calls}
    slowest = max(backend_p50.values())
    total = sum(backend_p50.values())
    print(
        "dossier backends p50 alone: "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in backend_p50.items())
        + f" (slowest {slowest:.2f} ms, sum {total:.2f} ms)"
    )
    for name in ("dossier (aiohttp)", "dossier (httpx)"):
        dossier = p50[name]
        in_request = statistics.median(slowest_part[name])
        print(
            f"{name}: p50 {dossier:.2f} ms = {dossier / slowest:.2f}x the slowest backend call "
            f"alone (goal ≤ 1.2x), {dossier / total:.2f}x their sum, {dossier / in_request:.2f}x "
            f"its slowest part in the same requests (p50 {in_request:.2f} ms, Server-Timing)"
        )
    # Each process's CPU over the whole interleaved run, per request it served.
    per_request = {
        "projects": cpu["projects"] / (3 * requests),  # alone + inside both dossiers
        "funding": cpu["funding"] / (3 * requests),
        "evaluation": cpu["evaluation"] / (3 * requests),
        "gateway (aiohttp)": cpu["gateway"] / requests,
        "gateway (httpx)": cpu["gateway-httpx"] / requests,
    }
    print(
        "CPU ms per request served: "
        + ", ".join(f"{k} {v:.2f}" for k, v in per_request.items())
        + f"; a dossier needs about {sum(list(per_request.values())[:4]):.1f} ms of CPU on "
        f"{os.cpu_count()} cores"
    )


def _getter(client: httpx.Client, path: str) -> Callable[[], httpx.Response]:
    return lambda: client.get(path)


def _timings(header: str) -> dict[str, float]:
    """``Server-Timing`` of a merged answer: milliseconds per part."""
    parsed = {}
    for metric in header.split(","):
        name, _, duration = metric.strip().partition(";dur=")
        parsed[name] = float(duration)
    return parsed


if __name__ == "__main__":
    main()
