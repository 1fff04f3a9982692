"""FastAPI dependencies for the app's database and a request's session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from shared.db import Database
from shared.state import core_of


def get_database(request: Request) -> Database:
    return core_of(request.app).database


def get_session(request: Request) -> Iterator[Session]:
    with get_database(request).session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

# Integer ids in paths, bounded to what an INTEGER column holds on every database.
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric identifier.")]
