"""The HTTP routers of the biennial evaluation tracking, in mount order."""

from services.evaluation.api import cycles, evaluations, evaluators, recommendations, tracking

routers = (
    cycles.router,
    evaluators.router,
    evaluations.router,
    recommendations.router,
    recommendations.key_actions_router,
    tracking.router,
)
