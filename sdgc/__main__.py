"""``python -m sdgc``: the command line."""

from sdgc.cli import app

app(prog_name="sdgc")
