"""``sdgc import iati``: split under the body limit, a summary per activity, resumable."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from lxml import etree

from sdgc import ApiError, Client, imports
from tests.sdgc.helpers import (
    CENTRE_ORG,
    as_json,
    failing_client,
    iati_document,
    make_centre_the_reporting_org,
    run_cli,
)
from tests.support.suite import Suite


def _identifiers(count: int) -> list[str]:
    tag = uuid.uuid4().hex[:8].upper()
    return [f"{CENTRE_ORG}-{tag}-{n:03d}" for n in range(1, count + 1)]


def _registered(client: Client, identifiers: list[str]) -> list[str]:
    tag = identifiers[0].rsplit("-", 1)[0]
    return sorted(p["iati_identifier"] for p in client.projects.list(q=tag, limit=200))


def _line_of(raw: bytes, number: int) -> int:
    root = etree.fromstring(raw)
    return int(root.findall("iati-activity")[number - 1].sourceline or 0)


def test_a_bad_activity_in_the_middle_is_refused_alone_and_the_rest_imported(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    make_centre_the_reporting_org(client)
    identifiers = _identifiers(7)
    raw = iati_document(identifiers, bad=frozenset({identifiers[3]}))
    source = tmp_path / "activities.xml"
    source.write_bytes(raw)

    # documents of about two activities each: the bad one shares its document with a good one
    ran = run_cli(
        suite, tmp_path, "-o", "json", "import", "iati", str(source), "--max-bytes", "1600"
    )

    assert ran.returncode == 1, ran.stderr
    summary = as_json(ran)
    assert (summary["created"], summary["updated"], summary["replayed"]) == (6, 0, 0)
    [refused] = summary["refused"]
    assert refused["number"] == 4 and refused["identifier"] == identifiers[3]
    assert refused["line"] == _line_of(raw, 4)
    [reason] = refused["reasons"]  # numbered as in the file, whatever document carried it
    assert reason.startswith(f"iati-activity[4]({identifiers[3]})/tag") and "'18.1'" in reason
    assert _registered(client, identifiers) == sorted(identifiers[:3] + identifiers[4:])
    assert "activities" in ran.stderr  # the progress bar


def test_the_table_summary_names_the_refused_activity_with_its_line(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    make_centre_the_reporting_org(client)
    identifiers = _identifiers(3)
    raw = iati_document(identifiers, bad=frozenset({identifiers[1]}))
    source = tmp_path / "activities.xml"
    source.write_bytes(raw)
    ran = run_cli(suite, tmp_path, "import", "iati", str(source))
    assert ran.returncode == 1, ran.stderr
    assert identifiers[1] in ran.stdout and str(_line_of(raw, 2)) in ran.stdout
    assert "tag[@vocabulary=3]" in ran.stdout  # brackets shown as written, not as markup
    assert "refused" in ran.stdout


def test_an_interrupted_import_resumes_without_creating_anything_twice(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    make_centre_the_reporting_org(client)
    identifiers = _identifiers(8)
    raw = iati_document(identifiers)
    source = tmp_path / "activities.xml"
    source.write_bytes(raw)
    journal = tmp_path / "journal.jsonl"
    documents, _ = imports.split_documents(*imports.read_activities(raw), max_bytes=1600)
    assert len(documents) >= 3

    with failing_client(suite, 2) as broken, pytest.raises(imports.Interrupted) as stopped:
        imports.import_iati(broken, raw, max_bytes=1600, journal=imports.Journal(journal))
    done = stopped.value.summary.created
    assert done == len(documents[0].activities) + len(documents[1].activities)
    assert len(_registered(client, identifiers)) == done

    ran = run_cli(
        suite,
        tmp_path,
        "-o",
        "json",
        "import",
        "iati",
        str(source),
        "--max-bytes",
        "1600",
        "--journal",
        str(journal),
    )
    assert ran.returncode == 0, ran.stderr
    summary = as_json(ran)
    assert (summary["created"], summary["updated"], summary["refused"]) == (8, 0, [])
    assert summary["replayed"] == done
    assert _registered(client, identifiers) == sorted(identifiers)

    again = as_json(
        run_cli(suite, tmp_path, "-o", "json", "import", "iati", str(source), "--max-bytes", "1600")
    )
    assert (again["created"], again["updated"]) == (0, 8)  # no journal: an upsert, no copies
    assert _registered(client, identifiers) == sorted(identifiers)


def test_an_activity_over_the_limit_is_refused_with_its_size() -> None:
    raw = iati_document([f"{CENTRE_ORG}-BIG-001"])
    head, tail, activities = imports.read_activities(raw)
    documents, refused = imports.split_documents(head, tail, activities, max_bytes=200)
    assert documents == [] and refused[0].number == 1
    assert "over the 200-byte limit" in refused[0].reasons[0]


def test_the_documents_sent_are_well_formed_iati_with_every_activity_once() -> None:
    identifiers = [f"{CENTRE_ORG}-SPLIT-{n:03d}" for n in range(20)]
    raw = iati_document(identifiers)
    documents, _ = imports.split_documents(*imports.read_activities(raw), max_bytes=1600)
    seen = []
    for document in documents:
        body = document.body()
        assert len(body) <= 4096
        root = etree.fromstring(body)
        assert root.tag == "iati-activities" and root.get("version") == "2.03"
        seen += [a.findtext("iati-identifier") for a in root.findall("iati-activity")]
    assert seen == identifiers


def _document(count: int) -> imports.Document:
    raw = iati_document([f"{CENTRE_ORG}-UNIT-{n:03d}" for n in range(1, count + 1)])
    head, tail, activities = imports.read_activities(raw)
    return imports.Document(head, tail, activities)


def test_a_document_refused_as_a_whole_is_halved_until_the_culprit_is_alone() -> None:
    document = _document(4)
    summary = imports.Summary()
    too_big = ApiError(status=413, type="urn:sdgc:problem:body-too-large", detail="too big")
    halves = imports.after_refusal(document, too_big, summary)
    assert [len(h.activities) for h in halves] == [2, 2] and summary.refused == []
    single = imports.Document(document.head, document.tail, document.activities[:1])
    assert imports.after_refusal(single, too_big, summary) == []
    [refused] = summary.refused
    assert refused.number == 1 and "body-too-large" in refused.reasons[0]


def test_a_key_without_the_scope_stops_the_import_at_once(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    reader = client.api_keys.create({"name": "reader", "scopes": ["projects:read"]})
    source = tmp_path / "activities.xml"
    source.write_bytes(iati_document(_identifiers(2)))
    ran = run_cli(suite, tmp_path, "--api-key", reader["api_key"], "import", "iati", str(source))
    assert ran.returncode == 1 and "403" in ran.stderr


def test_a_journal_line_cut_short_by_an_interruption_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = imports.Journal(path)
    journal.record("k1", {"created": 2, "updated": 0, "replayed": 0, "refused": [], "ids": [1, 2]})
    with path.open("a") as out:
        out.write('{"key": "k2", "created": 3, "upd')  # the process died here
    again = imports.Journal(path)
    assert set(again.done) == {"k1"} and again.done["k1"]["ids"] == [1, 2]
    again.record("k2", {"created": 3, "updated": 0, "replayed": 0, "refused": [], "ids": [3]})
    assert set(imports.Journal(path).done) == {"k1", "k2"}
