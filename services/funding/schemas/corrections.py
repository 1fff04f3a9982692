"""API models of corrections: the body of a reversal and what a corrected record shows of it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from services.funding.schemas.common import ShortText, StrictInput


class ReversalCreate(StrictInput):
    reason: ShortText
    value_date: dt.date | None = Field(
        default=None, description="Date of the correction (default: the original's date)."
    )


class ReversalRead(BaseModel):
    """The correction of a record: the reversing journal transaction, its date and reason."""

    transaction_id: int
    value_date: dt.date
    reason: str | None
