"""HTTP routes of the voluntary-funding ledger, one module per concept; ``routers`` in mount
order."""

from __future__ import annotations

from services.funding.api import agreements, ledger

routers = (*ledger.routers, *agreements.routers)
