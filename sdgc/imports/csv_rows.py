"""CSV imports: UN operational rates (all lines or none per document) and contributions (one
request per row, each with a key from its content)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sdgc.client import Client
from sdgc.errors import ApiError
from sdgc.imports.outcome import (
    DEFAULT_MAX_BYTES,
    Progress,
    Refusal,
    Summary,
    digest,
    is_refusal,
    reasons_of,
    stopped,
)


@dataclass
class Row:
    line: int
    values: dict[str, str]


def read_csv(text: str) -> tuple[list[str], list[Row]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows = []
    start = 2
    for values in reader:
        rows.append(Row(start, {k.strip(): (v or "").strip() for k, v in values.items() if k}))
        start = reader.line_num + 1
    return [f.strip() for f in reader.fieldnames or []], rows


def rate_documents(columns: list[str], rows: list[Row], max_bytes: int) -> Iterator[list[Row]]:
    """Rows grouped in order into CSV documents of at most ``max_bytes``."""
    group: list[Row] = []
    size = len(",".join(columns)) + 2
    for row in rows:
        width = len(",".join(row.values.get(c, "") for c in columns)) + 2
        if group and size + width > max_bytes:
            yield group
            group, size = [], len(",".join(columns)) + 2
        group.append(row)
        size += width
    if group:
        yield group


def _rates_csv(columns: list[str], rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.values.get(c, "") for c in columns] for row in rows)
    return out.getvalue()


LINE_FIELD = re.compile(r"^line (\d+)\.(.*)$")


def import_rates(
    client: Client,
    text: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
) -> Summary:
    """Load rates CSV (currency,effective_date,rate); each document is all lines or none."""
    columns, rows = read_csv(text)
    summary = Summary()
    for group in rate_documents(columns, rows, max_bytes):
        body = _rates_csv(columns, group)
        try:
            loaded = client.rates.load_csv(body, idempotency_key=f"sdgc-rates-{digest(body)[:48]}")
        except ApiError as problem:
            if not is_refusal(problem):
                raise stopped(summary, problem) from problem
            summary.refused.extend(_rate_refusals(group, problem))
        except Exception as exc:
            raise stopped(summary, exc) from exc
        else:
            count = int(loaded["loaded"])
            summary.replayed += count if loaded.replayed else 0
            summary.created += count
            summary.ids.extend(int(item["id"]) for item in loaded["items"])
        if progress is not None:
            progress(len(group))
    return summary


def _rate_refusals(group: list[Row], problem: ApiError) -> list[Refusal]:
    """Every line of a refused document, each with the reasons naming it (or the document's)."""
    by_line: dict[int, list[str]] = {}
    general: list[str] = []
    for error in problem.errors:
        match = LINE_FIELD.match(error.field)
        if match and 2 <= int(match[1]) < len(group) + 2:
            row = group[int(match[1]) - 2]
            by_line.setdefault(row.line, []).append(f"{match[2]}: {error.message}")
        else:
            general.append(f"{error.field}: {error.message}")
    if not problem.errors:
        general = reasons_of(problem)
    if not by_line:
        reasons = general or reasons_of(problem)
        return [Refusal(r.line, r.line, _rate_id(r), reasons) for r in group]
    note = "not loaded: another line of its document was refused"
    return [
        Refusal(r.line, r.line, _rate_id(r), by_line.get(r.line, [note]) + general) for r in group
    ]


def _rate_id(row: Row) -> str:
    return f"{row.values.get('currency', '')} {row.values.get('effective_date', '')}".strip()


# --------------------------------------------------------------------------- contributions

INTEGER_COLUMNS = frozenset(
    {
        "agreement_id",
        "instalment_number",
        "contributor_id",
        "earmarking.sdg_goal",
        "earmarking.project_id",
    }
)


def contribution_body(values: dict[str, str]) -> dict[str, Any]:
    """A CSV row as a contribution: empty cells are left out, ``earmarking.kind`` etc. nest."""
    body: dict[str, Any] = {}
    for column, value in values.items():
        if value == "":
            continue
        typed: Any = int(value) if column in INTEGER_COLUMNS and value.isdigit() else value
        target = body
        *parents, name = column.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = typed
    return body


def contribution_keys(bodies: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A key per row from its content; the n-th identical row gets its own (two receipts of
    the same amount on the same day are two contributions)."""
    seen: Counter[str] = Counter()
    for body in bodies:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        seen[canonical] += 1
        yield f"sdgc-contribution-{digest(f'{canonical}#{seen[canonical]}')[:48]}"


def _contribution_id(body: dict[str, Any]) -> str:
    words = ("kind", "amount", "currency", "value_date", "agreement_id", "contributor_id")
    return " ".join(f"{w}={body[w]}" for w in words if w in body)


def import_contributions(client: Client, text: str, *, progress: Progress | None = None) -> Summary:
    """One contribution per CSV row; a refused row is reported and the others go on."""
    _, rows = read_csv(text)
    bodies = [contribution_body(row.values) for row in rows]
    summary = Summary()
    for row, body, key in zip(rows, bodies, contribution_keys(bodies), strict=True):
        try:
            made = client.contributions.create(body, idempotency_key=key)
        except ApiError as problem:
            if not is_refusal(problem):
                raise stopped(summary, problem) from problem
            summary.refused.append(
                Refusal(row.line, row.line, _contribution_id(body), reasons_of(problem))
            )
        except Exception as exc:
            raise stopped(summary, exc) from exc
        else:
            summary.created += 1
            summary.replayed += 1 if made.replayed else 0
            summary.ids.append(int(made["id"]))
        if progress is not None:
            progress(1)
    return summary
