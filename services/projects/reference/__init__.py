"""Read-only reference data shipped with the regional project registry.

This package owns the static vocabularies the registry validates against and
offers in forms: the SDG catalogue (goals, targets, indicators), ISO 3166
countries with the Centre's six programme countries, the IATI codelists used
for IATI import/export, SPECA thematic working groups and members, the LLDC
Programme of Action 2024-2034 priority areas, the Regional Collaborative
Platform for Europe and Central Asia coalitions, and the three dimensions of
sustainable development with a goal-to-dimension mapping.

The data lives in ``data/`` as JSON (provenance and licences in README.md) and
is read lazily, once, through :mod:`importlib.resources`, so it works from an
installed package. Everything returned is immutable. Lookups by code are exact
(case-sensitive) and return ``None`` or an empty tuple for unknown codes.

No web framework or database code belongs here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from shared import codes as _shared_codes

from .models import (
    Codelist,
    CodelistItem,
    Country,
    ReferenceEntry,
    SdgGoal,
    SdgIndicator,
    SdgTarget,
)

__all__ = [
    "DIMENSION_CODES",
    "Codelist",
    "CodelistItem",
    "Country",
    "ReferenceEntry",
    "SdgGoal",
    "SdgIndicator",
    "SdgTarget",
    "coalitions",
    "codelist",
    "codelist_names",
    "countries",
    "country",
    "dimensions",
    "dimensions_for_goal",
    "dimensions_for_goals",
    "goal_order",
    "indicators_of_target",
    "is_country",
    "is_currency",
    "lldc_priorities",
    "programme_countries",
    "sdg_goal",
    "sdg_goals",
    "sdg_indicator",
    "sdg_indicators",
    "sdg_target",
    "sdg_targets",
    "speca_groups",
    "speca_members",
    "target_order",
    "targets_of_goal",
]

#: The three dimensions of sustainable development, in canonical order.
DIMENSION_CODES: tuple[str, ...] = ("economic", "social", "environmental")


# --------------------------------------------------------------------------- io


def _data_dir() -> Traversable:
    return resources.files(__name__) / "data"


def _read_json(*parts: str) -> dict[str, object]:
    resource = _data_dir()
    for part in parts:
        resource = resource / part
    return _as_dict(json.loads(resource.read_text(encoding="utf-8")), "/".join(parts))


def _as_dict(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"reference data {where}: expected an object")
    return value


def _as_list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"reference data {where}: expected a list")
    return value


def _as_str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"reference data {where}: expected a non-empty string")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _as_str(value, where)


def _entries(records: object, where: str) -> tuple[tuple[ReferenceEntry, dict[str, object]], ...]:
    """Parse a list of ``{code, name, [description], [former_name]}`` records."""
    result: list[tuple[ReferenceEntry, dict[str, object]]] = []
    for raw in _as_list(records, where):
        record = _as_dict(raw, where)
        entry = ReferenceEntry(
            code=_as_str(record.get("code"), where),
            name=_as_str(record.get("name"), where),
            description=_opt_str(record.get("description"), where),
            former_name=_opt_str(record.get("former_name"), where),
        )
        result.append((entry, record))
    codes = [entry.code for entry, _ in result]
    if len(set(codes)) != len(codes):
        raise ValueError(f"reference data {where}: duplicate codes")
    return tuple(result)


# -------------------------------------------------------------------------- SDG


@dataclass(frozen=True, slots=True)
class _SdgCatalogue:
    goals: tuple[SdgGoal, ...]
    goals_by_code: dict[str, SdgGoal]
    targets_by_code: dict[str, SdgTarget]
    indicators_by_code: dict[str, SdgIndicator]


@cache
def _sdg() -> _SdgCatalogue:
    where = "sdg.json"
    goals: list[SdgGoal] = []
    for raw_goal in _as_list(_read_json(where).get("goals"), where):
        goal = _as_dict(raw_goal, where)
        goal_code = _as_str(goal.get("code"), where)
        targets: list[SdgTarget] = []
        for raw_target in _as_list(goal.get("targets"), where):
            target = _as_dict(raw_target, where)
            target_code = _as_str(target.get("code"), where)
            indicators = tuple(
                SdgIndicator(
                    code=_as_str(indicator.get("code"), where),
                    title=_as_str(indicator.get("title"), where),
                    unsd_code=_as_str(indicator.get("unsd_code"), where),
                    target_code=target_code,
                )
                for indicator in (
                    _as_dict(raw, where) for raw in _as_list(target.get("indicators"), where)
                )
            )
            targets.append(
                SdgTarget(
                    code=target_code,
                    title=_as_str(target.get("title"), where),
                    goal_code=goal_code,
                    indicators=indicators,
                )
            )
        goals.append(
            SdgGoal(
                code=goal_code,
                title=_as_str(goal.get("title"), where),
                targets=tuple(targets),
            )
        )
    all_targets = [t for g in goals for t in g.targets]
    all_indicators = [i for t in all_targets for i in t.indicators]
    catalogue = _SdgCatalogue(
        goals=tuple(goals),
        goals_by_code={g.code: g for g in goals},
        targets_by_code={t.code: t for t in all_targets},
        indicators_by_code={i.code: i for i in all_indicators},
    )
    if (
        len(catalogue.goals_by_code) != len(goals)
        or len(catalogue.targets_by_code) != len(all_targets)
        or len(catalogue.indicators_by_code) != len(all_indicators)
    ):
        raise ValueError(f"reference data {where}: duplicate codes")
    return catalogue


def sdg_goals() -> tuple[SdgGoal, ...]:
    """The 17 goals in order, each with its targets and their indicators."""
    return _sdg().goals


def sdg_goal(code: str) -> SdgGoal | None:
    """Goal by code ``"1"`` .. ``"17"``."""
    return _sdg().goals_by_code.get(code)


def sdg_targets() -> tuple[SdgTarget, ...]:
    """All 169 targets in catalogue order."""
    return tuple(t for g in _sdg().goals for t in g.targets)


def sdg_target(code: str) -> SdgTarget | None:
    """Target by code, e.g. ``"17.18"`` or ``"1.a"``."""
    return _sdg().targets_by_code.get(code)


def sdg_indicators() -> tuple[SdgIndicator, ...]:
    """All indicator entries in catalogue order (repeats included)."""
    return tuple(i for g in _sdg().goals for t in g.targets for i in t.indicators)


def sdg_indicator(code: str) -> SdgIndicator | None:
    """Indicator by code, e.g. ``"17.18.1"``."""
    return _sdg().indicators_by_code.get(code)


def targets_of_goal(goal_code: str) -> tuple[SdgTarget, ...]:
    """Targets of a goal; empty for an unknown goal."""
    goal = sdg_goal(goal_code)
    return goal.targets if goal is not None else ()


def indicators_of_target(target_code: str) -> tuple[SdgIndicator, ...]:
    """Indicators of a target; empty for an unknown target (and for 11.c)."""
    target = sdg_target(target_code)
    return target.indicators if target is not None else ()


def goal_order(code: str) -> int:
    """Sort key of a goal code: by number (``"2"`` before ``"10"``), anything else last."""
    return int(code) if code.isdigit() else 99


def target_order(code: str) -> tuple[int, int, str]:
    """Sort key of a target code: by goal, then numbered targets, then lettered (``"17.a"``)."""
    goal, _, rest = code.partition(".")
    return (int(goal) if goal.isdigit() else 99, int(rest) if rest.isdigit() else 100, rest)


# -------------------------------------------------------------------- codelists


@cache
def codelist_names() -> tuple[str, ...]:
    """Names of the shipped IATI codelists, sorted (e.g. ``"ActivityStatus"``)."""
    return tuple(
        sorted(
            entry.name.removesuffix(".json")
            for entry in (_data_dir() / "iati").iterdir()
            if entry.name.endswith(".json")
        )
    )


@cache
def _load_codelist(name: str) -> Codelist:
    where = f"iati/{name}.json"
    document = _read_json("iati", f"{name}.json")
    if document.get("codelist") != name:
        raise ValueError(f"reference data {where}: codelist name mismatch")
    items: list[CodelistItem] = []
    for raw in _as_list(document.get("items"), where):
        record = _as_dict(raw, where)
        status = record.get("status")
        if status not in ("active", "withdrawn"):
            raise ValueError(f"reference data {where}: bad status {status!r}")
        items.append(
            CodelistItem(
                code=_as_str(record.get("code"), where),
                name=_as_str(record.get("name"), where),
                withdrawn=status == "withdrawn",
            )
        )
    return Codelist(
        name=name,
        items=tuple(items),
        complete=document.get("complete") is True,
        source=_as_str(document.get("source"), where),
    )


def codelist(name: str) -> Codelist:
    """An IATI codelist by its IATI name, e.g. ``codelist("ActivityStatus")``.

    Raises KeyError for a name not in :func:`codelist_names`.
    """
    if name not in codelist_names():
        raise KeyError(f"unknown IATI codelist {name!r}")
    return _load_codelist(name)


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code, e.g. ``"USD"``.

    Delegates to :mod:`shared.codes` so the registry and the ledger accept the same codes.
    """
    return _shared_codes.is_currency(code)


def is_country(code: str) -> bool:
    """True for an active ISO 3166-1 alpha-2 code, e.g. ``"KZ"`` (as :mod:`shared.codes`)."""
    return _shared_codes.is_country(code)


# -------------------------------------------------------------------- countries


@dataclass(frozen=True, slots=True)
class _CountryTable:
    all: tuple[Country, ...]
    by_alpha2: dict[str, Country]
    programme: tuple[Country, ...]


@cache
def _countries() -> _CountryTable:
    where = "programme_countries.json"
    overlay: dict[str, dict[str, object]] = {}
    for raw in _as_list(_read_json(where).get("items"), where):
        record = _as_dict(raw, where)
        overlay[_as_str(record.get("alpha2"), where)] = record
    result: list[Country] = []
    for item in codelist("Country").items:
        extra = overlay.get(item.code)
        if extra is None:
            result.append(Country(item.code, item.name, withdrawn=item.withdrawn))
            continue
        result.append(
            Country(
                alpha2=item.code,
                name=item.name,
                programme=True,
                withdrawn=item.withdrawn,
                alpha3=_as_str(extra.get("alpha3"), where),
                m49=_as_str(extra.get("m49"), where),
                m49_region=_as_str(extra.get("m49_region"), where),
                m49_region_code=_as_str(extra.get("m49_region_code"), where),
                regional_platform=_as_str(extra.get("regional_platform"), where),
            )
        )
    by_alpha2 = {c.alpha2: c for c in result}
    missing = set(overlay) - set(by_alpha2)
    if missing:
        raise ValueError(f"reference data {where}: not in Country: {sorted(missing)}")
    return _CountryTable(
        all=tuple(result),
        by_alpha2=by_alpha2,
        programme=tuple(by_alpha2[code] for code in overlay),
    )


def countries(*, include_withdrawn: bool = False) -> tuple[Country, ...]:
    """ISO 3166-1 countries/territories (IATI Country codelist order, by name)."""
    return tuple(c for c in _countries().all if include_withdrawn or not c.withdrawn)


def country(alpha2: str) -> Country | None:
    """Country by ISO alpha-2 code (exact, upper case); withdrawn codes included."""
    return _countries().by_alpha2.get(alpha2)


def programme_countries() -> tuple[Country, ...]:
    """The six programme countries: KZ, KG, TJ, TM, UZ, AF (in that order)."""
    return _countries().programme


# --------------------------------------------------------- domain vocabularies


@cache
def speca_groups() -> tuple[ReferenceEntry, ...]:
    """SPECA thematic working groups (slug codes, current and former names)."""
    records = _read_json("speca.json").get("working_groups")
    return tuple(entry for entry, _ in _entries(records, "speca.json"))


@cache
def speca_members() -> tuple[Country, ...]:
    """SPECA member countries."""
    where = "speca.json"
    codes = [_as_str(c, where) for c in _as_list(_read_json(where).get("members"), where)]
    members = tuple(country(code) for code in codes)
    if any(member is None for member in members):
        raise ValueError(f"reference data {where}: unknown member country")
    return tuple(member for member in members if member is not None)


@cache
def lldc_priorities() -> tuple[ReferenceEntry, ...]:
    """Priority areas "1".."5" of the LLDC Programme of Action 2024-2034."""
    records = _read_json("lldc_priorities.json").get("items")
    return tuple(entry for entry, _ in _entries(records, "lldc_priorities.json"))


@cache
def _coalition_records() -> tuple[tuple[ReferenceEntry, bool], ...]:
    where = "coalitions.json"
    result: list[tuple[ReferenceEntry, bool]] = []
    for entry, record in _entries(_read_json(where).get("items"), where):
        kind = record.get("kind")
        if kind not in ("issue-based coalition", "other group"):
            raise ValueError(f"reference data {where}: bad kind {kind!r}")
        result.append((entry, kind == "other group"))
    return tuple(result)


def coalitions(*, include_other_groups: bool = True) -> tuple[ReferenceEntry, ...]:
    """Issue-based coalitions of the Regional Collaborative Platform for Europe
    and Central Asia, followed (unless excluded) by its two other groups."""
    return tuple(
        entry for entry, other in _coalition_records() if include_other_groups or not other
    )


@dataclass(frozen=True, slots=True)
class _Dimensions:
    entries: tuple[ReferenceEntry, ...]
    by_goal: dict[str, tuple[str, ...]]


@cache
def _dimensions() -> _Dimensions:
    where = "dimensions.json"
    document = _read_json(where)
    entries = tuple(entry for entry, _ in _entries(document.get("dimensions"), where))
    if tuple(e.code for e in entries) != DIMENSION_CODES:
        raise ValueError(f"reference data {where}: unexpected dimension codes")
    mapping = _as_dict(_as_dict(document.get("goal_mapping"), where).get("goals"), where)
    by_goal: dict[str, tuple[str, ...]] = {}
    for goal_code, raw in mapping.items():
        dims = {_as_str(d, where) for d in _as_list(raw, where)}
        if not dims or not dims <= set(DIMENSION_CODES):
            raise ValueError(f"reference data {where}: bad dimensions for {goal_code}")
        by_goal[goal_code] = tuple(d for d in DIMENSION_CODES if d in dims)
    return _Dimensions(entries=entries, by_goal=by_goal)


def dimensions() -> tuple[ReferenceEntry, ...]:
    """The three dimensions: economic, social, environmental."""
    return _dimensions().entries


def dimensions_for_goal(goal_code: str) -> tuple[str, ...]:
    """Dimension codes for an SDG goal (canonical order); empty if unknown."""
    return _dimensions().by_goal.get(goal_code, ())


def dimensions_for_goals(goal_codes: Iterable[str]) -> tuple[str, ...]:
    """Union of :func:`dimensions_for_goal` over several goals, canonical order."""
    found = {d for code in goal_codes for d in dimensions_for_goal(code)}
    return tuple(d for d in DIMENSION_CODES if d in found)
