"""API models of the IATI exchange (the document itself is XML, not a model)."""

from __future__ import annotations

from pydantic import BaseModel


class ImportSummary(BaseModel):
    created: list[int]
    updated: list[int]
