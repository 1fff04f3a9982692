"""JSON logs on stdout, each line carrying the request id of the request it belongs to."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from shared.context import current_request_id


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        return True


def configure_logging(app_name: str, level: str = "INFO") -> None:
    """Route the root logger to stdout as JSON; idempotent (safe to call per app factory)."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    # uvicorn installs its own plain-text handlers before it builds the app: hand its lines to
    # the root logger so that every line a process writes is JSON.
    for name in ("uvicorn", "uvicorn.error"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    for handler in root.handlers:
        if getattr(handler, "_sdgc", False):
            return
    handler = logging.StreamHandler(sys.stdout)
    handler._sdgc = True  # type: ignore[attr-defined]
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"app": app_name},
        )
    )
    root.addHandler(handler)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
