"""``sdgc <resource> list|show|create`` for the main resources, as tables or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sdgc.cli_common import (
    Output,
    OutputOpt,
    err,
    guarded,
    out,
    print_json,
    print_record,
    state,
    text,
)


@dataclass(frozen=True)
class Resource:
    """A family the CLI lists, shows and creates, with the columns its table shows."""

    name: str
    family: str
    columns: tuple[str, ...]
    show: bool = True


RESOURCES = (
    Resource("projects", "projects", ("id", "iati_identifier", "title", "status")),
    Resource("organisations", "organisations", ("id", "name", "type", "iati_org_id")),
    Resource("contributors", "contributors", ("id", "name", "type", "country")),
    Resource("pledges", "pledges", ("id", "contributor_id", "currency", "amount", "status")),
    Resource(
        "agreements", "agreements", ("id", "reference", "contributor_id", "currency", "total")
    ),
    Resource(
        "contributions",
        "contributions",
        ("id", "kind", "agreement_id", "currency", "amount", "usd_amount", "value_date"),
    ),
    Resource("allocations", "allocations", ("id", "fund_id", "project_id", "amount_usd")),
    Resource("expenditures", "expenditures", ("id", "fund_id", "project_id", "amount_usd")),
    Resource("rates", "rates", ("id", "currency", "effective_date", "rate"), show=False),
    Resource("action-plans", "action_plans", ("id", "version", "title", "status")),
    Resource("evaluations", "evaluations", ("id", "title", "kind", "status")),
    Resource("recommendations", "recommendations", ("id", "evaluation_id", "text", "status")),
    Resource("key-actions", "key_actions", ("id", "recommendation_id", "status", "due_date")),
    Resource("evaluators", "evaluators", ("id", "name", "organisation")),
    Resource("api-keys", "api_keys", ("key_id", "name", "scopes", "revoked_at")),
)


def records_table(records: list[dict[str, Any]], columns: tuple[str, ...]) -> Table:
    table = Table(show_lines=False)
    shown = [c for c in columns if any(c in r for r in records)] or list(columns)
    for column in shown:
        table.add_column(column)
    for record in records:
        table.add_row(*(Text(text(record.get(c))) for c in shown))
    return table


def _filters(pairs: list[str]) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            err.print(f"[red]--where takes name=value, not {escape(repr(pair))}[/red]")
            raise typer.Exit(2)
        query.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in query.items()}


def _body(data: str | None, file: Path | None) -> dict[str, Any]:
    if (data is None) == (file is None):
        err.print("[red]give the record as --data JSON or --file PATH[/red]")
        raise typer.Exit(2)
    if file is not None:
        data = file.read_text(encoding="utf-8")
    try:
        body = json.loads(data or "", parse_float=Decimal)
    except json.JSONDecodeError as exc:
        err.print(f"[red]the record is not JSON: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    if not isinstance(body, dict):
        err.print("[red]the record must be a JSON object[/red]")
        raise typer.Exit(2)
    return body


def resource_app(resource: Resource) -> typer.Typer:
    sub = typer.Typer(help=f"List, show and create {resource.name}.", no_args_is_help=True)

    @sub.command("list")
    def list_(
        ctx: typer.Context,
        where: Annotated[
            list[str] | None, typer.Option("--where", "-w", help="A filter, name=value.")
        ] = None,
        limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 50,
        output: OutputOpt = None,
    ) -> None:
        """List (every page, up to --limit)."""
        s = state(ctx, output)
        family = getattr(s.open(), resource.family)
        query = _filters(where or [])
        items: Iterator[dict[str, Any]] = family.list(**query, limit=min(limit or 200, 200))
        records = guarded(lambda: list(islice(items, limit or None)))
        if s.output is Output.json:
            print_json(records)
        else:
            out.print(records_table(records, resource.columns))

    if resource.show:

        @sub.command("show")
        def show(
            ctx: typer.Context,
            record_id: Annotated[str, typer.Argument()],
            output: OutputOpt = None,
        ) -> None:
            """Show one."""
            s = state(ctx, output)
            record = guarded(lambda: getattr(s.open(), resource.family).get(record_id))
            print_record(s, record)

    @sub.command("create")
    def create(
        ctx: typer.Context,
        data: Annotated[str | None, typer.Option(help="The record as JSON.")] = None,
        file: Annotated[Path | None, typer.Option(help="A JSON file with the record.")] = None,
        idempotency_key: Annotated[
            str | None, typer.Option(help="Makes a retry of this command create nothing twice.")
        ] = None,
        output: OutputOpt = None,
    ) -> None:
        """Create one (an Idempotency-Key is generated unless given)."""
        s = state(ctx, output)
        body = _body(data, file)
        family = getattr(s.open(), resource.family)
        record = guarded(lambda: family.create(body, idempotency_key=idempotency_key))
        print_record(s, record)

    return sub
