"""HTTP routes of corrections: ``POST /api/v1/{collection}/{id}/reversal`` for contributions,
allocations and expenditures reverses the journal transaction the record posted (thin: parse,
call :mod:`services.funding.corrections`, answer). Each route carries its record's tag."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Response

from services.funding import corrections, journal
from services.funding.deps import WRITE, DatesDep, actor_of
from services.funding.schemas.corrections import ReversalCreate
from services.funding.schemas.ledger import TransactionRead
from shared.deps import IdPath
from shared.problems import problem_responses
from shared.routing import api_router
from shared.uow import UnitOfWorkDep

router = api_router()


def _reversal_route(
    collection: str, what: str, undo: Callable[..., journal.PostedTransaction], id_name: str
) -> None:
    @router.post(
        f"/api/v1/{collection}/{{record_id}}/reversal",
        tags=[collection],
        status_code=201,
        response_model=TransactionRead,
        dependencies=[WRITE],
        responses=problem_responses(404, 409),
        summary=f"Correct {what} by reversing its journal transaction (with a reason)",
        name=f"reverse_{id_name}",
    )
    def reverse(
        record_id: IdPath, data: ReversalCreate, uow: UnitOfWorkDep, dates: DatesDep
    ) -> Response:
        return uow.create(
            data,
            lambda: TransactionRead.model_validate(
                undo(
                    db_session=uow.session,
                    reason=data.reason,
                    value_date=data.value_date,
                    actor=actor_of(uow),
                    dates=dates,
                    **{f"{id_name}_id": record_id},
                )
            ),
            location=lambda t: f"/api/v1/ledger/transactions/{t.id}",
        )


_reversal_route("contributions", "a contribution", corrections.reverse_contribution, "contribution")
_reversal_route("allocations", "an allocation", corrections.reverse_allocation, "allocation")
_reversal_route("expenditures", "an expenditure", corrections.reverse_expenditure, "expenditure")

routers = (router,)
