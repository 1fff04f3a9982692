"""API models of the registry's facet counts."""

from __future__ import annotations

from pydantic import BaseModel


class FacetCount(BaseModel):
    code: str
    count: int


class ProjectFacets(BaseModel):
    total: int
    country: list[FacetCount]
    sdg_goal: list[FacetCount]
    dimension: list[FacetCount]
    status: list[FacetCount]
