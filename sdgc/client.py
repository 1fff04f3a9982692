"""The clients: :class:`Client` (synchronous) and :class:`AsyncClient`, one attribute per family.

Both take the gateway's URL and an API key; ``retry`` bounds the retries, and ``sleep``,
``rand``, ``clock`` and ``transport`` are there for tests and unusual networks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Generic, Self

import httpx

from sdgc import config
from sdgc import families as f
from sdgc._core import AsyncCore, RetryPolicy, SyncCore
from sdgc._ops import Async, M, Sync

DEFAULT_TIMEOUT = 30.0


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "User-Agent": "sdgc-python"}


class _Families(Generic[M]):
    """Every resource family, bound to one core."""

    def __init__(self, core: SyncCore | AsyncCore) -> None:
        self.api_keys: f.ApiKeys[M] = f.ApiKeys(core)
        self.audit: f.Audit[M] = f.Audit(core)
        self.dossiers: f.Dossiers[M] = f.Dossiers(core)
        self.reports: f.Reports[M] = f.Reports(core)
        self.health: f.Health[M] = f.Health(core)
        self.reference: f.Reference[M] = f.Reference(core)
        self.organisations: f.Organisations[M] = f.Organisations(core)
        self.projects: f.Projects[M] = f.Projects(core)
        self.centre: f.Centre[M] = f.Centre(core)
        self.action_plans: f.ActionPlans[M] = f.ActionPlans(core)
        self.iati: f.Iati[M] = f.Iati(core)
        self.contributors: f.Contributors[M] = f.Contributors(core)
        self.rates: f.Rates[M] = f.Rates(core)
        self.ledger: f.Ledger[M] = f.Ledger(core)
        self.pledges: f.Pledges[M] = f.Pledges(core)
        self.agreements: f.Agreements[M] = f.Agreements(core)
        self.contributions: f.Contributions[M] = f.Contributions(core)
        self.allocations: f.Allocations[M] = f.Allocations(core)
        self.expenditures: f.Expenditures[M] = f.Expenditures(core)
        self.evaluation_cycles: f.EvaluationCycles[M] = f.EvaluationCycles(core)
        self.evaluators: f.Evaluators[M] = f.Evaluators(core)
        self.evaluations: f.Evaluations[M] = f.Evaluations(core)
        self.recommendations: f.Recommendations[M] = f.Recommendations(core)
        self.key_actions: f.KeyActions[M] = f.KeyActions(core)
        self.evaluation_tracking: f.EvaluationTracking[M] = f.EvaluationTracking(core)


class Client(_Families[Sync]):
    """Synchronous client of the suite's gateway.

    >>> with Client("http://127.0.0.1:8000", api_key=KEY) as sdgc:  # doctest: +SKIP
    ...     for project in sdgc.projects.list(country="KZ"):
    ...         print(project["title"])
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: str,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=url, headers=_headers(api_key), timeout=timeout, transport=transport
        )
        self.core = SyncCore(self.http, retry=retry, sleep=sleep, rand=rand, clock=clock)
        super().__init__(self.core)

    @classmethod
    def from_config(cls, config_file: Path | None = None, **options: Any) -> Self:
        """A client on the URL and key the CLI would use: ``SDGC_URL`` / ``SDGC_API_KEY``, else
        the config file (``config_file``, ``SDGC_CONFIG`` or ``~/.config/sdgc/config.toml``)."""
        settings = config.from_environment(config_file)
        return cls(settings.url, api_key=settings.api_key, **options)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Families[Async]):
    """Asynchronous client: the same families, each operation awaitable (lists: ``async for``)."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=url, headers=_headers(api_key), timeout=timeout, transport=transport
        )
        kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self.core = AsyncCore(self.http, retry=retry, rand=rand, clock=clock, **kwargs)
        super().__init__(self.core)

    @classmethod
    def from_config(cls, config_file: Path | None = None, **options: Any) -> Self:
        """As :meth:`Client.from_config`."""
        settings = config.from_environment(config_file)
        return cls(settings.url, api_key=settings.api_key, **options)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
