"""Immutable value types returned by :mod:`services.projects.reference`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class SdgIndicator:
    """A global SDG indicator, e.g. ``17.18.1``.

    ``unsd_code`` is the UNSD indicator code (``C010101`` for 1.1.1); indicators that the
    framework repeats under several targets share it (1.5.1 = 11.5.1 = 13.1.1).
    """

    code: str
    title: str
    unsd_code: str
    target_code: str


@dataclass(frozen=True, slots=True)
class SdgTarget:
    """An SDG target, e.g. ``17.18`` (codes may end in a letter: ``1.a``)."""

    code: str
    title: str
    goal_code: str
    indicators: tuple[SdgIndicator, ...]


@dataclass(frozen=True, slots=True)
class SdgGoal:
    """One of the 17 Sustainable Development Goals (code ``"1"`` .. ``"17"``)."""

    code: str
    title: str
    targets: tuple[SdgTarget, ...]


@dataclass(frozen=True, slots=True)
class Country:
    """An ISO 3166-1 country or territory as listed in the IATI Country codelist.

    Only programme countries carry ``alpha3``, ``m49`` (three-character string,
    e.g. ``"004"``), the M49 region and the UN regional platform.
    """

    alpha2: str
    name: str
    programme: bool = False
    withdrawn: bool = False
    alpha3: str | None = None
    m49: str | None = None
    m49_region: str | None = None
    m49_region_code: str | None = None
    regional_platform: str | None = None


@dataclass(frozen=True, slots=True)
class CodelistItem:
    """One code of an IATI codelist, with its English name."""

    code: str
    name: str
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class Codelist:
    """An IATI codelist.

    ``complete`` mirrors IATI's flag: when false (e.g. Country, Language), IATI
    allows codes outside the list, so a miss is a warning rather than an error.
    """

    name: str
    items: tuple[CodelistItem, ...]
    complete: bool = True
    source: str = ""
    _by_code: Mapping[str, CodelistItem] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index = {item.code: item for item in self.items}
        if len(index) != len(self.items):
            raise ValueError(f"codelist {self.name}: duplicate codes")
        object.__setattr__(self, "_by_code", MappingProxyType(index))

    def get(self, code: str) -> CodelistItem | None:
        """Return the item with exactly this code (withdrawn or not), else None."""
        return self._by_code.get(code)

    def contains(self, code: str, *, allow_withdrawn: bool = False) -> bool:
        """True if ``code`` is in the list and, unless allowed, not withdrawn."""
        item = self._by_code.get(code)
        return item is not None and (allow_withdrawn or not item.withdrawn)

    def codes(self, *, include_withdrawn: bool = False) -> tuple[str, ...]:
        """The codes in codelist order, active only unless asked otherwise."""
        return tuple(item.code for item in self.items if include_withdrawn or not item.withdrawn)


@dataclass(frozen=True, slots=True)
class ReferenceEntry:
    """A small controlled-vocabulary entry (SPECA group, LLDC priority, ...)."""

    code: str
    name: str
    description: str | None = None
    former_name: str | None = None
