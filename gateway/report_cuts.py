"""The annual report's per-project list and the cuts member states ask for (paragraphs 4-7).

Pure functions over what the report has already read: the year's projects (registry), their
results as of the year's end (registry), the year's spending per project (the ledger's sources
and uses) and the reference lists (registry). Every money figure is split in whole cents so
that the parts of a cut add up exactly to the spending they divide:

- **per project** — each project active in the year with its countries and shares, SDG goals
  and targets, dimensions, SPECA working groups, LLDC priorities, status, results and spending;
- **per SPECA working group** and **per LLDC priority** — projects counted in every group (or
  priority) they serve, a project's spending split equally among them;
- **per programme country** — a project's spending split by its country shares (equally when
  it gives none), Afghanistan on its own line like each Central Asian state.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CENTRAL_ASIA = ("KZ", "KG", "TJ", "TM", "UZ")


def year_spending(funding: dict[str, Any]) -> dict[int, Decimal]:
    """The year's spending (USD) per registry project, read from the ledger's sources and uses
    of the year: the one place that knows the ledger's field names."""
    spent: dict[int, Decimal] = {}
    for row in funding.get("expenditure_by_project", []):
        if row.get("project_id") is not None:
            spent[int(row["project_id"])] = Decimal(str(row["amount_usd"]))
    return spent


def split_equally(amount: Decimal, keys: list[str]) -> dict[str, Decimal]:
    """``amount`` split equally over ``keys`` in whole cents, the cents left over given one each
    to the first keys: the shares add up to ``amount`` and none has the other sign."""
    return split_by_weights(amount, [(key, Decimal(1)) for key in keys])


def split_by_weights(amount: Decimal, weights: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """``amount`` split in proportion to ``weights`` in whole cents (largest remainder, ties to
    the earlier key): the shares add up to ``amount`` and none has the other sign. Weights that
    are all zero split equally."""
    if not weights:
        return {}
    if sum((w for _, w in weights), Decimal(0)) <= 0:
        weights = [(key, Decimal(1)) for key, _ in weights]
    total = sum((w for _, w in weights), Decimal(0))
    cents = int((abs(amount) / CENT).to_integral_value())
    exact = [(key, cents * w / total) for key, w in weights]
    shares = {key: int(e) for key, e in exact}  # floor: every weight is not negative
    left = cents - sum(shares.values())
    by_remainder = sorted(range(len(exact)), key=lambda n: (-(exact[n][1] % 1), n))
    for n in by_remainder[:left]:
        shares[exact[n][0]] += 1
    sign = -1 if amount < 0 else 1
    return {key: sign * n * CENT for key, n in shares.items()}


def project_rows(
    projects: list[dict[str, Any]],
    spent: dict[int, Decimal],
    results: dict[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Each project active in the year, in registry order, with what the report says of it."""
    return [
        {
            "project_id": p["id"],
            "iati_identifier": p["iati_identifier"],
            "title": p["title"],
            "status": p["status"],
            "status_name": p["status_name"],
            "countries": [
                {"code": c["code"], "name": c["name"], "percentage": c.get("percentage")}
                for c in p.get("recipient_countries", [])
            ],
            "sdg_goals": list(p.get("sdg_goals", [])),
            "sdg_targets": list(p.get("sdg_targets", [])),
            "dimensions": list(p.get("dimensions", [])),
            "speca_groups": list(p.get("speca_groups", [])),
            "lldc_priorities": list(p.get("lldc_priorities", [])),
            "spending_usd": str(spent.get(int(p["id"]), ZERO)),
            "results": _project_results(results.get(int(p["id"]))),
        }
        for p in projects
    ]


def _project_results(framework: dict[str, Any] | None) -> dict[str, Any]:
    indicators = [i for r in (framework or {}).get("results", []) for i in r.get("indicators", [])]
    return {
        "progress": (framework or {}).get("progress"),
        "indicators": len(indicators),
        "indicators_measured": sum(1 for i in indicators if i.get("progress") is not None),
    }


def regional_cut(
    projects: list[dict[str, Any]],
    spent: dict[int, Decimal],
    field: str,
    vocabulary: list[dict[str, Any]],
) -> dict[str, Any]:
    """Projects and spending per code of ``field`` (``speca_groups`` or ``lldc_priorities``):
    every code of the vocabulary listed in its order, codes outside it after, then the
    projects in none."""
    counts: dict[str, int] = defaultdict(int)
    money: dict[str, Decimal] = defaultdict(lambda: ZERO)
    in_none, in_none_spent = 0, ZERO
    for project in projects:
        amount = spent.get(int(project["id"]), ZERO)
        codes = list(project.get(field, []))
        if not codes:
            in_none += 1
            in_none_spent += amount
        for code, share in split_equally(amount, codes).items():
            counts[code] += 1
            money[code] += share
    names = {str(v["code"]): v["name"] for v in vocabulary}
    order = [*names, *sorted(set(counts) - set(names))]
    return {
        "rows": [
            {
                "code": code,
                "name": names.get(code),
                "projects": counts[code],
                "spending_usd": str(money[code]),
            }
            for code in order
        ],
        "in_none": {"projects": in_none, "spending_usd": str(in_none_spent)},
    }


def country_spending(
    projects: list[dict[str, Any]], spent: dict[int, Decimal], programme: list[dict[str, Any]]
) -> dict[str, Any]:
    """Spending per country by each project's country shares, in whole cents: the six
    programme countries each on its own line (Afghanistan too), other countries after, the
    spending of projects that name no country apart."""
    counts: dict[str, int] = defaultdict(int)
    money: dict[str, Decimal] = defaultdict(lambda: ZERO)
    names: dict[str, str] = {str(c["alpha2"]): c["name"] for c in programme}
    unattributed = ZERO
    for project in projects:
        amount = spent.get(int(project["id"]), ZERO)
        shares = project.get("recipient_countries", [])
        if not shares:
            unattributed += amount
        for code, share in split_by_weights(amount, _country_weights(shares)).items():
            counts[code] += 1
            money[code] += share
        for country in shares:
            names.setdefault(country["code"], country["name"])
    order = [*(str(c["alpha2"]) for c in programme)]
    order += sorted(set(counts) - set(order))
    return {
        "method": "a project's spending is split by its country percentages (equally when it "
        "gives none), in whole cents",
        "countries": [
            {
                "country": code,
                "name": names.get(code),
                "programme": code in {str(c["alpha2"]) for c in programme},
                "projects": counts[code],
                "spending_usd": str(money[code]),
            }
            for code in order
        ],
        "central_asia_usd": str(sum((money[c] for c in CENTRAL_ASIA), ZERO)),
        "afghanistan_usd": str(money["AF"]),
        "not_attributed_to_a_country_usd": str(unattributed),
    }


def _country_weights(shares: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    """Each country's percentage, or equal weights when any is not given."""
    if any(s.get("percentage") is None for s in shares):
        return [(s["code"], Decimal(1)) for s in shares]
    return [(s["code"], Decimal(str(s["percentage"]))) for s in shares]
