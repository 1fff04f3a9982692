"""Reports written to files: JSON as answered, CSV as the API renders it, XLSX and HTML as
tables built from the JSON (one per list of records, plus one of the headline figures).

Cells a spreadsheet would read as a formula are written as text (XLSX) — a contributor's name
is data, never code.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

Cell = str | int | float | bool | Decimal | None


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Cell]]


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | bool | Decimal):
        return value
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, default=str)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted columns; lists of objects are left for their own tables."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
            flat[name] = _cell(value)
    return flat


def _lists(value: Any, path: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every list of objects inside ``value``, with its dotted path."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _lists(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        yield path, value
        for item in value:
            for key, inner in item.items():
                yield from _lists(inner, f"{path}.{key}")


def tables(document: dict[str, Any], title: str = "summary") -> list[Table]:
    """The document's scalars as one two-column table, then a table per list of records
    (records of nested lists are merged into one table per path)."""
    summary = Table(title, ["field", "value"], [[k, v] for k, v in _flatten(document).items()])
    merged: dict[str, list[dict[str, Any]]] = {}
    for path, records in _lists(document, ""):
        merged.setdefault(path, []).extend(records)
    out = [summary]
    for path, records in merged.items():
        flats = [_flatten(r) for r in records]
        columns = list(dict.fromkeys(c for flat in flats for c in flat))
        out.append(Table(path, columns, [[flat.get(c) for c in columns] for flat in flats]))
    return out


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "sheet"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[:25]}~{n}"
    used.add(candidate.lower())
    return candidate


def write_xlsx(document: dict[str, Any], path: Path, title: str) -> None:
    workbook = Workbook()
    used: set[str] = set()
    for index, table in enumerate(tables(document, title)):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = _sheet_name(table.name, used)
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                elif isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00########"
    workbook.save(path)


def write_html(document: dict[str, Any], path: Path, title: str) -> None:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;"
        "padding:2px 6px}td.n{text-align:right}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for table in tables(document, title):
        parts.append(f"<h2>{html.escape(table.name)}</h2><table><thead><tr>")
        parts.extend(f"<th>{html.escape(c)}</th>" for c in table.columns)
        parts.append("</tr></thead><tbody>")
        for row in table.rows:
            cells = (
                f'<td class="n">{v}</td>'
                if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
                else f"<td>{html.escape('' if v is None else str(v))}</td>"
                for v in row
            )
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(type(value).__name__)


def write_json(document: dict[str, Any], path: Path) -> None:
    text = json.dumps(document, indent=2, default=_json_default, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
