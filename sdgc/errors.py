"""What the client raises: an API's RFC 9457 problem, or a failure to reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One offending field of a problem's ``errors[]``."""

    field: str
    message: str
    location: str = "body"
    pointer: str | None = None
    rule: str | None = None


class SdgcError(Exception):
    """Anything the client raises."""


class ApiError(SdgcError):
    """An answer that is not a success. ``problem`` holds the whole problem document."""

    def __init__(
        self,
        *,
        status: int,
        type: str = "about:blank",
        title: str | None = None,
        detail: str | None = None,
        instance: str | None = None,
        errors: list[FieldError] | None = None,
        problem: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.instance = instance
        self.errors = errors or []
        self.problem = problem or {}
        self.headers = headers or {}
        super().__init__(self._message())

    @property
    def rule(self) -> str:
        """The problem type without the suite's ``urn:sdgc:problem:`` prefix."""
        return self.type.removeprefix("urn:sdgc:problem:")

    def _message(self) -> str:
        text = f"{self.status} {self.rule}: {self.detail or self.title or ''}".rstrip(": ")
        for error in self.errors[:5]:
            text += f"\n  {error.field}: {error.message}"
        return text

    @classmethod
    def from_answer(cls, status: int, body: Any, headers: dict[str, str], text: str) -> ApiError:
        """The exception for an answer: a problem document's members, or its text."""
        if not isinstance(body, dict):
            return cls(status=status, detail=text[:500] or None, headers=headers)
        errors = [
            FieldError(
                field=str(e.get("field", "")),
                message=str(e.get("message", "")),
                location=str(e.get("location", "body")),
                pointer=e.get("pointer"),
                rule=e.get("rule"),
            )
            for e in body.get("errors") or []
            if isinstance(e, dict)
        ]
        return cls(
            status=status,
            type=str(body.get("type", "about:blank")),
            title=body.get("title"),
            detail=body.get("detail"),
            instance=body.get("instance"),
            errors=errors,
            problem=body,
            headers=headers,
        )


@dataclass
class TransportError(SdgcError):
    """The API could not be reached (after the retries allowed)."""

    method: str
    url: str
    cause: str = field(default="")

    def __str__(self) -> str:
        return f"{self.method} {self.url}: {self.cause}"
