"""A PostgreSQL cluster of a test's own (initdb, pg_ctl) on a free loopback port, so that a test
may stop and restart the database under a running suite without touching anyone else's."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.support.server import free_port


def bin_dir() -> Path | None:
    """Where PostgreSQL's server programs are, or None when they are not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    return None


class PostgresCluster:
    """Lives in a temporary folder of its own (pytest's are private to the user running the
    tests, and PostgreSQL runs as ``postgres`` when that user is root)."""

    def __init__(self) -> None:
        programs = bin_dir()
        if programs is None:
            raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = programs
        self.root = Path(tempfile.mkdtemp(prefix="sdgc-pgcluster-"))
        self.data = self.root / "data"
        self.port = free_port()

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _options(self) -> str:
        return f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start(self) -> None:
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", self._options(), "-l", log, "-w", "start")

    def restart(self) -> None:
        """A fast restart: sessions are ended (57P01), new ones refused until it is up again."""
        log = str(self.root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", self._options(), "-l", log, "-m", "fast",
            "-w", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server and remove the cluster."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)
