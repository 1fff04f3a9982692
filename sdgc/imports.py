"""Bulk imports on the client: IATI activities, exchange rates and contributions.

Each import is resumable after an interruption without creating anything twice: every request
carries an Idempotency-Key derived from its content (the document's or the row's digest), so a
second run sends the same keys and the API replays what it already did. The IATI import, whose
endpoint is an upsert by identifier, also keeps a journal of the documents it finished, so a
resumed run skips them and still reports them as created or updated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from sdgc.client import Client
from sdgc.errors import ApiError

DEFAULT_MAX_BYTES = 1_000_000  # under the gateway's and services' 1 MiB body limit
Progress = Callable[[int], None]


@dataclass
class Refusal:
    """One activity or row the API refused, where it is in the file and why."""

    number: int  # activity number (IATI) or CSV line
    line: int  # line in the file
    identifier: str
    reasons: list[str]


@dataclass
class Summary:
    """What an import did. ``created`` and ``updated`` count everything the file led to,
    ``replayed`` how many of those an earlier, interrupted run had already done."""

    created: int = 0
    updated: int = 0
    replayed: int = 0
    refused: list[Refusal] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        self.created += other.created
        self.updated += other.updated
        self.replayed += other.replayed
        self.refused.extend(other.refused)
        self.ids.extend(other.ids)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Interrupted(Exception):
    """The import stopped part-way (the API could not be reached or failed); run it again."""

    def __init__(self, summary: Summary, cause: Exception) -> None:
        super().__init__(str(cause))
        self.summary = summary
        self.cause = cause


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def is_refusal(problem: ApiError) -> bool:
    """A 4xx about what was sent (refuse it, go on); not the key's (401/403: stop, nothing will
    pass) nor a busy or failing API (429, 5xx: stop, a later run resumes)."""
    return 400 <= problem.status < 500 and problem.status not in (401, 403, 429)


class Stop(Exception):
    """The key may not do this (401/403): the import ends at once, the problem is printed."""

    def __init__(self, summary: Summary, problem: ApiError) -> None:
        super().__init__(str(problem))
        self.summary = summary
        self.problem = problem


def stopped(summary: Summary, exc: Exception) -> Exception:
    """What an import raises when ``exc`` ends it part-way."""
    if isinstance(exc, ApiError) and exc.status in (401, 403):
        return Stop(summary, exc)
    return Interrupted(summary, exc)


def reasons_of(problem: ApiError) -> list[str]:
    if problem.errors:
        return [f"{e.field}: {e.message}" for e in problem.errors]
    return [f"{problem.status} {problem.rule}: {problem.detail or problem.title or ''}"]


# --------------------------------------------------------------------------------- journal


class Journal:
    """Outcomes of finished units, one JSON line each, keyed by the unit's Idempotency-Key."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.done: dict[str, dict[str, Any]] = {}
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self.done[entry["key"]] = entry

    def record(self, key: str, outcome: dict[str, Any]) -> None:
        self.done[key] = {"key": key, **outcome}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as out:
                out.write(json.dumps(self.done[key]) + "\n")


# ------------------------------------------------------------------------------------ IATI


@dataclass
class Activity:
    number: int  # 1-based position in the file
    line: int
    identifier: str
    xml: bytes


@dataclass
class Document:
    head: bytes
    tail: bytes
    activities: list[Activity]

    def body(self) -> bytes:
        return self.head + b"".join(a.xml for a in self.activities) + self.tail

    def key(self) -> str:
        return f"sdgc-iati-{digest(self.body())[:48]}"


SAFE_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_activities(raw: bytes) -> tuple[bytes, bytes, list[Activity]]:
    """The document's envelope (its root element's start and end tags) and its activities."""
    root = etree.fromstring(raw, etree.XMLParser(**SAFE_PARSER))  # type: ignore[arg-type]
    if root.tag != "iati-activities":
        raise ValueError("the document's root element must be iati-activities")
    activities = []
    for number, element in enumerate(root.iterfind("iati-activity"), start=1):
        identifier = " ".join((element.findtext("iati-identifier") or "").split())
        element.tail = "\n"
        activities.append(
            Activity(number, element.sourceline or 0, identifier, etree.tostring(element))
        )
        root.remove(element)
    root.text = "\n"
    shell = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    marker = b"</iati-activities>"
    head, tail = shell[: shell.rindex(marker)], marker + b"\n"
    if head.endswith(b"/>"):  # an empty root serialised as <iati-activities .../>
        head = head[:-2] + b">\n"
    return head, tail, activities


def split_documents(
    head: bytes, tail: bytes, activities: list[Activity], max_bytes: int
) -> tuple[list[Document], list[Refusal]]:
    """Activities packed in order into documents of at most ``max_bytes``; an activity too big
    for any document is refused."""
    documents: list[Document] = []
    refused: list[Refusal] = []
    current: list[Activity] = []
    size = len(head) + len(tail)
    for activity in activities:
        if len(head) + len(tail) + len(activity.xml) > max_bytes:
            refused.append(_too_large(activity, max_bytes))
            continue
        if current and size + len(activity.xml) > max_bytes:
            documents.append(Document(head, tail, current))
            current, size = [], len(head) + len(tail)
        current.append(activity)
        size += len(activity.xml)
    if current:
        documents.append(Document(head, tail, current))
    return documents, refused


def _too_large(activity: Activity, max_bytes: int) -> Refusal:
    return Refusal(
        activity.number,
        activity.line,
        activity.identifier,
        [f"the activity alone is {len(activity.xml)} bytes, over the {max_bytes}-byte limit"],
    )


ACTIVITY_FIELD = re.compile(r"^iati-activity\[(\d+)\]")


def _blame(document: Document, problem: ApiError) -> dict[int, list[str]] | None:
    """Reasons per activity (index in the document) named by the problem's errors; None when
    an error names no activity."""
    blamed: dict[int, list[str]] = {}
    for error in problem.errors:
        match = ACTIVITY_FIELD.match(error.field)
        if match is None or not 1 <= int(match[1]) <= len(document.activities):
            return None
        index = int(match[1]) - 1
        number = document.activities[index].number  # the file's numbering, not the document's
        where = f"iati-activity[{number}]{error.field[match.end() :]}"
        blamed.setdefault(index, []).append(f"{where}: {error.message}")
    return blamed or None


def send_document(client: Client, document: Document) -> Summary:
    """Import one document; activities the API refuses are set aside and the rest sent again,
    so each activity is imported whole or refused whole."""
    summary = Summary()
    pending = [document]
    while pending:
        doc = pending.pop()
        try:
            answer = client.iati.import_activities(doc.body(), idempotency_key=doc.key())
        except ApiError as problem:
            if not is_refusal(problem):
                raise
            pending.extend(_after_refusal(doc, problem, summary))
            continue
        summary.created += len(answer["created"])
        summary.updated += len(answer["updated"])
        summary.ids.extend(answer["created"] + answer["updated"])
    summary.refused.sort(key=lambda r: r.number)
    return summary


def _after_refusal(doc: Document, problem: ApiError, summary: Summary) -> list[Document]:
    """What to send next after ``doc`` was refused: the activities not to blame, or its halves
    when the problem names none of them; a single activity is refused with the reasons."""
    blamed = _blame(doc, problem)
    if blamed is None and len(doc.activities) > 1:
        half = len(doc.activities) // 2
        return [
            Document(doc.head, doc.tail, doc.activities[half:]),
            Document(doc.head, doc.tail, doc.activities[:half]),
        ]
    blamed = blamed or {0: reasons_of(problem)}
    rest = []
    for index, activity in enumerate(doc.activities):
        if index in blamed:
            summary.refused.append(
                Refusal(activity.number, activity.line, activity.identifier, blamed[index])
            )
        else:
            rest.append(activity)
    return [Document(doc.head, doc.tail, rest)] if rest else []


def import_iati(
    client: Client,
    raw: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    journal: Journal | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Import an iati-activities document of any size, document by document."""
    journal = journal or Journal(None)
    head, tail, activities = read_activities(raw)
    documents, refused = split_documents(head, tail, activities, max_bytes)
    summary = Summary(refused=list(refused))
    for document in documents:
        key = document.key()
        try:
            outcome = _journaled(journal, key) or send_document(client, document)
        except Exception as exc:
            raise stopped(summary, exc) from exc
        if key not in journal.done:
            journal.record(key, outcome.as_json())
        summary.add(outcome)
        if progress is not None:
            progress(len(document.activities))
    summary.refused.sort(key=lambda r: r.number)
    return summary


def _journaled(journal: Journal, key: str) -> Summary | None:
    entry = journal.done.get(key)
    if entry is None:
        return None
    refused = [Refusal(**r) for r in entry["refused"]]
    return Summary(
        created=entry["created"],
        updated=entry["updated"],
        replayed=entry["created"] + entry["updated"],
        refused=refused,
        ids=list(entry["ids"]),
    )


# ------------------------------------------------------------------------------------ CSV


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
