"""IATI import: an iati-activities file of any size, sent in documents under the body limit.

The registry's endpoint is all or nothing per document and an upsert by identifier; a refused
document is sent again without the activities the problem names (halved when it names none),
so each activity is imported whole or refused whole. The endpoint does not replay by
Idempotency-Key, so finished documents are noted in a :class:`Journal` and a resumed run skips
them and still reports them as created or updated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from sdgc.client import Client
from sdgc.errors import ApiError
from sdgc.imports.outcome import (
    DEFAULT_MAX_BYTES,
    Journal,
    Progress,
    Refusal,
    Summary,
    digest,
    is_refusal,
    reasons_of,
    stopped,
)


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
            pending.extend(after_refusal(doc, problem, summary))
            continue
        summary.created += len(answer["created"])
        summary.updated += len(answer["updated"])
        summary.ids.extend(answer["created"] + answer["updated"])
    summary.refused.sort(key=lambda r: r.number)
    return summary


def after_refusal(doc: Document, problem: ApiError, summary: Summary) -> list[Document]:
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
