"""``sdgc import iati|rates|contributions`` and ``sdgc report annual|sources-and-uses``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from lxml import etree
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from sdgc import config, exports, imports
from sdgc.cli_common import (
    Output,
    OutputOpt,
    State,
    err,
    guarded,
    out,
    print_json,
    print_problem,
    state,
)
from sdgc.errors import TransportError

import_app = typer.Typer(help="Bulk imports, resumable without duplicates.", no_args_is_help=True)
report_app = typer.Typer(help="Reports to a file: JSON, CSV, XLSX or HTML.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
MaxBytes = Annotated[
    int, typer.Option(help="Largest document sent (the API's body limit is 1 MiB).", min=1024)
]


@contextmanager
def progress_bar(what: str, total: int) -> Any:
    with Progress(
        TextColumn(f"[bold]{what}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def report_summary(s: State, summary: imports.Summary, unit: str) -> None:
    """Print the summary; exit 1 when anything was refused."""
    if s.output is Output.json:
        print_json(summary.as_json())
    else:
        counts = Table(title=f"{unit} import")
        for column in ("created", "updated", "refused", "of which done by an earlier run"):
            counts.add_column(column, justify="right")
        counts.add_row(
            str(summary.created),
            str(summary.updated),
            str(len(summary.refused)),
            str(summary.replayed),
        )
        out.print(counts)
        if summary.refused:
            out.print(refusals_table(summary.refused, unit))
    if summary.refused:
        raise typer.Exit(1)


def refusals_table(refused: list[imports.Refusal], unit: str) -> Table:
    table = Table(title="refused")
    table.add_column("activity" if unit == "IATI" else "row", justify="right")
    table.add_column("line", justify="right")
    table.add_column("identifier")
    table.add_column("reasons")
    for r in refused:
        table.add_row(str(r.number), str(r.line), Text(r.identifier), Text("\n".join(r.reasons)))
    return table


def run_import(s: State, unit: str, work: Callable[[], imports.Summary]) -> None:
    try:
        summary = guarded(work)
    except imports.Stop as stop:
        print_problem(stop.problem)
        raise typer.Exit(1) from None
    except imports.Interrupted as stopped:
        err.print(
            f"[red]interrupted[/red]: {escape(str(stopped.cause))}\n"
            "run the same command again: it resumes and creates nothing twice"
        )
        if s.output is Output.json:
            print_json(stopped.summary.as_json())
        raise typer.Exit(3) from None
    report_summary(s, summary, unit)


@import_app.command("iati")
def import_iati(
    ctx: typer.Context,
    file: FileArg,
    max_bytes: MaxBytes = imports.DEFAULT_MAX_BYTES,
    journal: Annotated[
        Path | None, typer.Option(help="Where to note finished documents (resuming).")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Import (upsert) the activities of an IATI 2.0x iati-activities file."""
    s = state(ctx, output)
    raw = file.read_bytes()
    try:
        total = len(imports.read_activities(raw)[2])
    except (etree.XMLSyntaxError, ValueError) as exc:
        err.print(
            f"[red]{escape(str(file))} is not an iati-activities document: {escape(str(exc))}[/red]"
        )
        raise typer.Exit(2) from None
    client = s.open()
    path = journal or config.journal_path(s.settings().url, imports.digest(raw))
    with progress_bar("activities", total) as advance:
        run_import(
            s,
            "IATI",
            lambda: imports.import_iati(
                client,
                raw,
                max_bytes=max_bytes,
                journal=imports.Journal(path),
                progress=advance,
            ),
        )


@import_app.command("rates")
def import_rates(
    ctx: typer.Context,
    file: FileArg,
    max_bytes: MaxBytes = imports.DEFAULT_MAX_BYTES,
    output: OutputOpt = None,
) -> None:
    """Load UN operational rates from CSV (currency,effective_date,rate)."""
    s = state(ctx, output)
    text = file.read_text(encoding="utf-8")
    client = s.open()
    with progress_bar("rates", len(imports.read_csv(text)[1])) as advance:
        run_import(
            s,
            "rates",
            lambda: imports.import_rates(client, text, max_bytes=max_bytes, progress=advance),
        )


@import_app.command("contributions")
def import_contributions(ctx: typer.Context, file: FileArg, output: OutputOpt = None) -> None:
    """Record contributions from CSV, one per row (columns: the contribution's fields,
    ``earmarking.kind`` etc. for the earmarking)."""
    s = state(ctx, output)
    text = file.read_text(encoding="utf-8")
    client = s.open()
    with progress_bar("contributions", len(imports.read_csv(text)[1])) as advance:
        run_import(
            s,
            "contributions",
            lambda: imports.import_contributions(client, text, progress=advance),
        )


# -------------------------------------------------------------------------------- reports


class Format(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="json, csv, xlsx or html.")]
TargetOpt = Annotated[Path, typer.Option("--to", help="The file to write.", dir_okay=False)]


def write_report(
    title: str,
    fmt: Format,
    target: Path,
    document: Callable[[], dict[str, Any]],
    csv: Callable[[], bytes],
) -> None:
    try:
        if fmt is Format.csv:
            target.write_bytes(guarded(csv))
        elif fmt is Format.json:
            exports.write_json(guarded(document), target)
        elif fmt is Format.xlsx:
            exports.write_xlsx(guarded(document), target, title)
        else:
            exports.write_html(guarded(document), target, title)
    except TransportError as exc:  # pragma: no cover - guarded maps it
        raise typer.Exit(4) from exc
    err.print(f"{escape(title)}: written to {escape(str(target))}")


@report_app.command("annual")
def annual(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument()],
    target: TargetOpt,
    fmt: FormatOpt = Format.json,
    partial: Annotated[bool, typer.Option(help="Accept a report with missing sources.")] = False,
) -> None:
    """The head's annual report (paragraph 10)."""
    client = state(ctx).open()
    write_report(
        f"Annual report {year}",
        fmt,
        target,
        lambda: client.reports.annual(year, partial=partial or None),
        lambda: client.reports.annual_csv(year, partial=partial or None).content,
    )


@report_app.command("sources-and-uses")
def sources_and_uses(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="The year reported.")],
    target: TargetOpt,
    fmt: FormatOpt = Format.json,
) -> None:
    """Sources and uses of all voluntary contributions in a year (the ledger's statement)."""
    client = state(ctx).open()
    write_report(
        f"Sources and uses {year}",
        fmt,
        target,
        lambda: client.reports.sources_and_uses(year=year),
        lambda: client.reports.sources_and_uses_csv(year=year).content,
    )
