"""Content of an evaluation: OECD-DAC ratings on the configured scale, findings, the quality
assessment of the report and documents with checksums."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.evaluation.main import create_app
from services.evaluation.settings import Settings
from tests.evaluation.conftest import (
    REPORT_STEPS,
    Clock,
    contracted_evaluation,
    created,
    independent_evaluation,
    move,
    schedule,
)
from tests.support.clients import signed_client

SHA = "a" * 64


def test_criterion_is_rated_with_label_and_changed_with_if_match(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/ratings/relevance"
    first = client.put(url, json={"score": 5, "justification": "Aligned with national plans."})
    assert first.status_code == 201, first.text
    assert first.json()["label"] == "Satisfactory"
    assert client.put(url, json={"score": 4, "justification": "x"}).status_code == 428
    changed = client.put(
        url,
        json={"score": 4, "justification": "Revised."},
        headers={"If-Match": first.headers["etag"]},
    )
    assert changed.status_code == 200
    client.put(
        f"/api/v1/evaluations/{evaluation['id']}/ratings/coherence",
        json={"score": 0, "justification": "No evidence."},
    )
    ratings = client.get(f"/api/v1/evaluations/{evaluation['id']}/ratings").json()["items"]
    assert [(r["criterion"], r["score"], r["label"]) for r in ratings] == [
        ("relevance", 4, "Moderately satisfactory"),
        ("coherence", 0, "Unable to assess"),
    ]


def test_score_off_the_scale_and_unknown_criterion_are_refused(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    base = f"/api/v1/evaluations/{evaluation['id']}/ratings"
    off = client.put(f"{base}/impact", json={"score": 7, "justification": "x"})
    assert off.status_code == 422
    assert off.json()["errors"][0]["rule"] == "rating-scale"
    unknown = client.put(f"{base}/beauty", json={"score": 5, "justification": "x"})
    assert unknown.status_code == 422
    no_reason = client.put(f"{base}/impact", json={"score": 5, "justification": " "})
    assert no_reason.json()["errors"][0]["field"] == "justification"
    assert client.get(base).json()["items"] == []


def test_rating_scale_is_configurable(evaluation_settings: Settings, clock: Clock) -> None:
    settings = evaluation_settings.model_copy(
        update={"rating_scale": {4: "Excellent", 3: "Good", 2: "Fair", 1: "Poor"}}
    )
    app = create_app(settings, clock=clock)
    with signed_client(app) as client:
        [cycle, *_] = schedule(client)
        evaluation = independent_evaluation(client, cycle["id"])
        base = f"/api/v1/evaluations/{evaluation['id']}/ratings"
        assert (
            client.put(f"{base}/impact", json={"score": 6, "justification": "x"}).status_code == 422
        )
        good = client.put(f"{base}/impact", json={"score": 3, "justification": "x"})
        assert good.json()["label"] == "Good"


def test_findings_are_numbered_in_order(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/findings"
    for text in ("Strong convening role.", "Weak results framework."):
        created(client.post(url, json={"text": text, "criterion": "effectiveness"}))
    findings = client.get(url).json()["items"]
    assert [(f["number"], f["text"]) for f in findings] == [
        (1, "Strong convening role."),
        (2, "Weak results framework."),
    ]
    assert client.post(url, json={"text": ""}).status_code == 422
    assert client.post("/api/v1/evaluations/999/findings", json={"text": "x"}).status_code == 404


def test_quality_assessment_needs_a_report(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = contracted_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/quality-assessment"
    body = {"score": 5, "assessed_by": "UNEG peer", "assessed_on": "2028-11-01"}
    early = client.put(url, json=body)
    assert early.status_code == 409
    assert early.json()["type"] == "urn:sdgc:problem:quality-assessment-needs-report"
    assert client.get(url).status_code == 404
    move(client, evaluation["id"], *REPORT_STEPS)
    assessed = client.put(url, json=body)
    assert assessed.status_code == 201, assessed.text
    assert assessed.json()["label"] == "Satisfactory"
    again = client.put(
        url, json={**body, "score": 6}, headers={"If-Match": assessed.headers["etag"]}
    )
    assert again.json()["score"] == 6


def test_documents_keep_url_checksum_and_public_flag(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/documents"
    document = created(
        client.post(
            url,
            json={
                "kind": "terms_of_reference",
                "title": "ToR 2028",
                "url": "https://example.org/tor-2028.pdf",
                "sha256": SHA.upper(),
                "public": True,
            },
        )
    )
    assert document["sha256"] == SHA
    created(
        client.post(
            url,
            json={
                "kind": "inception_report",
                "title": "Inception",
                "url": "https://example.org/inception.pdf",
                "sha256": "b" * 64,
            },
        )
    )
    public = client.get(url, params={"public": "true"}).json()["items"]
    assert [d["title"] for d in public] == ["ToR 2028"]


def test_bad_checksum_or_url_is_refused(client: TestClient) -> None:
    [cycle, *_] = schedule(client)
    evaluation = independent_evaluation(client, cycle["id"])
    url = f"/api/v1/evaluations/{evaluation['id']}/documents"
    base = {"kind": "final_report", "title": "Final", "url": "https://example.org/f.pdf"}
    short = client.post(url, json={**base, "sha256": "abc"})
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "sha256"
    not_http = client.post(url, json={**base, "url": "ftp://example.org/f.pdf", "sha256": SHA})
    assert not_http.json()["errors"][0]["field"] == "url"
    assert client.get(url).json()["items"] == []
