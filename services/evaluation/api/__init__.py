"""The HTTP routers of the biennial evaluation tracking, in mount order."""

from services.evaluation.api import cycles, evaluations, evaluators, recommendations

routers = (
    cycles.router,
    evaluators.router,
    evaluations.evaluations,
    recommendations.router,
    recommendations.key_actions_router,
    evaluations.tracking_router,
)
