"""Benchmark of the registry's dashboard reads on PostgreSQL (issue 3).

Seeds 1k and then 100k projects with bulk SQL into a database of its own, then measures through
the app (a signed test client) the p50/p99 latency of a filtered page (country + goal + status)
and of the facet counts for the same filter. Goal: p50 at 100k <= 2 x p50 at 1k.

    python -m tests.projects.bench_registry        # SDGC_BENCH_POSTGRES_URL to point elsewhere

Not collected by pytest (no ``test_`` prefix); ``make bench`` runs it.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from services.projects.facet_cells import rebuild_facet_counts
from services.projects.main import create_app
from services.projects.settings import Settings
from shared import migrations
from tests.support.clients import TEST_SECRET, signed_client

ADMIN_URL = os.environ.get(
    "SDGC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SIZES = (1_000, 100_000)
WARMUP = 20
ROUNDS = 300
FILTER = {"country": "KZ", "goal": "17", "status": "2", "limit": "50"}
# A filter outside the pre-aggregated cut: its facets are counted live (reported for context).
LIVE_FILTER = {**FILTER, "dimension": "social"}

# Distributions: every project has 1-2 of the six programme countries, 1-2 goals and one
# status; the benchmark filter (KZ, goal 17, implementation) matches about 4% of projects,
# the share a typical dashboard cut has in a registry this size.
SEED_SQL = """
INSERT INTO organisations (id, iati_org_id, name, type, country, version, created_at, updated_at)
VALUES (1, 'XM-SDGCA', 'UN Regional Centre for the SDGs', '40', 'KZ', 1, now(), now());
INSERT INTO projects (id, iati_identifier, title, description, status, planned_start,
                      planned_end, budget_amount, budget_currency, version, created_at, updated_at)
SELECT g, 'XM-SDGCA-B' || g, 'Regional project ' || g, 'Synthetic benchmark project ' || g,
       CASE WHEN g %% 3 = 0 THEN '2' ELSE ((g %% 6) + 1)::text END,
       date '2024-01-01' + (g %% 700), date '2026-06-01' + (g %% 700), 100000, 'USD', 1,
       now(), now()
FROM generate_series(1, %(n)s) AS g;
SELECT setval(pg_get_serial_sequence('projects', 'id'), %(n)s);
SELECT setval(pg_get_serial_sequence('organisations', 'id'), 1);
INSERT INTO project_countries (project_id, country)
SELECT g, (ARRAY['KZ','KG','TJ','TM','UZ','AF'])[(g %% 6) + 1] FROM generate_series(1, %(n)s) g
UNION
SELECT g, (ARRAY['KZ','KG','TJ','TM','UZ','AF'])[((g / 6) %% 6) + 1]
FROM generate_series(1, %(n)s) g;
INSERT INTO project_goals (project_id, goal)
SELECT g, CASE WHEN g %% 4 = 0 THEN '17' ELSE ((g %% 16) + 1)::text END
FROM generate_series(1, %(n)s) g
UNION
SELECT g, (((g / 7) %% 17) + 1)::text FROM generate_series(1, %(n)s) g;
INSERT INTO project_dimensions (project_id, dimension)
SELECT g, (ARRAY['economic','social','environmental'])[(g %% 3) + 1]
FROM generate_series(1, %(n)s) g;
INSERT INTO project_participants (project_id, organisation_id, role)
SELECT g, 1, 'accountable' FROM generate_series(1, %(n)s) g;
"""


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def _measure(call: Callable[[], int]) -> tuple[float, float]:
    for _ in range(WARMUP):
        assert call() == 200
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        status = call()
        samples.append(time.perf_counter() - started)
        assert status == 200
    return _percentiles(samples)


def run_size(size: int) -> dict[str, tuple[float, float]]:
    name = f"sdgc_bench_{uuid.uuid4().hex[:10]}"
    admin = _libpq(ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade("projects", url)
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            for statement in SEED_SQL.split(";\n"):
                if statement.strip():
                    conn.execute(statement, {"n": size})  # type: ignore[arg-type]
        engine = create_engine(url)
        with Session(engine) as session:  # the bulk load bypassed the per-write upkeep
            rebuild_facet_counts(session)
            session.commit()
        engine.dispose()
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
            matches = conn.execute(
                "SELECT count(*) FROM projects p WHERE status = '2' "
                "AND id IN (SELECT project_id FROM project_countries WHERE country = 'KZ') "
                "AND id IN (SELECT project_id FROM project_goals WHERE goal = '17')"
            ).fetchone()
        app = create_app(
            Settings(
                environment="test",
                database_url=url,
                identity_secret=TEST_SECRET,
                log_level="WARNING",
            )
        )
        with signed_client(app) as client:
            page = _measure(lambda: client.get("/api/v1/projects", params=FILTER).status_code)
            facets = _measure(
                lambda: client.get("/api/v1/projects/facets", params=FILTER).status_code
            )
            live = _measure(
                lambda: client.get("/api/v1/projects/facets", params=LIVE_FILTER).status_code
            )
        print(
            f"{size:>7} projects, {matches[0] if matches else '?'} match the filter: "
            f"page p50 {page[0]:.2f} ms p99 {page[1]:.2f} ms | "
            f"facets p50 {facets[0]:.2f} ms p99 {facets[1]:.2f} ms | "
            f"live facets (+dimension) p50 {live[0]:.2f} ms p99 {live[1]:.2f} ms",
            flush=True,
        )
        return {"page": page, "facets": facets, "live facets": live}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> None:
    small, large = (run_size(size) for size in SIZES)
    for what in ("page", "facets", "live facets"):
        ratio = large[what][0] / small[what][0]
        verdict = "OK" if ratio <= 2 else "above goal"
        print(f"{what}: p50(100k)/p50(1k) = {ratio:.2f} (goal <= 2: {verdict})")


if __name__ == "__main__":
    main()
