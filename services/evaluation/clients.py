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


#: Page size of the registry's project list (its largest).
_PAGE = 200


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
            params: dict[str, Any] = {"limit": _PAGE}
            if year is not None:
                params["year_active"] = year
            for body in self._pages("/api/v1/projects", params):
                project = _project(int(body["id"]), body)
                if period is None or project.active_between(*period):
                    found[project.id] = project
        return [found[i] for i in sorted(found)]

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
        cursor: str | None = None
        while True:
            query = {**params, "cursor": cursor} if cursor else params
            page = self._client.get_json(path, params=query)
            if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
                raise self._unexpected(f"no list at {path}")
            yield from (item for item in page["items"] if isinstance(item, Mapping))
            cursor = page.get("next_cursor")
            if not cursor:
                return

    @staticmethod
    def _unexpected(what: str) -> ProblemError:
        return ProblemError(
            502,
            f"the projects service answered unexpectedly: {what}",
            type_="backend-error",
            service="projects",
        )


class FundingLedger:
    """The voluntary-funding ledger: it holds voluntary money only, so existence is the check."""

    _PATHS = {
        FundingSourceKind.AGREEMENT: "/api/v1/agreements/{id}",
        FundingSourceKind.ALLOCATION: "/api/v1/allocations/{id}",
    }

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def exists(self, kind: FundingSourceKind, ledger_id: int) -> bool:
        return self._client.get_json(self._PATHS[kind].format(id=ledger_id)) is not None


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
