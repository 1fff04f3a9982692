"""Alembic environment of the funding app (see shared.migrations)."""

from alembic import context

from services.funding.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
