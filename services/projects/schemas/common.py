"""Types several concepts of the registry share — all of them the suite's common vocabulary
(``shared.types``), named here as the registry's schemas use them."""

from __future__ import annotations

from shared.types import CountryCode, IatiOrgId, LongText, Name, Title, Year
from shared.types import StrictInput as InModel

__all__ = ["CountryCode", "IatiOrgId", "InModel", "LongText", "Name", "Title", "Year"]
