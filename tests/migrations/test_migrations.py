"""Every app's Alembic history matches its models and round-trips, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from shared import migrations
from shared.db import create_db_engine

APPS = list(migrations.APPS)


def _metadata(app: str) -> MetaData:
    metadata: MetaData = importlib.import_module(f"{migrations.APPS[app]}.models").Base.metadata
    return metadata


@pytest.mark.parametrize("app", APPS)
def test_migrations_match_models(app: str, fresh_database: Callable[..., str]) -> None:
    engine = create_db_engine(fresh_database(app))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, _metadata(app))
    finally:
        engine.dispose()
    assert differences == []


@pytest.mark.parametrize("app", APPS)
def test_downgrade_to_base_and_upgrade_again_round_trips(
    app: str, fresh_database: Callable[..., str]
) -> None:
    url = fresh_database(app, pooled=False)
    migrations.downgrade(app, url, "base")
    engine = create_db_engine(url)
    try:
        leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert leftover == set()
    finally:
        engine.dispose()
    migrations.upgrade(app, url)
    engine = create_db_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(_metadata(app).tables) <= tables
