"""Bulk imports on the client: IATI activities, exchange rates and contributions, each resumable
after an interruption without creating anything twice (see :mod:`sdgc.imports.outcome`)."""

from sdgc.imports.csv_rows import (
    contribution_body,
    contribution_keys,
    import_contributions,
    import_rates,
    rate_documents,
    read_csv,
)
from sdgc.imports.iati import (
    Document,
    after_refusal,
    import_iati,
    read_activities,
    send_document,
    split_documents,
)
from sdgc.imports.outcome import (
    DEFAULT_MAX_BYTES,
    Interrupted,
    Journal,
    Refusal,
    Stop,
    Summary,
    digest,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Document",
    "Interrupted",
    "Journal",
    "Refusal",
    "Stop",
    "Summary",
    "after_refusal",
    "contribution_body",
    "contribution_keys",
    "digest",
    "import_contributions",
    "import_iati",
    "import_rates",
    "rate_documents",
    "read_activities",
    "read_csv",
    "send_document",
    "split_documents",
]
