"""Project reads: the exact answer shape (fields, order, values, bytes, ETag) and their cost.

The single read, the list, the batch and the creating answer must stay the same representation
however they are read from the database; statements are counted (never timed) so a read that
falls back to one query per collection or per project fails here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from shared.state import core_of
from tests.projects.conftest import CENTRE_PREFIX, project_body
from tests.projects.test_results_centre_plans import FRAMEWORK

FIELDS = [
    "id",
    "iati_identifier",
    "title",
    "description",
    "status",
    "status_name",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "dimensions",
    "sdg_goals",
    "sdg_targets",
    "recipient_countries",
    "recipient_regions",
    "participants",
    "un_entities",
    "speca_groups",
    "lldc_priorities",
    "coalitions",
    "alignments",
    "planned_budget",
    "created_at",
    "updated_at",
]
TITLE = 'Данные ЦУР — «региональные» "SDG" data \\ 🌍'
DESCRIPTION = "Line one\nline two\ttabbed\u0001 control, é, 中文, \u2028 separator"


def _organisation(client: TestClient, iati_org_id: str, name: str) -> int:
    response = client.post(
        "/api/v1/organisations",
        json={"iati_org_id": iati_org_id, "name": name, "type": "40", "country": "KZ"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _rich_body(code: str, orgs: list[int]) -> dict[str, Any]:
    return project_body(
        code,
        title=TITLE,
        description=DESCRIPTION,
        status="2",
        actual_start="2026-02-01",
        sdg_targets=["9.1", "17.18", "5.5", "6.5"],
        sdg_goals=["13"],
        dimensions=["environmental", "social", "economic"],
        recipient_countries=[
            {"code": "TJ", "percentage": "20"},
            {"code": "KZ", "percentage": "40.5"},
            {"code": "KG", "percentage": "29.5"},
        ],
        recipient_regions=[
            {"vocabulary": "1", "code": "619", "percentage": "6"},
            {"vocabulary": "1", "code": "89", "percentage": "4"},
        ],
        participants=[
            {"organisation_id": orgs[1], "role": "funding"},
            {"organisation_id": orgs[0], "role": "implementing"},
            {"organisation_id": orgs[0], "role": "extending"},
        ],
        un_entities=["UNDP", "UN-Habitat", "ECE", "ESCAP"],
        speca_groups=["trade", "transport-connectivity"],
        lldc_priorities=["3", "1"],
        coalitions=["gender-equality"],
        alignments=[
            {
                "country": "KZ",
                "framework": "cooperation_framework",
                "framework_title": "UNSDCF Kazakhstan 2021-2025",
                "statement": "Outcome 1: «data»",
                "period_start_year": 2021,
                "period_end_year": 2025,
            },
            {"country": "KG", "framework": "national_priority", "statement": "NDS 2040"},
        ],
        planned_budget={"amount": "1250000.5", "currency": "EUR"},
    )


def _rich_project(client: TestClient, code: str = "RICH-1") -> dict[str, Any]:
    orgs = [
        _organisation(client, "XM-DAC-41114", "Программа развития (UNDP)"),
        _organisation(client, "XM-DAC-41304", 'UNECE "Geneva"'),
    ]
    response = client.post("/api/v1/projects", json=_rich_body(code, orgs))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _rendered(body: Any) -> bytes:
    """How the registry has always rendered JSON (Starlette's JSONResponse)."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def test_single_read_has_the_same_fields_order_values_bytes_and_etag(client: TestClient) -> None:
    created = _rich_project(client)
    response = client.get(f"/api/v1/projects/{created['id']}")
    assert response.status_code == 200, response.text
    read = response.json()
    assert list(read) == FIELDS
    assert read == created
    assert response.content == _rendered(read)
    digest = hashlib.sha256(response.content).hexdigest()[:32]
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["content-type"] == "application/json"

    centre = read["participants"][0]["organisation_id"]
    expected = {
        "iati_identifier": f"{CENTRE_PREFIX}-RICH-1",
        "title": TITLE,
        "description": DESCRIPTION,
        "status": "2",
        "status_name": "Implementation",
        "planned_start": "2026-01-01",
        "planned_end": "2027-12-31",
        "actual_start": "2026-02-01",
        "actual_end": None,
        "dimensions": ["economic", "social", "environmental"],
        "sdg_goals": ["5", "6", "9", "13", "17"],
        "sdg_targets": ["5.5", "6.5", "9.1", "17.18"],
        "recipient_countries": [
            {"code": "KG", "name": "Kyrgyzstan", "programme": True, "percentage": "29.50"},
            {"code": "KZ", "name": "Kazakhstan", "programme": True, "percentage": "40.50"},
            {"code": "TJ", "name": "Tajikistan", "programme": True, "percentage": "20.00"},
        ],
        "recipient_regions": [
            {"vocabulary": "1", "code": "619", "percentage": "6.00"},
            {"vocabulary": "1", "code": "89", "percentage": "4.00"},
        ],
        "un_entities": ["ECE", "ESCAP", "UN-Habitat", "UNDP"],
        "speca_groups": ["trade", "transport-connectivity"],
        "lldc_priorities": ["1", "3"],
        "coalitions": ["gender-equality"],
        "alignments": [
            {
                "country": "KZ",
                "framework": "cooperation_framework",
                "framework_title": "UNSDCF Kazakhstan 2021-2025",
                "statement": "Outcome 1: «data»",
                "period_start_year": 2021,
                "period_end_year": 2025,
            },
            {
                "country": "KG",
                "framework": "national_priority",
                "framework_title": None,
                "statement": "NDS 2040",
                "period_start_year": None,
                "period_end_year": None,
            },
        ],
        "planned_budget": {"amount": "1250000.50", "currency": "EUR"},
    }
    assert {k: read[k] for k in expected} == expected
    assert [(p["name"], p["role"], p["role_code"]) for p in read["participants"]] == [
        (
            "United Nations Regional Centre for the Sustainable Development Goals for "
            "Central Asia and Afghanistan",
            "accountable",
            "2",
        ),
        ('UNECE "Geneva"', "funding", "1"),
        ("Программа развития (UNDP)", "implementing", "4"),
        ("Программа развития (UNDP)", "extending", "3"),
    ]
    assert [list(p) for p in read["participants"]] == [
        ["organisation_id", "iati_org_id", "name", "type", "role", "role_code"]
    ] * 4
    assert read["participants"][0]["iati_org_id"] == CENTRE_PREFIX
    assert centre != read["participants"][1]["organisation_id"]
    assert read["created_at"].endswith("Z") or read["created_at"].endswith("+00:00")


def test_list_batch_and_single_read_agree(client: TestClient) -> None:
    rich = _rich_project(client)
    plain = client.post("/api/v1/projects", json=project_body("PLAIN")).json()
    single = [client.get(f"/api/v1/projects/{p['id']}").json() for p in (rich, plain)]

    listed = client.get("/api/v1/projects")
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"items": single, "next_cursor": None}
    assert listed.content == _rendered(listed.json())

    batch = client.get("/api/v1/projects/batch", params={"ids": f"{plain['id']},{rich['id']}"})
    assert batch.status_code == 200, batch.text
    assert batch.json() == {"items": [single[1], single[0]]}
    assert batch.content == _rendered(batch.json())

    first = client.get("/api/v1/projects", params={"limit": 1})
    assert first.json()["items"] == [single[0]] and first.json()["next_cursor"]
    second = client.get(
        "/api/v1/projects", params={"limit": 1, "cursor": first.json()["next_cursor"]}
    )
    assert second.json() == {"items": [single[1]], "next_cursor": None}
    assert client.get("/api/v1/projects", params={"country": "TJ"}).json()["items"] == [single[0]]


def test_update_answer_and_etag_match_the_next_read(client: TestClient) -> None:
    created = client.post("/api/v1/projects", json=project_body())
    path = created.headers["location"]
    read = client.get(path)
    assert read.headers["etag"] == created.headers["etag"]
    assert client.get(path, headers={"If-None-Match": read.headers["etag"]}).status_code == 304
    changed = client.patch(
        path,
        json={"un_entities": ["ESCAP", "ECE"], "title": "Changed"},
        headers={"If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    again = client.get(path)
    assert again.json() == changed.json()
    assert again.headers["etag"] == changed.headers["etag"] != read.headers["etag"]
    assert again.json()["un_entities"] == ["ECE", "ESCAP"]
    stale = client.patch(path, json={"title": "x"}, headers={"If-Match": read.headers["etag"]})
    assert stale.status_code == 412


@contextmanager
def _statements(app: FastAPI) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = core_of(app).database.engine

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's transaction start, not a read
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# Upper bounds, whatever the number of projects or of their classifications.
SINGLE_READ_STATEMENTS = 2
PAGE_READ_STATEMENTS = 2
RESULTS_BATCH_STATEMENTS = 4


def test_reads_cost_a_fixed_number_of_statements(client: TestClient, projects_app: FastAPI) -> None:
    rich = _rich_project(client)
    ids = [rich["id"]]
    for i in range(5):
        ids.append(client.post("/api/v1/projects", json=project_body(f"P-{i}")).json()["id"])
    for project_id in ids[:2]:  # frameworks with indicators and periods on two of them
        url = f"/api/v1/projects/{project_id}/results"
        etag = client.get(url).headers["etag"]
        put = client.put(url, json=FRAMEWORK, headers={"If-Match": etag})
        assert put.status_code == 200, put.text
    query = {"ids": ",".join(map(str, ids))}
    reads = {
        "single": (f"/api/v1/projects/{rich['id']}", None, SINGLE_READ_STATEMENTS),
        "list": ("/api/v1/projects", None, PAGE_READ_STATEMENTS),
        "filtered list": ("/api/v1/projects", {"goal": "17"}, PAGE_READ_STATEMENTS),
        "batch": ("/api/v1/projects/batch", query, PAGE_READ_STATEMENTS),
        "results": (f"/api/v1/projects/{ids[0]}/results", None, RESULTS_BATCH_STATEMENTS),
        "results batch": ("/api/v1/projects/batch/results", query, RESULTS_BATCH_STATEMENTS),
    }
    for name, (path, params, bound) in reads.items():
        client.get(path, params=params)  # warm: the Centre row, caches
        with _statements(projects_app) as seen:
            response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        assert len(seen) <= bound, f"{name}: {len(seen)} statements\n" + "\n".join(seen)
