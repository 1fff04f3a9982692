"""The four apps as real uvicorn processes on free loopback ports (end-to-end tests, benches)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shared import migrations
from tests.support.clients import TEST_SECRET
from tests.support.server import free_port

SERVICES = ("projects", "funding", "evaluation")
ADMIN_KEY = "e2e-admin-key-0123456789abcdef0123456789abcdef"


class Suite:
    """Start, stop, kill and restart the apps; the gateway is at :attr:`gateway_url`."""

    def __init__(self, workdir: Path, database_urls: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.ports = {app: free_port() for app in migrations.APPS}
        self.database_urls = database_urls or {
            app: f"sqlite:///{workdir / f'{app}.db'}" for app in migrations.APPS
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "SDGC_IDENTITY_SECRET": TEST_SECRET,
            "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
            "FUNDING_PROJECTS_URL": self.url("projects"),
            # the scenarios record years up to 2029: the ledger's "today" is fixed after them
            "FUNDING_TODAY": "2029-12-31",
            "EVALUATION_PROJECTS_URL": self.url("projects"),
            "EVALUATION_FUNDING_URL": self.url("funding"),
            **{f"GATEWAY_{s.upper()}_URL": self.url(s) for s in SERVICES},
            **{f"{app.upper()}_DATABASE_URL": url for app, url in self.database_urls.items()},
            **{f"{app.upper()}_ENVIRONMENT": "test" for app in migrations.APPS},
        }

    def url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.ports[app]}"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    def migrate(self) -> None:
        for app, url in self.database_urls.items():
            migrations.upgrade(app, url)

    def start(self, app: str, *, instance: str | None = None, **env: str) -> str:
        """Start ``app`` (or another ``instance`` of it with extra ``env``); returns its URL."""
        name = instance or app
        if name not in self.ports:
            self.ports[name] = free_port()
        package = migrations.APPS[app]
        with (self.workdir / f"{name}.log").open("ab") as log:  # the child keeps its own handle
            self.processes[name] = subprocess.Popen(
                [
                    *(sys.executable, "-m", "uvicorn", "--factory", f"{package}.main:create_app"),
                    *("--host", "127.0.0.1", "--port", str(self.ports[name]), "--no-access-log"),
                ],
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_live(name)
        return self.url(name)

    def wait_live(self, app: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[app].poll() is not None:
                log = (self.workdir / f"{app}.log").read_text(errors="replace")
                raise RuntimeError(f"{app} exited during start:\n{log[-3000:]}")
            try:
                if httpx.get(f"{self.url(app)}/health/live", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{app} did not become live")

    def start_all(self) -> None:
        self.migrate()
        for app in (*SERVICES, "gateway"):
            self.start(app)

    def kill(self, app: str) -> None:
        process = self.processes.pop(app)
        process.kill()
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
