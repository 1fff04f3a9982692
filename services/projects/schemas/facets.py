"""API models of the registry's facet counts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FacetCount(BaseModel):
    code: str
    count: int


class ProjectFacets(BaseModel):
    total: int
    country: list[FacetCount]
    sdg_goal: list[FacetCount]
    dimension: list[FacetCount]
    status: list[FacetCount]
    speca_group: list[FacetCount] = Field(
        description="Per SPECA thematic working group (paragraph 4), most projects first."
    )
    lldc_priority: list[FacetCount] = Field(
        description="Per priority area of the Programme of Action for LLDCs 2024-2034 "
        "(paragraph 5), most projects first."
    )
