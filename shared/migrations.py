"""Alembic, once for all apps: each app keeps its own history under ``<package>/migrations``.

Command line (what ``make migrate`` / ``make revision`` call)::

    python -m shared.migrations upgrade projects            # to head, URL from the app settings
    python -m shared.migrations downgrade funding -1
    python -m shared.migrations revision evaluation -m "add key actions"   # autogenerate
    python -m shared.migrations upgrade all

Each app's ``migrations/env.py`` is two lines that call :func:`run_env` with its MetaData.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from shared.db import create_db_engine
from shared.settings import AppSettings

APPS: dict[str, str] = {
    "projects": "services.projects",
    "funding": "services.funding",
    "evaluation": "services.evaluation",
    "gateway": "gateway",
}


def _package_dir(app: str) -> Path:
    module = importlib.import_module(APPS[app])
    assert module.__file__ is not None
    return Path(module.__file__).parent


def settings_for(app: str) -> AppSettings:
    module = importlib.import_module(f"{APPS[app]}.settings")
    settings: AppSettings = module.Settings()
    return settings


def alembic_config(app: str, database_url: str | None = None) -> Config:
    package_dir = _package_dir(app)
    config = Config(str(package_dir / "alembic.ini"))
    config.set_main_option("script_location", str(package_dir / "migrations"))
    config.attributes["database_url"] = database_url or settings_for(app).database_url
    return config


def upgrade(app: str, database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(app, database_url), revision)


def downgrade(app: str, database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(app, database_url), revision)


def run_env(context: Any, metadata: MetaData) -> None:
    """Body of every app's ``env.py``: online migrations on the suite's engine."""
    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                compare_server_default=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("upgrade", "downgrade", "current", "history"):
        p = sub.add_parser(name)
        p.add_argument("app", choices=[*APPS, "all"])
        if name in ("upgrade", "downgrade"):
            p.add_argument("revision", nargs="?", default="head" if name == "upgrade" else "-1")
        p.add_argument("--url", default=None, help="database URL (default: the app's settings)")
    rev = sub.add_parser("revision")
    rev.add_argument("app", choices=list(APPS))
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--empty", action="store_true", help="no autogenerate")
    rev.add_argument("--url", default=None)
    args = parser.parse_args(argv)

    apps = list(APPS) if getattr(args, "app", None) == "all" else [args.app]
    for app in apps:
        config = alembic_config(app, args.url)
        match args.command:
            case "upgrade":
                command.upgrade(config, args.revision)
            case "downgrade":
                command.downgrade(config, args.revision)
            case "current":
                command.current(config)
            case "history":
                command.history(config)
            case "revision":
                command.revision(config, message=args.message, autogenerate=not args.empty)


if __name__ == "__main__":
    main()
