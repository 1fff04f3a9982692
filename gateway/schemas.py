"""API models of the gateway's own resources (API keys)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.auth import Scope


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9 ._@-]+$"
        ),
    ] = Field(description="Who uses the key, e.g. 'kz-mfa-integration'.")
    scopes: list[Scope] = Field(min_length=1, max_length=8)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    name: str
    scopes: list[str]
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ApiKeyIssued(ApiKeyRead):
    api_key: str = Field(description="The secret key. Shown only in this answer; store it now.")
