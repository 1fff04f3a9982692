"""API models of the evaluator register (…Create / …Read / …Update)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.types import Name, RequiredLongText

IatiOrgId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    ),
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
]


class EmploymentCreate(BaseModel):
    """An employment, past or present: the employer by IATI identifier and/or name (at least
    one; checked with the dates by :func:`services.evaluation.evaluators.check_employment`)."""

    model_config = ConfigDict(extra="forbid")

    employer_iati_org_id: IatiOrgId | None = None
    employer_name: Name | None = None
    started_on: dt.date
    ended_on: dt.date | None = Field(default=None, description="None while it lasts.")


class EmploymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    evaluator_id: int
    employer_iati_org_id: str | None
    employer_name: str | None
    started_on: dt.date
    ended_on: dt.date | None


class EvaluatorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email | None = None
    employer_name: Name | None = None
    employer_iati_org_id: IatiOrgId | None = Field(
        default=None, description="IATI identifier of the evaluator's employer."
    )
    employed_by_centre: bool = False
    declaration_signed_on: dt.date | None = Field(
        default=None, description="Day the declaration of interests was signed."
    )
    declared_interests: RequiredLongText | None = None
    employments: list[EmploymentCreate] = Field(
        default_factory=list,
        max_length=50,
        description="Employment history: a former employment with an implementing partner "
        "or the Centre within the cooling-off period makes the evaluator not independent.",
    )


class EvaluatorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    employer_name: Name | None = None
    employer_iati_org_id: IatiOrgId | None = None
    employed_by_centre: bool | None = None
    declaration_signed_on: dt.date | None = None
    declared_interests: RequiredLongText | None = None


class EvaluatorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str | None
    employer_name: str | None
    employer_iati_org_id: str | None
    employed_by_centre: bool
    declaration_signed_on: dt.date | None
    declared_interests: str | None
    employments: list[EmploymentRead]
    created_at: dt.datetime
    updated_at: dt.datetime
