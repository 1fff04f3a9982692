"""The annual report's evaluation follow-up: every evaluation completed in the year (the
biennial independent evaluation, project and thematic ones), its recommendations and
management responses, and its key actions overdue as of the year's end.

Read from the evaluation service's own endpoints (the completed evaluations, then the
recommendations of each, all at once) and computed here as of the report's day, from dates
only — when an evaluation was completed, when a response was given, when a key action was
due and completed — so that what is recorded after the year's end does not change the year's
figures: an action completed in February is still overdue on 31 December before it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import Request

from gateway.fanout import Part, PartCall, fan_out
from shared.auth import Identity

PAGE = 200
MAX_PAGES = 25  # 5000 completed evaluations, 5000 recommendations per evaluation
OPEN_ACTIONS = ("not_initiated", "initiated")
ACCEPTED = ("fully_accepted", "partially_accepted")
# The evaluations and recommendations lists take evaluation:read (the tracking views also take
# reports:read, but give no follow-up per completed evaluation).
SCOPES = ("evaluation:read",)


async def every_item(request: Request, identity: Identity, name: str, call: PartCall) -> Part:
    """Every item of a paged list, page after page (bounded): one part."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = {**(call.params or {}), "limit": PAGE, **({"cursor": cursor} if cursor else {})}
        page = PartCall(call.service, call.path, params, call.scopes)
        part = (await fan_out(request, identity, {name: page}))[name]
        if not part.ok:
            return part
        items += part.data.get("items", [])
        cursor = part.data.get("next_cursor")
        if not cursor:
            return Part(call.service, "ok", data={"items": items})
    return Part(call.service, "error", detail=f"{name}: more than {MAX_PAGES * PAGE} items to read")


def completed_on(evaluation: dict[str, Any]) -> dt.date | None:
    """The day the evaluation was last marked completed (from its status history)."""
    days = [
        dt.date.fromisoformat(h["effective_on"])
        for h in evaluation.get("history", [])
        if h.get("to_status") == "completed"
    ]
    return max(days, default=None)


async def follow_up(request: Request, identity: Identity, year: int, as_of: dt.date) -> Part:
    """The evaluations completed in ``year`` with their follow-up as of ``as_of``."""
    listed = await every_item(
        request,
        identity,
        "evaluations",
        PartCall("evaluation", "/api/v1/evaluations", {"status": "completed"}, SCOPES),
    )
    if not listed.ok:
        return listed
    done = [e for e in listed.data["items"] if _completed_in(e, year, as_of)]
    calls = {
        f"recommendations-{e['id']}": PartCall(
            "evaluation", "/api/v1/recommendations", {"evaluation_id": e["id"]}, SCOPES
        )
        for e in done
    }
    parts = await asyncio.gather(
        *(every_item(request, identity, name, call) for name, call in calls.items())
    )
    failed = next((p for p in parts if not p.ok), None)
    if failed is not None:
        return failed
    rows = [_evaluation_row(e, p.data["items"], as_of) for e, p in zip(done, parts, strict=True)]
    return Part("evaluation", "ok", data={"items": rows})


def _completed_in(evaluation: dict[str, Any], year: int, as_of: dt.date) -> bool:
    day = completed_on(evaluation)
    return day is not None and day.year == year and day <= as_of


def _evaluation_row(
    evaluation: dict[str, Any], recommendations: list[dict[str, Any]], as_of: dt.date
) -> dict[str, Any]:
    responded = [
        r
        for r in recommendations
        if r.get("management_response")
        and dt.date.fromisoformat(r["management_response"]["responded_on"]) <= as_of
    ]
    accepted = [r for r in responded if r["management_response"]["acceptance"] in ACCEPTED]
    actions = [(r, a) for r in recommendations for a in r.get("key_actions", [])]
    due = [(r, a) for r, a in actions if dt.date.fromisoformat(a["due_date"]) <= as_of]
    overdue = [(r, a) for r, a in due if _overdue(a, as_of)]
    return {
        "evaluation_id": evaluation["id"],
        "kind": evaluation["kind"],
        "title": evaluation["title"],
        "cycle_year": evaluation.get("cycle_year"),
        "project_ids": list(evaluation.get("project_ids", [])),
        "completed_on": str(completed_on(evaluation)),
        "recommendations": len(recommendations),
        "responded": len(responded),
        "accepted": len(accepted),
        "key_actions_due": len(due),
        "key_actions_completed_when_due": sum(1 for _, a in due if _done_by(a, a["due_date"])),
        "overdue_key_actions": [
            {
                "key_action_id": a["id"],
                "recommendation_number": r["number"],
                "number": a["number"],
                "description": a["description"],
                "responsible_unit": a["responsible_unit"],
                "due_date": a["due_date"],
                "days_overdue": (as_of - dt.date.fromisoformat(a["due_date"])).days,
            }
            for r, a in overdue
        ],
    }


def _done_by(action: dict[str, Any], day: str | dt.date) -> bool:
    """Completed on or before ``day``."""
    finished = action.get("completed_on")
    return (
        action.get("status") == "completed"
        and finished is not None
        and dt.date.fromisoformat(finished) <= dt.date.fromisoformat(str(day))
    )


def _overdue(action: dict[str, Any], as_of: dt.date) -> bool:
    """Past its due date on ``as_of`` and not completed by then (an action no longer
    applicable is not overdue: the service keeps no date for that)."""
    if action.get("status") == "no_longer_applicable":
        return False
    if dt.date.fromisoformat(action["due_date"]) >= as_of:
        return False
    return not _done_by(action, as_of)
