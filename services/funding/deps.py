"""The funding app's own route dependencies: the scopes its routes require and who is acting.

Routers take these from here, never from one another.
"""

from __future__ import annotations

from shared.auth import require_scope
from shared.uow import UnitOfWork

READ = require_scope("funding:read")
WRITE = require_scope("funding:write")
# Every report: read by the funding staff or by a reports reader (the gateway's annual report).
REPORTS = require_scope("funding:read", "reports:read")


def actor_of(uow: UnitOfWork) -> str:
    return uow.identity.actor or uow.identity.key_id
