"""Helpers of the CLI tests: IATI documents, the CLI as a process, a client that fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from sdgc import Client
from tests.support.suite import ADMIN_KEY, Suite

ROOT = Path(__file__).resolve().parents[2]
CENTRE_ORG = "XM-EXAMPLE-SDGCA"


def activity(identifier: str, *, target: str = "17.18") -> str:
    return f"""
 <iati-activity default-currency="USD" hierarchy="1">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{CENTRE_ORG}" type="40"><narrative>SDG Centre</narrative></reporting-org>
  <title><narrative>Project {identifier}</narrative></title>
  <description type="1"><narrative>Regional SDG data capacity.</narrative></description>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2027-01-01"/>
  <recipient-country code="KZ" percentage="100"/>
  <tag vocabulary="2" code="17"><narrative>Partnerships for the goals</narrative></tag>
  <tag vocabulary="3" code="{target}"/>
 </iati-activity>"""


def iati_document(identifiers: list[str], *, bad: frozenset[str] = frozenset()) -> bytes:
    body = "".join(activity(i, target="18.1" if i in bad else "17.18") for i in identifiers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="2.03" generated-datetime="2027-01-15T10:00:00Z">{body}\n'
        "</iati-activities>\n"
    ).encode()


def make_centre_the_reporting_org(client: Client) -> None:
    centre = client.centre.get()
    if centre.get("iati_org_id") == CENTRE_ORG:
        return
    fields = (
        "name",
        "seat_city",
        "seat_country",
        "head_name",
        "head_appointed_on",
        "head_appointed_by",
    )
    body = {k: centre[k] for k in fields} | {"iati_org_id": CENTRE_ORG}
    assert centre.etag is not None
    client.centre.put(body, if_match=centre.etag)


def run_cli(suite: Suite, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m sdgc ARGS`` from the repository root, the suite's URL and key in the
    environment (unless ``env`` says otherwise), state and config kept under ``home``."""
    environ = {
        **os.environ,
        "SDGC_URL": suite.gateway_url,
        "SDGC_API_KEY": ADMIN_KEY,
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "COLUMNS": "200",
        **env,
    }
    environ = {k: v for k, v in environ.items() if v != ""}
    return subprocess.run(
        [sys.executable, "-m", "sdgc", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class FailAfter(httpx.BaseTransport):
    """Passes ``n`` requests to the real transport, then fails every later one — before
    sending it (``lose_answers=False``: the server never sees it) or after (the server did
    the work but the answer is lost)."""

    def __init__(self, n: int, *, lose_answers: bool = False) -> None:
        self.inner = httpx.HTTPTransport()
        self.left = n
        self.lose_answers = lose_answers

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left > 0:
            self.left -= 1
            return self.inner.handle_request(request)
        if self.lose_answers:
            self.inner.handle_request(request).close()
            raise httpx.ReadError("connection lost before the answer", request=request)
        raise httpx.ConnectError("connection refused", request=request)

    def close(self) -> None:
        self.inner.close()


def failing_client(suite: Suite, n: int, *, lose_answers: bool = False) -> Client:
    return Client(
        suite.gateway_url,
        api_key=ADMIN_KEY,
        transport=FailAfter(n, lose_answers=lose_answers),
        sleep=lambda _: None,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)
