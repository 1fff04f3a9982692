"""Types several concepts of the registry share: identifiers, names, texts, codes, years,
and the base of every input model (unknown fields refused)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

IatiOrgId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Year = Annotated[int, Field(ge=1990, le=2100)]


class InModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
