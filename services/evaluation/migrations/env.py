"""Alembic environment of the evaluation app (see shared.migrations)."""

from alembic import context

from services.evaluation.models import Base
from shared.migrations import run_env

run_env(context, Base.metadata)
