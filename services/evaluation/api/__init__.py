"""The HTTP routers of the biennial evaluation tracking, in mount order."""

from services.evaluation.api.evaluations import routers

__all__ = ["routers"]
