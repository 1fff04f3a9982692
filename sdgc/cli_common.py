"""What every ``sdgc`` command shares: the state the root command sets up (where the API is,
the output wanted), output helpers and the mapping of API errors to exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sdgc import config
from sdgc.client import Client
from sdgc.errors import ApiError, TransportError

err = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)


class Output(StrEnum):
    table = "table"
    json = "json"


@dataclass
class State:
    url: str | None
    api_key: str | None
    config_file: Path | None
    output: Output
    client: Client | None = None

    def settings(self) -> config.Settings:
        try:
            return config.resolve(self.url, self.api_key, self.config_file)
        except config.ConfigError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from None

    def open(self) -> Client:
        if self.client is None:
            settings = self.settings()
            self.client = Client(settings.url, api_key=settings.api_key)
        return self.client


OutputOpt = Annotated[
    Output | None, typer.Option("--output", "-o", help="table or json (here or before it).")
]


def state(ctx: typer.Context, output: Output | None = None) -> State:
    """The root command's state; ``output`` given to the command itself wins."""
    value = ctx.find_root().obj
    assert isinstance(value, State)
    if output is not None:
        value.output = output
    return value


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=_default, ensure_ascii=False) + "\n")


def print_problem(problem: ApiError) -> None:
    detail = escape(str(problem.detail or problem.title or ""))
    err.print(f"[red]{problem.status} {escape(problem.rule)}[/red]: {detail}")
    for error in problem.errors:
        err.print(f"  [bold]{escape(error.field)}[/bold]: {escape(error.message)}")


def guarded(run: Callable[[], Any]) -> Any:
    """Run an API call: a problem or an unreachable API is printed and ends the command."""
    try:
        return run()
    except ApiError as problem:
        print_problem(problem)
        raise typer.Exit(1) from None
    except TransportError as exc:
        err.print(f"[red]the API could not be reached[/red]: {escape(str(exc))}")
        raise typer.Exit(4) from None


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    return str(value)


def print_record(s: State, record: dict[str, Any]) -> None:
    if s.output is Output.json:
        print_json(record)
        return
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in record.items():
        shown = text(value) if not isinstance(value, dict) else json.dumps(value, default=str)
        table.add_row(Text(name), Text(shown))
    out.print(table)
