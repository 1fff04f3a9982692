"""``sdgc import rates|contributions``: CSV in, a summary out, resumable without duplicates."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sdgc import Client, imports
from tests.sdgc.helpers import as_json, failing_client, run_cli
from tests.support.suite import Suite


def _signed_agreement(client: Client, instalments: int) -> dict[str, Any]:
    donor = client.contributors.create(
        {"name": f"Donor {uuid.uuid4().hex[:8]}", "type": "member_state", "country": "NO"}
    )
    made = client.agreements.create(
        {
            "reference": f"AGR-{uuid.uuid4().hex[:8]}",
            "contributor_id": donor["id"],
            "currency": "USD",
            "total": str(100 * instalments),
            "instalments": [
                {"due_date": f"2027-{n:02d}-15", "amount": "100.00"}
                for n in range(1, instalments + 1)
            ],
            "earmarking": {"kind": "unearmarked"},
        }
    )
    return client.agreements.change_status(made["id"], {"status": "signed", "on": "2027-01-05"})


def _contributions_csv(agreement_id: int, rows: list[tuple[int, str]]) -> str:
    lines = ["kind,agreement_id,instalment_number,amount,currency,value_date"]
    lines += [f"cash,{agreement_id},{n},{amount},USD,2027-03-01" for n, amount in rows]
    return "\n".join(lines) + "\n"


def _received(client: Client, agreement_id: int) -> list[Decimal]:
    return sorted(c["amount"] for c in client.contributions.list(agreement_id=agreement_id))


def test_contributions_import_refuses_a_bad_row_by_its_line_and_records_the_others(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    agreement = _signed_agreement(client, 3)
    source = tmp_path / "contributions.csv"
    source.write_text(
        _contributions_csv(agreement["id"], [(1, "40.00"), (2, "25.50"), (9, "10.00"), (3, "5.00")])
    )
    ran = run_cli(suite, tmp_path, "-o", "json", "import", "contributions", str(source))
    assert ran.returncode == 1, ran.stderr
    summary = as_json(ran)
    assert summary["created"] == 3 and summary["replayed"] == 0
    [refused] = summary["refused"]
    assert refused["line"] == 4 and refused["reasons"]
    assert _received(client, agreement["id"]) == [
        Decimal("5.00"),
        Decimal("25.50"),
        Decimal("40.00"),
    ]


def test_an_interrupted_contributions_import_resumes_and_records_each_row_once(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    agreement = _signed_agreement(client, 2)
    # two identical rows are two receipts: each gets its own key
    text = _contributions_csv(agreement["id"], [(1, "10.00"), (1, "10.00"), (2, "30.00")])
    source = tmp_path / "contributions.csv"
    source.write_text(text)

    # the second row reaches the API, which records it, but its answer is lost
    with (
        failing_client(suite, 1, lose_answers=True) as broken,
        pytest.raises(imports.Interrupted) as stopped,
    ):
        imports.import_contributions(broken, text)
    assert stopped.value.summary.created == 1
    assert len(_received(client, agreement["id"])) == 2

    ran = run_cli(suite, tmp_path, "-o", "json", "import", "contributions", str(source))
    assert ran.returncode == 0, ran.stderr
    summary = as_json(ran)
    assert (summary["created"], summary["replayed"], summary["refused"]) == (3, 2, [])
    assert _received(client, agreement["id"]) == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("30.00"),
    ]


def test_rates_load_once_and_a_second_run_is_a_replay(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "rates.csv"
    source.write_text("currency,effective_date,rate\nKZT,2031-01-01,505.5\nEUR,2031-01-01,0.92\n")
    first = run_cli(suite, tmp_path, "-o", "json", "import", "rates", str(source))
    assert first.returncode == 0, first.stderr
    assert (as_json(first)["created"], as_json(first)["replayed"]) == (2, 0)
    again = run_cli(suite, tmp_path, "-o", "json", "import", "rates", str(source))
    assert (as_json(again)["created"], as_json(again)["replayed"]) == (2, 2)
    rates = list(client.rates.list(month="2031-01"))
    assert sorted((r["currency"], r["rate"]) for r in rates) == [
        ("EUR", Decimal("0.92")),
        ("KZT", Decimal("505.5")),
    ]


def test_a_refused_rates_document_names_the_file_line_and_loads_nothing(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "rates.csv"
    source.write_text("currency,effective_date,rate\nGBP,2032-01-01,0.8\nCHF,2032-01-01,-1\n")
    ran = run_cli(suite, tmp_path, "import", "rates", str(source), "--output", "json")
    assert ran.returncode == 1
    refused = {r["line"]: r["reasons"] for r in as_json(ran)["refused"]}
    assert sorted(refused) == [2, 3]
    assert any("rate" in reason for reason in refused[3])
    assert "another line" in refused[2][0]
    assert list(client.rates.list(month="2032-01")) == []


def test_large_rate_files_go_in_documents_under_the_limit_and_lines_map_back() -> None:
    lines = [f"X{n:02d},2033-01-01,1.5" for n in range(60)]
    columns, rows = imports.read_csv("currency,effective_date,rate\n" + "\n".join(lines))
    groups = list(imports.rate_documents(columns, rows, 200))
    assert len(groups) > 1 and sum(len(g) for g in groups) == 60
    assert [r.line for g in groups for r in g] == list(range(2, 62))


def test_a_row_becomes_a_contribution_with_nested_earmarking_and_no_empty_cells() -> None:
    columns, rows = imports.read_csv(
        "\ufeffkind, contributor_id ,amount,currency,value_date,in_kind_type,description,"
        "earmarking.kind,earmarking.sdg_goal,agreement_id\n"
        "in_kind,7,1200.00,KZT,2027-05-01,premises,Office floor,thematic,17,\n"
    )
    assert columns[1] == "contributor_id" and rows[0].line == 2
    assert imports.contribution_body(rows[0].values) == {
        "kind": "in_kind",
        "contributor_id": 7,
        "amount": "1200.00",
        "currency": "KZT",
        "value_date": "2027-05-01",
        "in_kind_type": "premises",
        "description": "Office floor",
        "earmarking": {"kind": "thematic", "sdg_goal": 17},
    }


def test_row_keys_come_from_the_content_and_repeat_across_runs() -> None:
    bodies = [{"amount": "1"}, {"amount": "1"}, {"amount": "2"}]
    first = list(imports.contribution_keys(bodies))
    assert len(set(first)) == 3  # identical rows are still two receipts
    assert list(imports.contribution_keys(bodies)) == first
    assert list(imports.contribution_keys(bodies[1:]))[1] == first[2]  # not by position
