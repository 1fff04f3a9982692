"""ISO 3166 country and ISO 4217 currency codes, checked the same way by every service.

Data: the IATI Country and Currency codelists shipped in ``shared/data`` (see its README).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _active_codes(name: str) -> frozenset[str]:
    text = resources.files("shared").joinpath("data", f"{name}.json").read_text("utf-8")
    items = json.loads(text)["items"]
    return frozenset(item["code"] for item in items if item.get("status", "active") == "active")


def is_country(code: str) -> bool:
    """True for an active ISO 3166-1 alpha-2 code such as ``"KZ"``."""
    return code in _active_codes("Country")


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code such as ``"USD"``."""
    return code in _active_codes("Currency")
