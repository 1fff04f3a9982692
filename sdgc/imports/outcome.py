"""What every import shares: its summary, its refusals, when to stop, and its journal.

Each import is resumable after an interruption without creating anything twice: every request
carries an Idempotency-Key derived from its content (the document's or the row's digest), so a
second run sends the same keys and the API replays what it already did.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sdgc.errors import ApiError

DEFAULT_MAX_BYTES = 1_000_000  # under the gateway's and services' 1 MiB body limit
Progress = Callable[[int], None]  # told how many items were done


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
    """Outcomes of finished units, one JSON line each, keyed by the unit's Idempotency-Key.

    A line is written (and flushed to disk) once its unit is done; a line cut short by an
    interruption is ignored, so its unit is simply done again on the next run."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.done: dict[str, dict[str, Any]] = {}
        self.cut_short = False  # the last line has no end: the next one starts on its own
        if path is not None and path.exists():
            text = path.read_text(encoding="utf-8")
            self.cut_short = bool(text) and not text.endswith("\n")
            for line in text.splitlines():
                entry = _entry(line)
                if entry is not None:
                    self.done[entry["key"]] = entry

    def record(self, key: str, outcome: dict[str, Any]) -> None:
        self.done[key] = {"key": key, **outcome}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(("\n" if self.cut_short else "") + json.dumps(self.done[key]) + "\n")
                self.cut_short = False
                out.flush()
                os.fsync(out.fileno())


def _entry(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("key"), str) else None
