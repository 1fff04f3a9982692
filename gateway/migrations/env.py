"""Alembic environment of the gateway app (see shared.migrations)."""

from alembic import context

from gateway.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
