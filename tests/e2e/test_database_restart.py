"""PostgreSQL restarted under a stream of reads and keyed writes through the gateway: no 500,
no acknowledged write lost, and the services recover without being restarted."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.pgcluster import PostgresCluster, bin_dir
from tests.support.suite import ADMIN_KEY, SERVICES, Suite

pytestmark = pytest.mark.e2e

# Bounds on the stream, so the test always ends; the assertions do not depend on timing.
MAX_REQUESTS = 3000
WRITES_AFTER_RESTART = 20


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    if bin_dir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's server programs are needed for the restart test in CI")
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    running = PostgresCluster()
    running.init()
    running.start()
    try:
        yield running
    finally:
        running.stop()


class Stream:
    """Keyed writes (each sent again with its key until acknowledged) and reads, in threads."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
        )
        self.statuses: Counter[int] = Counter()
        self.acknowledged: list[str] = []
        self.lock = threading.Lock()
        self.restarted = threading.Event()
        self.stop = threading.Event()
        self.started_writing = threading.Event()
        self.acknowledged_after_restart = 0
        self.reads_after_restart = 0
        self.recovered = threading.Event()
        self.sent = 0

    def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response | None:
        with self.lock:
            if self.sent >= MAX_REQUESTS:
                self.stop.set()
                return None
            self.sent += 1
        answer = self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        with self.lock:
            self.statuses[answer.status_code] += 1
        return answer

    def _progress(self, *, wrote: bool) -> None:
        with self.lock:
            if self.restarted.is_set():
                if wrote:
                    self.acknowledged_after_restart += 1
                else:
                    self.reads_after_restart += 1
            if self.acknowledged_after_restart >= WRITES_AFTER_RESTART and self.reads_after_restart:
                self.recovered.set()
                self.stop.set()

    def write(self) -> None:
        number = 0
        while not self.stop.is_set():
            name = f"Partner {number}"
            body = {"name": name, "type": "40"}
            headers = {"Idempotency-Key": f"restart-{number}"}
            while not self.stop.is_set():
                answer = self._send("POST", "/api/v1/organisations", json=body, headers=headers)
                if answer is not None and answer.status_code == 201:
                    with self.lock:
                        self.acknowledged.append(name)
                    self.started_writing.set()
                    self._progress(wrote=True)
                    break
            number += 1

    def read(self) -> None:
        while not self.stop.is_set():
            answer = self._send("GET", "/api/v1/organisations", params={"limit": 5})
            if answer is not None and answer.status_code == 200:
                self._progress(wrote=False)


def test_a_postgresql_restart_costs_no_500_and_no_acknowledged_write(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    urls = {app: cluster.create_database(f"restart_{app}") for app in SERVICES}
    urls["gateway"] = f"sqlite:///{tmp_path / 'gateway.db'}"
    suite = Suite(tmp_path, database_urls=urls)
    suite.start_all()
    stream = Stream(suite.gateway_url)
    threads = [threading.Thread(target=stream.write), threading.Thread(target=stream.read)]
    try:
        for thread in threads:
            thread.start()
        assert stream.started_writing.wait(60), stream.statuses
        cluster.restart()
        stream.restarted.set()
        stream.stop.wait(120)
    finally:
        stream.stop.set()
        for thread in threads:
            thread.join(60)
    try:
        assert stream.recovered.is_set(), f"no recovery within {MAX_REQUESTS}: {stream.statuses}"
        assert 500 not in stream.statuses, stream.statuses
        assert set(stream.statuses) <= {200, 201, 503}, stream.statuses
        stored: list[str] = []
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = stream.client.get("/api/v1/organisations", params=params).json()
            stored += [item["name"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(stored) == sorted(set(stream.acknowledged)), "a write was lost or doubled"
        print(f"answers during the restart: {dict(stream.statuses)}; stored {len(stored)}")
    finally:
        stream.client.close()
        suite.stop_all()
