"""``sdgc``: the suite from a terminal, on :class:`sdgc.Client` (assembles the commands).

Exit codes: 0 done; 1 the API refused (a problem is printed) or an import refused some rows;
2 usage; 3 an import was interrupted (run it again: it resumes without duplicates); 4 the API
could not be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sdgc import cli_bulk
from sdgc.cli_common import Output, State
from sdgc.cli_resources import RESOURCES, resource_app

app = typer.Typer(
    help="Command line of the SDG Centre suite.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a traceback must never print the API key
)


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[
        str | None, typer.Option("--url", envvar="SDGC_URL", help="The gateway's URL.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="SDGC_API_KEY", help="An API key.")
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", envvar="SDGC_CONFIG", help="TOML file with url and api_key."),
    ] = None,
    output: Annotated[Output, typer.Option("--output", "-o", help="table or json.")] = Output.table,
) -> None:
    ctx.obj = State(url, api_key, config_file, output)
    ctx.call_on_close(lambda: ctx.obj.client.close() if ctx.obj.client else None)


for resource in RESOURCES:
    app.add_typer(resource_app(resource), name=resource.name)
app.add_typer(cli_bulk.import_app, name="import")
app.add_typer(cli_bulk.report_app, name="report")
