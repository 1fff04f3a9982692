"""Fresh, migrated databases for tests, on SQLite and on PostgreSQL.

Each app's migrations run once per test session into a template. On SQLite every test gets its
own file copy. On PostgreSQL a copy (``CREATE DATABASE … TEMPLATE``) costs about half a second,
so databases are pooled per worker: after a test every table is emptied and the database goes
back to the pool with the rows the migrations seeded restored and sequences reset, i.e. as a
fresh copy would be (tests that alter the schema ask for an unpooled one, dropped afterwards).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

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


_SEQUENCES = """
SELECT quote_ident(t.relname), quote_ident(a.attname), s.oid::regclass::text
FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE s.relkind = 'S' AND n.nspname = 'public'
"""


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version' ORDER BY tablename"
        )
    ]


class PostgresDatabases:
    def __init__(self) -> None:
        self.admin_url = POSTGRES_URL
        self.templates: dict[str, str] = {}
        self.created: list[str] = []
        self.idle: dict[str, list[str]] = {}
        self.app_of: dict[str, str] = {}
        self.pooled: set[str] = set()
        self.seeds: dict[str, dict[str, bytes]] = {}

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

    def fresh(self, app: str, *, pooled: bool = True) -> str:
        if pooled and self.idle.get(app):
            return self.url_for(self.idle[app].pop())
        template = self.templates.get(app)
        if template is None:
            template = self.create_empty(f"sdgc_tpl_{app}")
            migrations.upgrade(app, self.url_for(template))
            self.templates[app] = template
        name = f"sdgc_t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        self.app_of[name] = app
        if pooled:
            self.pooled.add(name)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database or ""
        if name in self.pooled:
            self._truncate(name)
            self.idle.setdefault(self.app_of[name], []).append(name)
            return
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def _seed_rows(self, app: str) -> dict[str, bytes]:
        """Rows the migrations themselves wrote into the template (chart of accounts, the
        Centre's profile, …), as COPY data, so a pooled database can be put back exactly."""
        seeds = self.seeds.get(app)
        if seeds is None:
            seeds = {}
            with psycopg.connect(_libpq(self.url_for(self.templates[app]))) as conn:
                for table in _tables(conn):
                    buffer = bytearray()
                    with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:  # type: ignore[arg-type]
                        for chunk in copy:
                            buffer += chunk
                    if buffer:
                        seeds[table] = bytes(buffer)
            self.seeds[app] = seeds
        return seeds

    def _truncate(self, name: str) -> None:
        seeds = self._seed_rows(self.app_of[name])
        with psycopg.connect(_libpq(self.url_for(name)), autocommit=True) as conn:
            # Close sessions a test left behind (a crashed server thread, say).
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            tables = _tables(conn)
            # DELETE is far cheaper than TRUNCATE on small tables; replica mode skips the
            # triggers (the ledger's append-only guard) and foreign-key checks while the
            # database is put back as the migrations left it: seed rows restored, sequences reset.
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
                for table in tables:
                    conn.execute(f"DELETE FROM {table}")  # type: ignore[arg-type]
                for table, data in seeds.items():
                    with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:  # type: ignore[arg-type]
                        copy.write(data)
                for table, column, sequence in conn.execute(_SEQUENCES).fetchall():
                    conn.execute(
                        f"SELECT setval(%s, COALESCE((SELECT max({column}) FROM {table}), 0) + 1, "
                        "false)",
                        (sequence,),
                    )

    def cleanup(self) -> None:
        for name in list(self.created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
        self.templates.clear()
        self.idle.clear()


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates: dict[str, Path] = {}

    def fresh(self, app: str, *, pooled: bool = True) -> str:
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
