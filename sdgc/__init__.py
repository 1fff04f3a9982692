"""Python client and command line of the SDG Centre suite (talks to the gateway only).

``Client`` / ``AsyncClient`` hold one object per resource family (``projects``, ``contributors``,
``contributions``, ``rates``, ``reports``, …); see :mod:`sdgc.families` for every operation.
"""

from sdgc._core import RetryPolicy
from sdgc._ops import OPERATIONS, RawAnswer, Record
from sdgc.client import AsyncClient, Client
from sdgc.errors import ApiError, FieldError, SdgcError, TransportError

__all__ = [
    "OPERATIONS",
    "ApiError",
    "AsyncClient",
    "Client",
    "FieldError",
    "RawAnswer",
    "Record",
    "RetryPolicy",
    "SdgcError",
    "TransportError",
]
