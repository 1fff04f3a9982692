"""``make demo``: load a realistic dataset into a running suite through the gateway.

The Centre's profile, the programme countries' governments and partners, about forty regional
projects with their results, and an adopted action plan. Every record is looked up by its
natural key (a project's identifier, an organisation's name, a plan's title) before it is
created, and created with a deterministic Idempotency-Key, so a second run creates nothing —
even with another API key (a restarted ``make run`` generates a new one).

The gateway and key come from ``SDGC_URL`` (default: the local gateway of ``make run``) and
``SDGC_API_KEY``; without a key the demo stops with exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sdgc import ApiError, Client, Record, TransportError

DATA = Path(__file__).with_name("demo_data")
DEFAULT_URL = "http://127.0.0.1:8000"
NO_KEY = (
    "make demo needs the admin API key that `make run` printed:\n"
    "    export SDGC_API_KEY=<the key>   (and SDGC_URL if the gateway is not {url})\n"
    "then run `make demo` again."
)

Body = dict[str, Any]
Create = Callable[..., Record]

CENTRE_ID = "XM-SDGCA"
CENTRE: Body = {
    "name": "United Nations Regional Centre for the Sustainable Development Goals for "
    "Central Asia and Afghanistan",
    "seat_city": "Almaty",
    "seat_country": "KZ",
    "iati_org_id": CENTRE_ID,
    "head_name": "Head of the Centre (demo)",
    "head_appointed_on": "2025-09-01",
    "head_appointed_by": "Secretary-General of the United Nations",
    "terms_of_reference": [
        {
            "title": "Terms of reference of the Centre, agreed with stakeholders",
            "document_date": "2025-06-30",
            "effective_from": "2025-07-01",
        }
    ],
}

CENTRE_NAME = CENTRE["name"]

# The programme countries' counterparts (IATI OrganisationType 10), country → name.
GOVERNMENTS: tuple[tuple[str, str], ...] = (
    ("KZ", "Government of Kazakhstan"),
    ("KG", "Government of Kyrgyzstan"),
    ("TJ", "Government of Tajikistan"),
    ("TM", "Government of Turkmenistan"),
    ("UZ", "Government of Uzbekistan"),
    ("AF", "Afghanistan national technical counterparts"),
)
# Partners: name, IATI OrganisationType (40 multilateral, 70 private, 22 regional NGO), country.
PARTNERS: tuple[tuple[str, str, str | None], ...] = (
    ("UNECE", "40", None),
    ("UNESCAP", "40", "TH"),
    ("UNDP", "40", None),
    ("UN Women", "40", None),
    ("OHRLLS", "40", None),
    ("Asian Development Bank", "40", "PH"),
    ("Eurasian Development Bank", "40", "KZ"),
    ("Central Asian Business Council", "70", "KZ"),
    ("Central Asian Women Entrepreneurs Network", "22", "KG"),
)
COUNTRY_NAMES = {
    "KZ": "Kazakhstan",
    "KG": "Kyrgyzstan",
    "TJ": "Tajikistan",
    "TM": "Turkmenistan",
    "UZ": "Uzbekistan",
    "AF": "Afghanistan",
}
FRAMEWORKS: dict[str, tuple[str, str]] = {
    "KZ": ("cooperation_framework", "UNSDCF Kazakhstan 2026-2030"),
    "KG": ("cooperation_framework", "UNSDCF Kyrgyzstan 2023-2027"),
    "TJ": ("cooperation_framework", "UNSDCF Tajikistan 2023-2026"),
    "TM": ("cooperation_framework", "UNSDCF Turkmenistan 2026-2030"),
    "UZ": ("cooperation_framework", "UNSDCF Uzbekistan 2026-2030"),
    "AF": ("un_strategic_framework", "UN Strategic Framework for Afghanistan 2023-2025"),
}
ACTION_PLAN_TITLE = "Comprehensive action plan 2026-2028 (demo)"
ACTION_PLAN_ADOPTED_ON = "2026-03-15"


class Demo:
    """The loader: a client, what it created, and look-ups by natural key."""

    def __init__(self, client: Client, out: Callable[[str], None] = print) -> None:
        self.client = client
        self.out = out
        self.created: Counter[str] = Counter()
        self.found: Counter[str] = Counter()

    def ensure(
        self, kind: str, existing: Record | None, create: Create, body: Body, key: str
    ) -> Record:
        """``existing`` if there is one, else what ``create`` makes of ``body`` with
        Idempotency-Key ``demo-<kind>-<key>``."""
        if existing is not None:
            self.found[kind] += 1
            return existing
        record = create(body, idempotency_key=slug(f"demo-{kind}-{key}"))
        self.created[kind] += 0 if record.replayed else 1
        return record

    def summary(self) -> str:
        kinds = dict.fromkeys([*self.found, *self.created])  # in the order they were loaded
        parts = [f"{k}: {self.created[k]} created, {self.found[k]} already there" for k in kinds]
        return "\n".join(parts)


def slug(text: str) -> str:
    """An Idempotency-Key from a description: printable ASCII without spaces."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:200]


def by(items: Iterable[Record], field: str) -> dict[Any, Record]:
    return {item[field]: item for item in items}


# ------------------------------------------------------------------------------ registry


def load_centre(demo: Demo) -> None:
    current = demo.client.centre.get()
    if all(current.get(k) == v for k, v in CENTRE.items() if k != "terms_of_reference") and len(
        current["terms_of_reference"]
    ) == len(CENTRE["terms_of_reference"]):
        demo.found["centre"] += 1
        return
    assert current.etag is not None
    demo.client.centre.put(CENTRE, if_match=current.etag)
    demo.created["centre"] += 1


def load_organisations(demo: Demo) -> dict[str, int]:
    """Governments of the six programme countries and the partners; name → registry id."""
    known = by(demo.client.organisations.list(), "name")
    wanted = [(name, "10", code) for code, name in GOVERNMENTS] + list(PARTNERS)
    ids: dict[str, int] = {}
    for name, kind, country in wanted:
        body: Body = {"name": name, "type": kind, "country": country}
        record = demo.ensure(
            "organisation",
            known.get(name),
            demo.client.organisations.create,
            body,
            name,
        )
        ids[name] = record["id"]
    return ids


def project_rows() -> list[Body]:
    """The project table: every theme in each of its country groups; dates and statuses spread
    over 2025-2029 so the registry has projects in the pipeline, running and finishing."""
    themes = json.loads((DATA / "projects.json").read_text(encoding="utf-8"))["themes"]
    rows = []
    for theme in themes:
        for n, countries in enumerate(theme["countries"], start=1):
            rows.append({**theme, "number": n, "countries": countries})
    return rows


def project_body(row: Body, organisations: dict[str, int]) -> Body:
    n, countries = row["number"], row["countries"]
    status = {0: "2", 1: "2", 2: "2", 3: "3", 4: "1"}[n % 5]
    start_year = {"1": 2027, "2": 2025 + n % 2, "3": 2025}[status]  # pipeline: not yet started
    end_year = 2026 if status == "3" else start_year + 2  # finalisation: ending this year
    share = 100 // len(countries)
    shares = [share] * len(countries)
    shares[0] += 100 - sum(shares)
    participants = [{"organisation_id": organisations[CENTRE_NAME], "role": "accountable"}]
    participants += [
        {"organisation_id": organisations[name], "role": "implementing"} for name in row["partners"]
    ]
    participants += [
        {"organisation_id": organisations[dict(GOVERNMENTS)[c]], "role": "implementing"}
        for c in countries
    ]
    framework, framework_title = FRAMEWORKS[countries[0]]
    body: Body = {
        "local_code": f"{row['code']}-{n:02d}",
        "title": f"{row['title']}: {', '.join(COUNTRY_NAMES[c] for c in countries)}",
        "description": row["description"],
        "status": status,
        "planned_start": f"{start_year}-0{1 + n % 3 * 3}-01",
        "planned_end": f"{end_year}-12-31",
        "dimensions": row["dimensions"],
        "sdg_targets": row["sdg_targets"],
        "recipient_countries": [
            {"code": c, "percentage": str(s)} for c, s in zip(countries, shares, strict=True)
        ],
        "participants": participants,
        "un_entities": row["un_entities"],
        "speca_groups": row["speca_groups"],
        "lldc_priorities": row["lldc_priorities"],
        "coalitions": row["coalitions"],
        "alignments": [
            {
                "country": countries[0],
                "framework": framework,
                "framework_title": framework_title,
                "statement": f"{row['title']} serves the national priorities of the framework.",
            }
        ],
        "planned_budget": {"amount": row["budget"], "currency": "USD"},
    }
    if status != "1":
        body["actual_start"] = body["planned_start"]
    return body


def results_body(row: Body, year: int) -> Body:
    n = row["number"]
    return {
        "results": [
            {
                "type": "outcome",
                "title": row["indicator"],
                "indicators": [
                    {
                        "title": row["indicator"],
                        "measure": "unit",
                        "sdg_indicator": row["sdg_indicator"],
                        "baseline_value": "0",
                        "baseline_year": year,
                        "periods": [
                            {
                                "period_start": f"{year}-01-01",
                                "period_end": f"{year}-12-31",
                                "target_value": str(4 + n * 2),
                                "actual_value": str(2 + n),
                            }
                        ],
                    }
                ],
            }
        ]
    }


def load_projects(demo: Demo, organisations: dict[str, int]) -> list[Record]:
    known = by(demo.client.projects.list(), "iati_identifier")
    projects = []
    for row in project_rows():
        body = project_body(row, organisations)
        code = body["local_code"]
        project = demo.ensure(
            "project",
            known.get(f"{CENTRE_ID}-{code}"),
            demo.client.projects.create,
            body,
            code,
        )
        projects.append(project)
        if project["status"] != "1":
            load_results(demo, project, row)
    return projects


def load_results(demo: Demo, project: Record, row: Body) -> None:
    """A results framework for a project under way, unless it has one."""
    current = demo.client.projects.results(project["id"])
    if current["results"]:
        demo.found["results framework"] += 1
        return
    year = int(str(project["planned_start"])[:4])
    demo.client.projects.put_results(project["id"], results_body(row, year), if_match=current.etag)
    demo.created["results framework"] += 1


def load_action_plan(demo: Demo, projects: list[Record], organisations: dict[str, int]) -> None:
    plans = by(demo.client.action_plans.list(), "title")
    items = [
        {
            "project_id": p["id"],
            "priority": "high" if i % 3 == 0 else "medium",
            "start_year": 2026,
            "end_year": 2028,
        }
        for i, p in enumerate(projects)
        if p["status"] != "1"
    ]
    consulted = [organisations[name] for name, _, _ in PARTNERS[:6]]
    body: Body = {"title": ACTION_PLAN_TITLE, "partners_consulted": consulted, "items": items}
    plan = demo.ensure(
        "action plan",
        plans.get(ACTION_PLAN_TITLE),
        demo.client.action_plans.create,
        body,
        "2026",
    )
    if plan["status"] == "draft":
        current = demo.client.action_plans.get(plan["id"])
        assert current.etag is not None
        demo.client.action_plans.adopt(
            plan["id"],
            {"adopted_on": ACTION_PLAN_ADOPTED_ON},
            if_match=current.etag,
            idempotency_key="demo-action-plan-adopt-2026",
        )
        demo.created["action plan adoption"] += 1


def load_registry(demo: Demo) -> dict[str, int]:
    """The registry's part; the projects' ids by local code."""
    load_centre(demo)
    organisations = load_organisations(demo)
    organisations[CENTRE_NAME] = _centre_organisation(demo)
    projects = load_projects(demo, organisations)
    load_action_plan(demo, projects, organisations)
    return {p["iati_identifier"].removeprefix(f"{CENTRE_ID}-"): int(p["id"]) for p in projects}


def _centre_organisation(demo: Demo) -> int:
    """The Centre as an organisation of the registry (the registry makes it on first use)."""
    for organisation in demo.client.organisations.list():
        if organisation["iati_org_id"] == CENTRE_ID:
            demo.found["organisation"] += 1
            return int(organisation["id"])
    record = demo.client.organisations.create(
        {"name": CENTRE_NAME, "type": "40", "country": "KZ", "iati_org_id": CENTRE_ID},
        idempotency_key="demo-organisation-centre",
    )
    demo.created["organisation"] += 0 if record.replayed else 1
    return int(record["id"])


# -------------------------------------------------------------------------------- ledger


def ledger_data() -> Body:
    data: Body = json.loads((DATA / "ledger.json").read_text(encoding="utf-8"))
    return data


def rate_rows(rates: Body) -> list[Body]:
    """Monthly UN operational rates, 2025-01 to 2026-11, for every currency of the scenario."""
    rows = []
    for currency, spec in rates.items():
        exponent = Decimal(spec["base"]).as_tuple().exponent
        for i in range(23):
            year, month = 2025 + i // 12, 1 + i % 12
            rate = Decimal(spec["base"]) + Decimal(spec["drift"]) * i
            rows.append(
                {
                    "currency": currency,
                    "effective_date": f"{year}-{month:02d}-01",
                    "rate": str(rate.quantize(Decimal(1).scaleb(int(exponent)))),
                }
            )
    return rows


def load_rates(demo: Demo, rates: Body) -> None:
    known = {(r["currency"], str(r["effective_date"])): r for r in demo.client.rates.list()}
    for row in rate_rows(rates):
        key = (row["currency"], row["effective_date"])
        demo.ensure("rate", known.get(key), demo.client.rates.create, row, "-".join(key))


def load_contributors(demo: Demo, data: Body) -> dict[str, int]:
    known = by(demo.client.contributors.list(), "name")
    ids = {}
    for row in data["contributors"]:
        body = {k: v for k, v in row.items() if k != "key"}
        record = demo.ensure(
            "contributor", known.get(row["name"]), demo.client.contributors.create, body, row["key"]
        )
        ids[row["key"]] = int(record["id"])
    return ids


def earmarking(spec: Body, projects: dict[str, int]) -> Body:
    """An earmark of the data file, its project named by local code."""
    if "project" in spec:
        return {"kind": "project", "project_id": projects[spec["project"]]}
    return dict(spec)


def load_in_kind(demo: Demo, data: Body, contributors: dict[str, int]) -> None:
    """The host country's premises and facilities, at fair value."""
    known = {
        (c["contributor_id"], c["in_kind_type"], str(c["period_start"])): c
        for c in demo.client.contributions.list()
        if c["kind"] == "in_kind"
    }
    for row in data["in_kind"]:
        body = {k: v for k, v in row.items() if k not in ("key", "contributor")}
        body.update(kind="in_kind", contributor_id=contributors[row["contributor"]])
        key = (body["contributor_id"], row["in_kind_type"], row["period_start"])
        demo.ensure("in-kind", known.get(key), demo.client.contributions.create, body, row["key"])


def load_pledges(
    demo: Demo, data: Body, contributors: dict[str, int], projects: dict[str, int]
) -> dict[str, Record]:
    """Pledges by key; the ones to convert are converted into their (draft) agreement."""
    known = by(demo.client.pledges.list(), "note")
    agreements = by(demo.client.agreements.list(), "reference")
    pledges = {}
    for row in data["pledges"]:
        body = {k: v for k, v in row.items() if k not in ("key", "contributor", "convert_to")}
        body["contributor_id"] = contributors[row["contributor"]]
        body["earmarking"] = earmarking(row["earmarking"], projects)
        pledge = demo.ensure(
            "pledge", known.get(row["note"]), demo.client.pledges.create, body, row["key"]
        )
        pledges[row["key"]] = pledge
        target = row.get("convert_to")
        if target and target not in agreements:
            terms = next(a for a in data["agreements"] if a["reference"] == target)
            conversion = {k: terms[k] for k in ("reference", "total", "instalments", "psc_rate")}
            demo.client.pledges.convert(
                pledge["id"], conversion, idempotency_key=slug(f"demo-conversion-{row['key']}")
            )
            demo.created["pledge conversion"] += 1
    return pledges


def load_agreements(
    demo: Demo, data: Body, contributors: dict[str, int], projects: dict[str, int]
) -> dict[str, Record]:
    """Every agreement of the scenario, signed on its day; reference → agreement."""
    known = by(demo.client.agreements.list(), "reference")
    agreements = {}
    for row in data["agreements"]:
        body = {k: v for k, v in row.items() if k not in ("contributor", "signed_on")}
        body["contributor_id"] = contributors[row["contributor"]]
        body["earmarking"] = earmarking(row["earmarking"], projects)
        agreement = demo.ensure(
            "agreement",
            known.get(row["reference"]),
            demo.client.agreements.create,
            body,
            row["reference"],
        )
        if agreement["status"] == "draft":
            agreement = demo.client.agreements.change_status(
                agreement["id"],
                {"status": "signed", "on": row["signed_on"]},
                idempotency_key=slug(f"demo-signature-{row['reference']}"),
            )
            demo.created["signature"] += 1
        agreements[row["reference"]] = agreement
    return agreements


def load_receipts(demo: Demo, data: Body, agreements: dict[str, Record]) -> None:
    known = {
        (c["agreement_id"], str(c["value_date"])): c
        for c in demo.client.contributions.list()
        if c["kind"] == "cash"
    }
    for row in data["receipts"]:
        agreement = agreements[row["agreement"]]
        body: Body = {
            "kind": "cash",
            "agreement_id": agreement["id"],
            "instalment_number": row["instalment"],
            "amount": row["amount"],
            "currency": agreement["currency"],
            "value_date": row["value_date"],
        }
        key = (agreement["id"], row["value_date"])
        name = f"{row['agreement']}-{row['instalment']}"
        demo.ensure("receipt", known.get(key), demo.client.contributions.create, body, name)


def load_spending(
    demo: Demo, data: Body, agreements: dict[str, Record], projects: dict[str, int]
) -> None:
    """Allocations of each fund's cash to projects, then expenditures (by description)."""
    families = (
        ("allocation", data["allocations"], demo.client.allocations),
        ("expenditure", data["expenditures"], demo.client.expenditures),
    )
    for kind, rows, family in families:
        known = by(family.list(), "description")
        for row in rows:
            body = {k: v for k, v in row.items() if k not in ("agreement", "project")}
            body["fund_id"] = agreements[row["agreement"]]["fund_id"]
            if row["project"] is not None:
                body["project_id"] = projects[row["project"]]
            demo.ensure(
                kind, known.get(row["description"]), family.create, body, row["description"]
            )


def load_ledger(demo: Demo, projects: dict[str, int]) -> dict[str, Record]:
    """The ledger's part; the agreements by reference."""
    data = ledger_data()
    load_rates(demo, data["rates"])
    contributors = load_contributors(demo, data)
    load_in_kind(demo, data, contributors)
    load_pledges(demo, data, contributors, projects)
    agreements = load_agreements(demo, data, contributors, projects)
    load_receipts(demo, data, agreements)
    load_spending(demo, data, agreements, projects)
    return agreements


# ---------------------------------------------------------------------------- evaluation


def load_evaluators(demo: Demo, rows: list[Body]) -> dict[str, int]:
    known = by(demo.client.evaluators.list(), "name")
    ids = {}
    for row in rows:
        body = {k: v for k, v in row.items() if k != "role"}
        record = demo.ensure(
            "evaluator", known.get(row["name"]), demo.client.evaluators.create, body, row["name"]
        )
        ids[row["name"]] = int(record["id"])
    return ids


def load_evaluation(demo: Demo, data: Body, agreements: dict[str, Record]) -> Record:
    """The 2028 cycle's independent evaluation with its team, moved to the management
    response; every status change dated on the day the evaluation was recorded."""
    demo.client.evaluation_cycles.schedule(
        {"through_year": 2030}, idempotency_key="demo-evaluation-cycles-2030"
    )
    cycle = next(c for c in demo.client.evaluation_cycles.list() if c["year"] == 2028)
    spec = data["evaluation"]
    body = {k: spec[k] for k in ("kind", "title", "commissioning_entities", "budget")}
    body["cycle_id"] = cycle["id"]
    funding = agreements[spec["funding_agreement"]]["id"]
    body["funding_sources"] = [{"kind": "agreement", "id": funding}]
    known = by(demo.client.evaluations.list(cycle_id=cycle["id"]), "title")
    evaluation = demo.ensure(
        "evaluation", known.get(spec["title"]), demo.client.evaluations.create, body, "2028"
    )
    evaluators = load_evaluators(demo, data["evaluators"])
    team = {member["evaluator_id"] for member in evaluation["team"]}
    for row in data["evaluators"]:
        if evaluators[row["name"]] not in team:
            demo.client.evaluations.assign_evaluator(
                evaluation["id"],
                {"evaluator_id": evaluators[row["name"]], "role": row["role"]},
                idempotency_key=slug(f"demo-team-2028-{row['name']}"),
            )
            demo.created["team member"] += 1
    recorded_on = str(evaluation["history"][0]["effective_on"])
    reached = {str(change["to_status"]) for change in evaluation["history"]}
    for status in spec["statuses"]:
        if status not in reached:
            demo.client.evaluations.transition(
                evaluation["id"],
                {"status": status, "effective_on": recorded_on},
                idempotency_key=f"demo-evaluation-2028-{status}",
            )
            demo.created["status change"] += 1
    return demo.client.evaluations.get(evaluation["id"])


def load_recommendations(demo: Demo, data: Body, evaluation: Record) -> None:
    """Recommendations issued with the report, each with its management response and the
    key actions of the accepted ones."""
    recorded_on = dt.date.fromisoformat(str(evaluation["history"][0]["effective_on"]))
    known = by(demo.client.recommendations.list(evaluation_id=evaluation["id"]), "number")
    for row in data["recommendations"]:
        body = {k: row[k] for k in ("text", "addressee", "priority")}
        body.update(evaluation_id=evaluation["id"], issued_on=recorded_on.isoformat())
        recommendation = demo.ensure(
            "recommendation",
            known.get(row["number"]),
            demo.client.recommendations.create,
            body,
            f"2028-{row['number']}",
        )
        if recommendation.get("management_response") is None:
            response = {**row["response"], "responded_on": recorded_on.isoformat()}
            demo.client.recommendations.respond(
                recommendation["id"],
                response,
                idempotency_key=f"demo-response-2028-{row['number']}",
            )
            demo.created["management response"] += 1
        load_key_actions(demo, recommendation, row["key_actions"], recorded_on)


def load_key_actions(
    demo: Demo, recommendation: Record, rows: list[Body], recorded_on: dt.date
) -> None:
    known = by(demo.client.key_actions.list(recommendation_id=recommendation["id"]), "description")
    for n, row in enumerate(rows, start=1):
        due = recorded_on + dt.timedelta(days=row["due_in_days"])
        body = {
            "recommendation_id": recommendation["id"],
            "description": row["description"],
            "responsible_unit": row["responsible_unit"],
            "due_date": due.isoformat(),
        }
        demo.ensure(
            "key action",
            known.get(row["description"]),
            demo.client.key_actions.create,
            body,
            f"2028-{recommendation['number']}-{n}",
        )


def load_evaluations(demo: Demo, agreements: dict[str, Record]) -> None:
    data: Body = json.loads((DATA / "evaluation.json").read_text(encoding="utf-8"))
    evaluation = load_evaluation(demo, data, agreements)
    load_recommendations(demo, data, evaluation)


# ---------------------------------------------------------------------------------- main


def run(client: Client, out: Callable[[str], None] = print) -> Demo:
    """Load everything (each part only what is missing); the loader tells what it did."""
    demo = Demo(client, out)
    out("registry: the Centre, organisations, projects and their results, the action plan")
    projects = load_registry(demo)
    out("ledger: rates, contributors, pledges, agreements, receipts, allocations, spending")
    agreements = load_ledger(demo, projects)
    out("evaluation: the 2028 cycle's evaluation, recommendations, responses, key actions")
    load_evaluations(demo, agreements)
    return demo


def _key_make_run_left() -> str | None:
    """The admin key `make run` kept for this machine's user (``SDGC_KEY_FILE``), if any."""
    path = Path(os.environ.get("SDGC_KEY_FILE", "var/admin-api-key"))
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    del argv
    url = os.environ.get("SDGC_URL") or DEFAULT_URL
    api_key = os.environ.get("SDGC_API_KEY") or _key_make_run_left()
    if not api_key:
        print(NO_KEY.format(url=url), file=sys.stderr)
        return 2
    try:
        with Client(url, api_key=api_key) as client:
            demo = run(client)
    except TransportError as exc:
        print(
            f"make demo: cannot reach the gateway at {url} ({exc}); is `make run` running?",
            file=sys.stderr,
        )
        return 1
    except ApiError as exc:
        print(f"make demo: the suite refused a request: {exc}", file=sys.stderr)
        if exc.status == 401:
            print(NO_KEY.format(url=url), file=sys.stderr)
            return 2
        return 1
    print(demo.summary())
    print(f"\nThe demo data is loaded: open {url}/docs, or try `sdgc projects list`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
