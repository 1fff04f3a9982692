"""HTTP routes of the voluntary-funding ledger, one module per concept, each beside the domain
module of the same name; ``routers`` lists every router in mount order."""

from __future__ import annotations

from services.funding.api import (
    agreements,
    contributors,
    corrections,
    ledger,
    pledges,
    rates,
    reports,
    spending,
)

routers = (
    *contributors.routers,
    *rates.routers,
    *ledger.routers,
    *reports.routers,
    *pledges.routers,
    *agreements.routers,
    *spending.routers,
    *corrections.routers,
)
