"""Fresh, migrated databases for tests, on SQLite and on PostgreSQL.

Each app's migrations run once per test session into a template; every test then gets its own
copy (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from shared import migrations

POSTGRES_URL = os.environ.get(
    "SDGC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_error() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(_libpq(POSTGRES_URL), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


class PostgresDatabases:
    def __init__(self) -> None:
        self.admin_url = POSTGRES_URL
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def _execute(self, sql: str) -> None:
        with psycopg.connect(_libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create_empty(self, prefix: str = "sdgc_t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return name

    def fresh(self, app: str) -> str:
        template = self.templates.get(app)
        if template is None:
            template = self.create_empty(f"sdgc_tpl_{app}")
            migrations.upgrade(app, self.url_for(template))
            self.templates[app] = template
        name = f"sdgc_t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def cleanup(self) -> None:
        for name in list(self.created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
        self.templates.clear()


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates: dict[str, Path] = {}

    def fresh(self, app: str) -> str:
        template = self.templates.get(app)
        if template is None:
            template = self.root / f"template-{app}.db"
            migrations.upgrade(app, f"sqlite:///{template}")
            self.templates[app] = template
        target = self.root / f"{app}-{uuid.uuid4().hex[:12]}.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    def empty(self) -> str:
        return f"sqlite:///{self.root / f'empty-{uuid.uuid4().hex[:12]}.db'}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
