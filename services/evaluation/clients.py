"""What evaluation asks other services, over HTTP: the registry and the funding ledger.

Each backend is one :class:`shared.clients.ServiceClient` built per app (:func:`build_backends`,
kept in the app's state) and signed as the service ``evaluation``. Failures are the shared
client's problems: unreachable → 503, timeout → 504, an unexpected answer → 502; nothing is
ever accepted unchecked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.evaluation.models import FundingSourceKind
from services.evaluation.settings import Settings
from shared.clients import ServiceClient
from shared.problems import ProblemError

#: IATI OrganisationRole code of the implementing organisation.
IATI_ROLE_IMPLEMENTING = "4"

_ROLE_NAMES = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4"}


@dataclass(frozen=True, slots=True)
class ParticipatingOrganisation:
    iati_org_id: str | None
    name: str | None
    role: str  # IATI OrganisationRole code, "1"-"4"


@dataclass(frozen=True, slots=True)
class RegistryProject:
    id: int
    organisations: tuple[ParticipatingOrganisation, ...]
    start: dt.date | None = None  # actual start, else planned start
    end: dt.date | None = None  # actual end, else planned end

    def implementers(self) -> Iterable[ParticipatingOrganisation]:
        return (o for o in self.organisations if o.role == IATI_ROLE_IMPLEMENTING)

    def active_between(self, first: dt.date, last: dt.date) -> bool:
        """Active at some time from ``first`` to ``last`` (the registry's ``year_active``
        rule: a project without a start date has not been active)."""
        return (
            self.start is not None
            and self.start <= last
            and (self.end is None or self.end >= first)
        )


def _role_code(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("code", value.get("role"))
    text = str(value).strip().lower()
    return _ROLE_NAMES.get(text, text)


def _organisation(raw: Mapping[str, Any]) -> ParticipatingOrganisation:
    nested = raw.get("organisation")
    source: Mapping[str, Any] = nested if isinstance(nested, Mapping) else raw
    ref = source.get("iati_org_id", source.get("ref", raw.get("iati_org_id", raw.get("ref"))))
    name = source.get("name", raw.get("name"))
    return ParticipatingOrganisation(
        iati_org_id=str(ref) if ref else None,
        name=str(name) if name else None,
        role=_role_code(raw.get("role_code", raw.get("role"))),
    )


def _project(project_id: int, body: Mapping[str, Any]) -> RegistryProject:
    raw_orgs: list[Any] = []
    for key in ("participants", "participating_organisations", "participating_orgs"):
        value = body.get(key)
        if isinstance(value, list):
            raw_orgs = value
            break
    return RegistryProject(
        id=project_id,
        organisations=tuple(_organisation(o) for o in raw_orgs if isinstance(o, Mapping)),
        start=_date(body.get("actual_start")) or _date(body.get("planned_start")),
        end=_date(body.get("actual_end")) or _date(body.get("planned_end")),
    )


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class CentreIdentity:
    """The Centre as the registry's profile names it (paragraph 1)."""

    iati_org_id: str
    name: str | None


#: Page size of the lists read from the registry and the ledger (their largest).
_PAGE = 200


def unexpected(client: ServiceClient, what: str) -> ProblemError:
    """A 502 for an answer that is not what the backend documents."""
    return ProblemError(
        502,
        f"the {client.service} service answered unexpectedly: {what}",
        type_="backend-error",
        service=client.service,
    )


def pages(client: ServiceClient, path: str, params: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every item of a list, page after page (``limit``/``cursor``)."""
    cursor: str | None = None
    while True:
        query = {**params, "limit": _PAGE, **({"cursor": cursor} if cursor else {})}
        page = client.get_json(path, params=query)
        if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
            raise unexpected(client, f"no list at {path}")
        yield from (item for item in page["items"] if isinstance(item, Mapping))
        cursor = page.get("next_cursor")
        if not cursor:
            return


class ProjectRegistry:
    """The regional project registry, as evaluation needs it."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def project(self, project_id: int) -> RegistryProject | None:
        body = self._client.get_json(f"/api/v1/projects/{project_id}")
        return None if body is None else _project(project_id, body)

    def centre(self) -> CentreIdentity:
        """The Centre's IATI organisation identifier and name, from its profile."""
        body = self._client.get_json("/api/v1/centre")
        if not isinstance(body, Mapping) or not body.get("iati_org_id"):
            raise self._unexpected("no Centre profile with an IATI organisation identifier")
        name = body.get("name")
        return CentreIdentity(
            iati_org_id=str(body["iati_org_id"]), name=str(name) if name else None
        )

    def projects_active(self, period: tuple[dt.date, dt.date] | None) -> list[RegistryProject]:
        """Every project active at some time in ``period`` (first and last day), by id; every
        project of the registry when the period is open (``None``)."""
        found: dict[int, RegistryProject] = {}
        years: Iterable[int | None] = (
            [None] if period is None else range(period[0].year, period[1].year + 1)
        )
        for year in years:
            params: dict[str, Any] = {} if year is None else {"year_active": year}
            for body in pages(self._client, "/api/v1/projects", params):
                project = _project(int(body["id"]), body)
                if period is None or project.active_between(*period):
                    found[project.id] = project
        return [found[i] for i in sorted(found)]

    def _unexpected(self, what: str) -> ProblemError:
        return unexpected(self._client, what)


#: Agreement statuses under which a new evaluation may be funded from the agreement.
USABLE_AGREEMENT_STATUSES = frozenset({"signed", "active"})


@dataclass(frozen=True, slots=True)
class LedgerSource:
    """An agreement or allocation as the ledger shows it, with what decides whether it funds."""

    kind: FundingSourceKind
    id: int
    amount: Decimal
    currency: str
    status: str | None = None  # agreements: draft, signed, active, …
    signed_on: dt.date | None = None  # agreements
    value_date: dt.date | None = None  # allocations
    reversed_on: dt.date | None = None  # allocations corrected by a reversal

    def unusable(self) -> tuple[str, str] | None:
        """(rule, why) when it cannot fund an evaluation now; None when it can."""
        if self.kind is FundingSourceKind.AGREEMENT:
            if self.status not in USABLE_AGREEMENT_STATUSES:
                return (
                    "funding-agreement-not-signed",
                    f"agreement {self.id} is {self.status}; only a signed or active agreement "
                    "funds an evaluation",
                )
        elif self.reversed_on is not None:
            return (
                "funding-allocation-reversed",
                f"allocation {self.id} was reversed on {self.reversed_on.isoformat()}",
            )
        return None

    def funds_on(self, day: dt.date) -> bool:
        """Signed by ``day`` (agreements); made and not yet reversed on ``day`` (allocations)."""
        if self.kind is FundingSourceKind.AGREEMENT:
            return self.status != "draft" and self.signed_on is not None and self.signed_on <= day
        return (
            self.value_date is not None
            and self.value_date <= day
            and (self.reversed_on is None or self.reversed_on > day)
        )


@dataclass(frozen=True, slots=True)
class LedgerExpenditure:
    id: int
    usd_amount: Decimal
    value_date: dt.date
    reversed_on: dt.date | None

    def spent_on(self, day: dt.date) -> bool:
        return self.value_date <= day and (self.reversed_on is None or self.reversed_on > day)


def _reversed_on(body: Mapping[str, Any]) -> dt.date | None:
    reversal = body.get("reversal")
    return _date(reversal.get("value_date")) if isinstance(reversal, Mapping) else None


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ProblemError(
            502,
            f"the funding service answered unexpectedly: amount {value!r} is not a decimal",
            type_="backend-error",
            service="funding",
        ) from None


def evaluation_ref(evaluation_id: int) -> str:
    """How an expenditure of the ledger names the evaluation it pays for: its id."""
    return str(evaluation_id)


class FundingLedger:
    """The voluntary-funding ledger: it holds voluntary money only; what decides whether a
    source funds an evaluation is its state there (signed, reversed) on the day asked."""

    _PATHS = {
        FundingSourceKind.AGREEMENT: "/api/v1/agreements/{id}",
        FundingSourceKind.ALLOCATION: "/api/v1/allocations/{id}",
    }

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def source(self, kind: FundingSourceKind, ledger_id: int) -> LedgerSource | None:
        body = self._client.get_json(self._PATHS[kind].format(id=ledger_id))
        if body is None:
            return None
        if not isinstance(body, Mapping):
            raise self.unexpected(f"{kind.value} {ledger_id} is not an object")
        if kind is FundingSourceKind.AGREEMENT:
            return LedgerSource(
                kind=kind,
                id=ledger_id,
                amount=_money(body.get("total")),
                currency=str(body.get("currency")),
                status=str(body.get("status")),
                signed_on=_date(body.get("signed_on")),
            )
        return LedgerSource(
            kind=kind,
            id=ledger_id,
            amount=_money(body.get("amount")),
            currency=str(body.get("currency", "USD")),
            value_date=_date(body.get("value_date")),
            reversed_on=_reversed_on(body),
        )

    def expenditures_for(self, evaluation_id: int) -> list[LedgerExpenditure]:
        """The evaluation-cost expenditures whose ``evaluation_ref`` names the evaluation."""
        ref = evaluation_ref(evaluation_id)
        return [
            LedgerExpenditure(
                id=int(e["id"]),
                usd_amount=_money(e.get("usd_amount")),
                value_date=dt.date.fromisoformat(str(e["value_date"])),
                reversed_on=_reversed_on(e),
            )
            for e in pages(self._client, "/api/v1/expenditures", {"is_evaluation_cost": "true"})
            if str(e.get("evaluation_ref") or "").strip() == ref
        ]

    def unexpected(self, what: str) -> ProblemError:
        return unexpected(self._client, what)


@dataclass(slots=True)
class Backends:
    """The app's clients, built once in ``create_app`` and closed at shutdown."""

    projects: ServiceClient
    funding: ServiceClient

    @property
    def registry(self) -> ProjectRegistry:
        return ProjectRegistry(self.projects)

    @property
    def ledger(self) -> FundingLedger:
        return FundingLedger(self.funding)

    def close(self) -> None:
        self.projects.close()
        self.funding.close()


def build_backends(settings: Settings) -> Backends:
    """The registry and ledger clients, signed as this service with read scopes only."""
    secret = settings.identity_secret.get_secret_value()

    def client(service: str, url: str, timeout: float) -> ServiceClient:
        return ServiceClient(
            service,
            url,
            secret=secret,
            caller=settings.app_name,
            scopes=frozenset({f"{service}:read"}),
            timeout=timeout,
        )

    return Backends(
        projects=client("projects", settings.projects_url, settings.projects_timeout_seconds),
        funding=client("funding", settings.funding_url, settings.funding_timeout_seconds),
    )
