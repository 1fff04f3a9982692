"""Collecting rule violations so one answer lists every broken rule of a request.

A project (or an imported IATI activity) can break several rules at once; the client learns
all of them in one 422 rather than one per attempt. Each violation names the field and the
rule, like :func:`shared.problems.field_problem` does for a single one.
"""

from __future__ import annotations

from shared.problems import FieldError, ProblemError


class Violations:
    """An ordered list of rule violations; :meth:`raise_if_any` turns them into a problem."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str, *, rule: str) -> None:
        path = f"{self.prefix}{field}"
        self.errors.append(
            FieldError(
                field=path,
                location="body",
                pointer=None if self.prefix else "/" + path.replace(".", "/"),
                rule=rule,
                message=message,
            )
        )

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, status: int = 422, *, title: str | None = None) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        detail = "; ".join(f"{e.field}: {e.message}" for e in self.errors[:5])
        if len(self.errors) > 5:
            detail += f"; and {len(self.errors) - 5} more"
        raise ProblemError(status, detail, title=title, type_=first.rule, errors=self.errors)
