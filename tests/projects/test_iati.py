"""IATI 2.03: export validates against the official XSD, import is all-or-nothing, round trip."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree

from services.projects import reference as ref
from tests.projects.conftest import project_body

HERE = Path(__file__).parent
SYNTHETIC = (HERE / "fixtures" / "synthetic-voluntary-fund-activity.xml").read_bytes()
ANNOTATED = (HERE / "fixtures" / "activity-standard-example-annotated.xml").read_bytes()
XML = {"Content-Type": "application/xml"}


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(HERE / "iati_schema" / "iati-activities-schema.xsd")))


def assert_valid_iati(document: bytes) -> None:
    schema = _schema()
    parsed = etree.fromstring(document)
    assert schema.validate(parsed), schema.error_log


def _set_centre(client: TestClient, iati_org_id: str) -> None:
    current = client.get("/api/v1/centre")
    body = {
        k: current.json()[k]
        for k in (
            "name",
            "seat_city",
            "seat_country",
            "head_name",
            "head_appointed_on",
            "head_appointed_by",
        )
    }
    response = client.put(
        "/api/v1/centre",
        json={**body, "iati_org_id": iati_org_id},
        headers={"If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text


def _full_project(client: TestClient) -> dict[str, Any]:
    undp = client.post(
        "/api/v1/organisations", json={"iati_org_id": "XM-DAC-41114", "name": "UNDP", "type": "40"}
    )
    ngo = client.post("/api/v1/organisations", json={"name": "Local NGO", "type": "22"})
    body = project_body(
        "FULL",
        status="2",
        actual_start="2026-02-01",
        dimensions=["social", "economic"],
        sdg_goals=["5"],
        sdg_targets=["17.18", "9.1"],
        recipient_countries=[
            {"code": "KZ", "percentage": "50"},
            {"code": "AF", "percentage": "30"},
        ],
        recipient_regions=[{"vocabulary": "1", "code": "619", "percentage": "20"}],
        participants=[
            {"organisation_id": undp.json()["id"], "role": "implementing"},
            {"organisation_id": ngo.json()["id"], "role": "implementing"},
        ],
        un_entities=["ECE", "ESCAP"],
        speca_groups=["statistics"],
        lldc_priorities=["1", "5"],
        coalitions=["gender-equality"],
        alignments=[
            {
                "country": "KZ",
                "framework": "cooperation_framework",
                "framework_title": "UNSDCF Kazakhstan 2021-2025",
                "statement": "Outcome 2: inclusive data systems",
                "period_start_year": 2021,
                "period_end_year": 2025,
            }
        ],
    )
    created = client.post("/api/v1/projects", json=body)
    assert created.status_code == 201, created.text
    url = f"/api/v1/projects/{created.json()['id']}/results"
    framework = {
        "results": [
            {
                "type": "outcome",
                "title": "Better SDG data",
                "indicators": [
                    {
                        "title": "Indicators reported",
                        "measure": "percentage",
                        "ascending": True,
                        "sdg_indicator": "17.18.1",
                        "baseline_value": "40",
                        "baseline_year": 2025,
                        "baseline_comment": "Voluntary national review",
                        "periods": [
                            {
                                "period_start": "2026-01-01",
                                "period_end": "2026-12-31",
                                "target_value": "60",
                                "actual_value": "45",
                            }
                        ],
                    },
                    {
                        "title": "Users satisfied",
                        "measure": "qualitative",
                        "periods": [
                            {
                                "period_start": "2026-01-01",
                                "period_end": "2026-12-31",
                                "target_comment": "Most users satisfied",
                            }
                        ],
                    },
                ],
            }
        ]
    }
    put = client.put(url, json=framework, headers={"If-Match": client.get(url).headers["etag"]})
    assert put.status_code == 200, put.text
    project: dict[str, Any] = created.json()
    return project


def _without_times(project: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in project.items() if k not in ("created_at", "updated_at")}


def test_export_validates_against_the_official_xsd(client: TestClient) -> None:
    _full_project(client)
    client.post(
        "/api/v1/projects",
        json=project_body(
            "BARE", planned_start=None, planned_end=None, planned_budget=None, description=None
        ),
    )
    response = client.get("/api/v1/iati/activities")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert_valid_iati(response.content)
    root = etree.fromstring(response.content)
    assert len(root.findall("iati-activity")) == 2


def test_export_takes_the_list_filters(client: TestClient) -> None:
    _full_project(client)
    client.post("/api/v1/projects", json=project_body("OTHER"))
    response = client.get("/api/v1/iati/activities", params={"country": "AF"})
    identifiers = etree.fromstring(response.content).xpath("//iati-identifier/text()")
    assert identifiers == ["XM-SDGCA-FULL"]


def test_export_imports_back_unchanged(client: TestClient) -> None:
    project = _full_project(client)
    url = f"/api/v1/projects/{project['id']}"
    before = client.get(url).json()
    results_before = client.get(f"{url}/results").json()
    exported = client.get("/api/v1/iati/activities").content
    imported = client.post("/api/v1/iati/activities", content=exported, headers=XML)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": [], "updated": [project["id"]]}
    assert _without_times(client.get(url).json()) == _without_times(before)
    assert client.get(f"{url}/results").json() == results_before
    again = client.get("/api/v1/iati/activities").content
    strip = etree.XSLT(
        etree.XML(
            b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
            b'<xsl:template match="@generated-datetime|@last-updated-datetime"/>'
            b'<xsl:template match="node()|@*"><xsl:copy><xsl:apply-templates select="node()|@*"/>'
            b"</xsl:copy></xsl:template></xsl:stylesheet>"
        )
    )
    assert str(strip(etree.fromstring(again))) == str(strip(etree.fromstring(exported)))


def test_synthetic_voluntary_fund_activity_imports(client: TestClient) -> None:
    _set_centre(client, "XM-EXAMPLE-SDGCA")
    response = client.post("/api/v1/iati/activities", content=SYNTHETIC, headers=XML)
    assert response.status_code == 200, response.text
    [project_id] = response.json()["created"]
    project = client.get(f"/api/v1/projects/{project_id}").json()
    assert project["iati_identifier"] == "XM-EXAMPLE-SDGCA-2025-001"
    assert project["status"] == "2"
    assert project["sdg_goals"] == ["17"] and project["sdg_targets"] == ["17.18"]
    # no Centre dimension tag: derived from goal 17 by the documented mapping
    assert project["dimensions"] == ["economic", "social", "environmental"]
    assert [(c["code"], c["percentage"]) for c in project["recipient_countries"]] == [
        ("AF", "30.00"),
        ("KG", "30.00"),
        ("KZ", "40.00"),
    ]
    assert {(p["iati_org_id"], p["role"]) for p in project["participants"]} == {
        ("XM-EXAMPLE-DONOR", "funding"),
        ("XM-EXAMPLE-SDGCA", "accountable"),
        (None, "implementing"),
    }
    assert project["planned_budget"] == {"amount": "500000.00", "currency": "USD"}
    results = client.get(f"/api/v1/projects/{project_id}/results").json()
    indicator = results["results"][0]["indicators"][0]
    assert indicator["sdg_indicator"] == "17.18.1"
    assert indicator["progress"] == "0.4167"
    again = client.post("/api/v1/iati/activities", content=SYNTHETIC, headers=XML)
    assert again.json() == {"created": [], "updated": [project_id]}
    assert len(client.get("/api/v1/organisations").json()["items"]) == 3


def test_official_annotated_example_is_refused_listing_every_broken_rule(
    client: TestClient,
) -> None:
    response = client.post("/api/v1/iati/activities", content=ANNOTATED, headers=XML)
    assert response.status_code == 422, response.text
    problem = response.json()
    rules = {e["rule"] for e in problem["errors"]}
    assert {"reporting-org-not-centre", "identifier-prefix"} <= rules
    assert all(
        e["field"].startswith("iati-activity[1](AA-AAA-123456789-ABC123)/")
        for e in problem["errors"]
    )
    assert client.get("/api/v1/projects").json()["items"] == []
    assert client.get("/api/v1/organisations").json()["items"] == []


def test_one_invalid_activity_changes_nothing_and_is_named(client: TestClient) -> None:
    _set_centre(client, "XM-EXAMPLE-SDGCA")
    root = etree.fromstring(SYNTHETIC)
    second = etree.fromstring(etree.tostring(root.find("iati-activity")))
    second.find("iati-identifier").text = "XM-EXAMPLE-SDGCA-2025-002"  # type: ignore[union-attr]
    for tag in second.findall("tag"):
        if tag.get("vocabulary") == "3":
            tag.set("code", "18.1")
    root.append(second)
    response = client.post("/api/v1/iati/activities", content=etree.tostring(root), headers=XML)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "iati-activity[2](XM-EXAMPLE-SDGCA-2025-002)/tag[@vocabulary=3][1]"
    assert error["rule"] == "unknown-sdg-target"
    assert client.get("/api/v1/projects").json()["items"] == []


def test_malformed_or_hostile_xml_is_a_problem_not_a_crash(client: TestClient) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<iati-activities version="2.03"><iati-activity>'
        b"<iati-identifier>&b;</iati-identifier></iati-activity></iati-activities>"
    )
    assert client.post("/api/v1/iati/activities", content=bomb, headers=XML).status_code == 422
    external = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<iati-activities version="2.03"><iati-activity><iati-identifier>&e;'
        b"</iati-identifier></iati-activity></iati-activities>"
    )
    response = client.post("/api/v1/iati/activities", content=external, headers=XML)
    assert response.status_code == 422
    assert "root:" not in response.text
    assert (
        client.post("/api/v1/iati/activities", content=b"<not-closed", headers=XML).status_code
        == 422
    )
    assert (
        client.post("/api/v1/iati/activities", content=b"<other/>", headers=XML).status_code == 422
    )


def test_import_takes_xml_only(client: TestClient) -> None:
    response = client.post("/api/v1/iati/activities", json={"a": 1})
    assert response.status_code == 415


def test_annotated_example_under_its_own_reporting_org_is_never_a_server_error(
    client: TestClient,
) -> None:
    _set_centre(client, "AA-AAA-123456789")
    response = client.post("/api/v1/iati/activities", content=ANNOTATED, headers=XML)
    assert response.status_code == 422, response.text
    rules = {e["rule"] for e in response.json()["errors"]}
    assert rules == {"dimension-required"}  # it names no SDG goal and no Centre dimension
    assert client.get("/api/v1/projects").json()["items"] == []


CODELIST_OF = [
    ("//activity-status/@code", "ActivityStatus"),
    ("//activity-date/@type", "ActivityDateType"),
    ("//participating-org/@role", "OrganisationRole"),
    ("//participating-org/@type", "OrganisationType"),
    ("//reporting-org/@type", "OrganisationType"),
    ("//recipient-country/@code", "Country"),
    ("//recipient-region/@code", "Region"),
    ("//recipient-region/@vocabulary", "RegionVocabulary"),
    ("//tag/@vocabulary", "TagVocabulary"),
    ("//tag[@vocabulary='2']/@code", "UNSDG-Goals"),
    ("//tag[@vocabulary='3']/@code", "UNSDG-Targets"),
    ("//budget/@type", "BudgetType"),
    ("//budget/@status", "BudgetStatus"),
    ("//@currency", "Currency"),
    ("//@default-currency", "Currency"),
    ("//result/@type", "ResultType"),
    ("//indicator/@measure", "IndicatorMeasure"),
    ("//indicator/reference/@vocabulary", "IndicatorVocabulary"),
    ("//description/@type", "DescriptionType"),
]


def test_every_exported_code_is_in_its_iati_codelist(client: TestClient) -> None:
    _full_project(client)
    root = etree.fromstring(client.get("/api/v1/iati/activities").content)
    checked = 0
    for xpath, name in CODELIST_OF:
        codelist = ref.codelist(name)
        for code in root.xpath(xpath):
            assert codelist.contains(str(code)), (xpath, code)
            checked += 1
    assert checked > 20
    for code in root.xpath("//indicator/reference[@vocabulary='9']/@code"):
        assert ref.sdg_indicator(str(code)) is not None
