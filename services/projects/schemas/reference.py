"""API models of the shipped reference data: SDG catalogue, countries, vocabularies,
IATI codelists."""

from __future__ import annotations

from pydantic import BaseModel


class SdgGoalRead(BaseModel):
    code: str
    title: str
    target_count: int
    dimensions: list[str]


class SdgTargetRead(BaseModel):
    code: str
    goal: str
    title: str


class SdgIndicatorRead(BaseModel):
    code: str
    target: str
    title: str
    unsd_code: str


class CountryRead(BaseModel):
    alpha2: str
    name: str
    programme: bool
    alpha3: str | None = None
    m49: str | None = None
    m49_region: str | None = None
    regional_platform: str | None = None


class VocabularyEntryRead(BaseModel):
    code: str
    name: str
    description: str | None = None
    former_name: str | None = None


class CodelistItemRead(BaseModel):
    code: str
    name: str
    withdrawn: bool
