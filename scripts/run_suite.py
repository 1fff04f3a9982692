"""``make run``: migrate the SQLite databases under ./var, start the four apps, stop on Ctrl-C.

Each app runs as its own uvicorn process on loopback: projects :8001, funding :8002,
evaluation :8003 and the gateway :8000. An admin API key given as GATEWAY_BOOTSTRAP_ADMIN_KEY is
accepted; otherwise one is generated and printed once.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from shared import migrations

APPS: tuple[tuple[str, str, int], ...] = (
    ("projects", "services.projects.main:create_app", 8001),
    ("funding", "services.funding.main:create_app", 8002),
    ("evaluation", "services.evaluation.main:create_app", 8003),
    ("gateway", "gateway.main:create_app", 8000),
)
HOST = "127.0.0.1"


def _wait_live(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            url = f"http://{HOST}:{port}/health/live"
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _environment() -> tuple[dict[str, str], str, bool]:
    """The apps' environment, the admin key and whether it was generated here."""
    env = dict(os.environ)
    env.setdefault("SDGC_IDENTITY_SECRET", secrets.token_urlsafe(32))
    admin_key = env.get("GATEWAY_BOOTSTRAP_ADMIN_KEY")
    generated = admin_key is None
    if admin_key is None:
        admin_key = f"sdgc_admin_{secrets.token_urlsafe(32)}"
        env["GATEWAY_BOOTSTRAP_ADMIN_KEY"] = admin_key
    env.setdefault("FUNDING_PROJECTS_URL", f"http://{HOST}:8001")
    env.setdefault("EVALUATION_PROJECTS_URL", f"http://{HOST}:8001")
    env.setdefault("EVALUATION_FUNDING_URL", f"http://{HOST}:8002")
    return env, admin_key, generated


def _start(env: dict[str, str]) -> list[tuple[str, subprocess.Popen[bytes]]]:
    processes = []
    for name, factory, port in APPS:
        command = [
            *(sys.executable, "-m", "uvicorn", "--factory", factory),
            *("--host", HOST, "--port", str(port), "--no-access-log"),
        ]
        processes.append((name, subprocess.Popen(command, env=env)))  # noqa: S603
    return processes


# Where `make run` leaves the admin key for `make demo` and the sdgc CLI on this machine (owner
# only); SDGC_KEY_FILE names another file.
KEY_FILE = Path(os.environ.get("SDGC_KEY_FILE", "var/admin-api-key"))


def _store_key(admin_key: str) -> None:
    KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    KEY_FILE.touch(mode=0o600, exist_ok=True)
    KEY_FILE.chmod(0o600)
    KEY_FILE.write_text(admin_key + "\n", encoding="utf-8")


def _announce(admin_key: str, generated: bool) -> None:
    print("\nSDG Centre suite is running:")
    for name, _, port in APPS:
        print(f"  {name:<11} http://{HOST}:{port}")
    print(f"  API docs    http://{HOST}:8000/docs")
    label = "generated admin API key" if generated else "admin API key"
    print(f"\n{label}: {admin_key}")
    print(
        f"  (kept in {KEY_FILE} for `make demo`; for the sdgc CLI: export SDGC_API_KEY={admin_key})"
    )
    print("try: curl -H 'Authorization: Bearer <key>' http://127.0.0.1:8000/api/v1/api-keys")
    print("\nCtrl-C stops all four.", flush=True)


def _supervise(processes: list[tuple[str, subprocess.Popen[bytes]]], stop: threading.Event) -> int:
    """Wait for Ctrl-C (0), or for an app to exit on its own (1)."""
    while not stop.is_set():
        for name, process in processes:
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping the suite")
                return 1
        stop.wait(0.3)
    return 0


def _stop(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _, process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for name, process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop; killing it", file=sys.stderr)
            process.kill()
    print("stopped.")


def main() -> int:
    env, admin_key, generated = _environment()
    os.makedirs("var", exist_ok=True)
    for name, _, _ in APPS:
        print(f"migrating {name} …", flush=True)
        migrations.upgrade(name)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    processes = _start(env)
    deadline = time.monotonic() + 60
    if all(_wait_live(port, deadline) for _, _, port in APPS):
        _store_key(admin_key)
        _announce(admin_key, generated)
        exit_code = _supervise(processes, stop)
    else:
        print("the suite did not come up; stopping", file=sys.stderr)
        exit_code = 1
    _stop(processes)
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
