"""Content negotiation for answers a client may take as JSON or CSV (the annual report, the
ledger's reports): ``?format=`` when given, else the ``Accept`` header's q-values (RFC 9110
§12.5.1), JSON winning ties since it is the default.
"""

from __future__ import annotations

import re
from typing import Literal

from starlette.requests import Request

_QVALUE = re.compile(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?")


def _split_unquoted(text: str, separator: str) -> list[str]:
    """``text`` split on ``separator`` outside quoted strings (one pass, linear)."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return pieces


def _quality(accept: str, media_type: str) -> float:
    """The q the ``Accept`` header gives ``media_type``: that of the most specific range that
    matches it (``text/csv`` over ``text/*`` over ``*/*``, RFC 9110 §12.5.1), 0 when none does.
    Commas inside quoted parameters do not split ranges; a q that is not 0-1 with at most three
    decimals makes its range unacceptable (0)."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for media_range in _split_unquoted(accept, ","):
        name, *params = (piece.strip() for piece in _split_unquoted(media_range, ";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(name.lower())
        if specificity is None or specificity < best[0]:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                q = float(value) if _QVALUE.fullmatch(value) else 0.0
        best = (specificity, q)
    return best[1]


def prefers_csv(accept: str) -> bool:
    """CSV only when the client rates it above JSON (JSON wins ties: it is the default)."""
    return _quality(accept, "text/csv") > _quality(accept, "application/json")


def wants_csv(request: Request, format: Literal["json", "csv"] | None) -> bool:
    """Whether to answer CSV: as ``format`` says, else as the ``Accept`` lines (one list) rate
    it."""
    if format is not None:
        return format == "csv"
    return prefers_csv(", ".join(request.headers.getlist("accept")))
