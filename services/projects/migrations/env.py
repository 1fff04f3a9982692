"""Alembic environment of the projects app (see shared.migrations)."""

from alembic import context

from services.projects.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
