"""Names of the answer fields whose JSON strings are decimals (money, rates, percentages).

The suite sends every Decimal as a JSON string; the client turns a string under one of these
names back into :class:`~decimal.Decimal` (a mapping under one of them — a fund's ``sources`` and
``uses`` by kind — has each of its strings turned). A test reads the services' response models
and fails when a decimal field is missing here or a name is a plain string elsewhere.
"""

DECIMAL_FIELDS: frozenset[str] = frozenset(
    {
        # from the response models
        "outstanding",
        "outstanding_usd",
        "overdue_usd",
        "allocated_usd",
        "budget_unallocated_usd",
        "budget_unspent_usd",
        "cash_allocated",
        "cash_available",
        "cash_received",
        "cash_unallocated",
        "committed",
        "deferred_revenue",
        "exchange_differences",
        "in_kind_received",
        "in_kind_used",
        "receivable",
        "receivable_overdue",
        "revenue_recognised",
        "spent_usd",
        "actual_value",
        "amount",
        "balance_after_usd",
        "balance_usd",
        "baseline_value",
        "deferred_usd_open",
        "exchange_difference_usd",
        "percentage",
        "progress",
        "psc_rate",
        "rate",
        "receivable_usd_open",
        "received",
        "signing_rate",
        "target_value",
        "total",
        "usd_amount",
        # the funding reports built as documents (sources and uses, pledges outstanding, …)
        "allocated",
        "amount_usd",
        "balance",
        "cash",
        "closing_balance",
        "in_kind",
        "opening_balance",
        "private_and_innovative_share",
        "sources",
        "spent",
        "total_usd",
        "usd",
        "usd_equivalent",
        "uses",
    }
)
