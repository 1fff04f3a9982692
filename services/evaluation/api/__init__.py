"""The HTTP routers of the biennial evaluation tracking, in mount order."""

from services.evaluation.api import cycles, evaluations, evaluators

routers = (
    cycles.router,
    evaluators.router,
    evaluations.evaluations,
    evaluations.recommendations,
    evaluations.key_actions,
    evaluations.tracking_router,
)
