"""``sdgc report``: the annual report and sources-and-uses as JSON, CSV, XLSX or HTML files."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
from openpyxl import load_workbook

from sdgc import Client
from tests.sdgc.helpers import run_cli
from tests.support.suite import ADMIN_KEY, Suite

YEAR = "2029"


def _money_in(client: Client, name: str) -> None:
    donor = client.contributors.create({"name": name, "type": "private_sector"})
    agreement = client.agreements.create(
        {
            "reference": f"AGR-{uuid.uuid4().hex[:8]}",
            "contributor_id": donor["id"],
            "currency": "USD",
            "total": "250.00",
            "instalments": [{"due_date": f"{YEAR}-02-01", "amount": "250.00"}],
            "earmarking": {"kind": "unearmarked"},
        }
    )
    client.agreements.change_status(agreement["id"], {"status": "signed", "on": f"{YEAR}-01-10"})
    client.contributions.create(
        {
            "kind": "cash",
            "agreement_id": agreement["id"],
            "instalment_number": 1,
            "amount": "250.00",
            "currency": "USD",
            "value_date": f"{YEAR}-02-03",
        }
    )


def test_sources_and_uses_in_every_format(suite: Suite, client: Client, tmp_path: Path) -> None:
    name = f'=HYPERLINK("http://x","{uuid.uuid4().hex[:6]}")'  # formula-like on purpose
    _money_in(client, name)
    for fmt in ("json", "csv", "xlsx", "html"):
        target = tmp_path / f"sources.{fmt}"
        ran = run_cli(
            suite,
            tmp_path,
            "report",
            "sources-and-uses",
            "--year",
            YEAR,
            "--format",
            fmt,
            "--to",
            str(target),
        )
        assert ran.returncode == 0, ran.stderr
    document = json.loads((tmp_path / "sources.json").read_text())
    assert document["year"] == int(YEAR) and document["funds"]
    assert Decimal(document["totals"]["sources"]) >= Decimal("250.00")

    served = httpx.get(
        f"{suite.gateway_url}/api/v1/reports/sources-and-uses",
        params={"year": YEAR, "format": "csv"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert (tmp_path / "sources.csv").read_bytes() == served.content

    workbook = load_workbook(tmp_path / "sources.xlsx")
    assert workbook.sheetnames[0] == f"Sources and uses {YEAR}"[:28]
    assert {"funds", "by_contributor"} <= set(workbook.sheetnames)
    contributors = workbook["by_contributor"]
    header = [c.value for c in contributors[1]]
    names = [row[header.index("name")].value for row in contributors.iter_rows(min_row=2)]
    cells = [row[header.index("name")] for row in contributors.iter_rows(min_row=2)]
    assert name in names
    assert all(cell.data_type == "s" for cell in cells)  # text, never a formula
    cash = [row[header.index("cash")].value for row in contributors.iter_rows(min_row=2)]
    assert all(isinstance(v, int | float | Decimal) for v in cash)

    page = (tmp_path / "sources.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<h2>funds</h2>" in page
    assert "=HYPERLINK(&quot;http://x&quot;" in page  # escaped


def test_the_annual_report_is_written_as_json_and_html(
    suite: Suite, client: Client, tmp_path: Path
) -> None:
    for fmt in ("json", "html", "xlsx", "csv"):
        target = tmp_path / f"annual.{fmt}"
        ran = run_cli(
            suite, tmp_path, "report", "annual", YEAR, "--format", fmt, "--to", str(target)
        )
        assert ran.returncode == 0, ran.stderr
    report = json.loads((tmp_path / "annual.json").read_text())
    assert report["year"] == int(YEAR)
    assert "<table>" in (tmp_path / "annual.html").read_text()
    assert (tmp_path / "annual.csv").read_text().strip()


def test_a_refused_report_exits_1_naming_the_problem(suite: Suite, tmp_path: Path) -> None:
    ran = run_cli(
        suite,
        tmp_path,
        "report",
        "sources-and-uses",
        "--year",
        "1800",
        "--to",
        str(tmp_path / "x.json"),
    )
    assert ran.returncode == 1
    assert "422" in ran.stderr and "year" in ran.stderr
    assert not (tmp_path / "x.json").exists()
