"""Suite-wide fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is required in CI (``CI=true``): if it is unreachable the run fails at once. Outside
CI the PostgreSQL runs are skipped with a plain message and the summary says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.databases import PostgresDatabases, SqliteDatabases, postgres_error

_PG_ERROR: str | None = None
_PG_SKIPPED = 0


def pytest_sessionstart(session: pytest.Session) -> None:
    global _PG_ERROR
    _PG_ERROR = postgres_error()
    if _PG_ERROR and os.environ.get("CI", "").lower() == "true":
        pytest.exit(f"PostgreSQL is required in CI but unreachable: {_PG_ERROR}", returncode=3)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _PG_ERROR:
        terminalreporter.write_line(
            f"NOTE: PostgreSQL unreachable ({_PG_ERROR}); the PostgreSQL runs were SKIPPED. "
            "Everything else ran on SQLite.",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    if _PG_ERROR:
        pytest.skip(f"PostgreSQL unreachable: {_PG_ERROR}")
    databases = PostgresDatabases()
    yield databases
    databases.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and _PG_ERROR:
        pytest.skip(f"PostgreSQL unreachable: {_PG_ERROR}")
    return str(request.param)


@pytest.fixture
def fresh_database(
    backend: str, request: pytest.FixtureRequest, sqlite_databases: SqliteDatabases
) -> Iterator[Callable[..., str]]:
    """``fresh_database("funding")`` → URL of an empty, migrated database of that app.

    ``fresh_database(app, pooled=False)`` for a test that changes the schema itself.
    """
    made: list[str] = []
    factory: SqliteDatabases | PostgresDatabases
    if backend == "postgresql":
        factory = request.getfixturevalue("postgres_databases")
    else:
        factory = sqlite_databases

    def make(app: str, *, pooled: bool = True) -> str:
        url = factory.fresh(app, pooled=pooled)
        made.append(url)
        return url

    yield make
    for url in made:
        factory.drop(url)


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL-only behaviour")


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
