"""The HTTP routers of the biennial evaluation tracking, in mount order."""

from services.evaluation.api import cycles, evaluations

routers = (
    cycles.router,
    evaluations.evaluators,
    evaluations.evaluations,
    evaluations.recommendations,
    evaluations.key_actions,
    evaluations.tracking_router,
)
