"""Financial statements read from the journal: sources and uses of a year (with each fund's
closing position split into cash, receivables, deferred revenue and in kind), funding per
project (its figures are in :mod:`figures`).

Everything here is computed from journal entries (USD) joined to their accounts, funds and
transactions, in a fixed number of grouped queries whatever the size of the ledger:

- a fund's **opening** and **closing balance** are its net position (assets + liabilities,
  debit-positive) at the start and end of the year;
- **sources** are the year's credits less debits on revenue accounts (contributions in cash and
  in kind, other income and exchange differences) plus net-asset transfers; **uses** are the
  year's debits less credits on expense accounts (expenditure and in-kind expense);
- ``reconciles`` is opening + sources - uses == closing, computed per fund to the cent from the
  two independent sides, never assumed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from defusedcsv.csv import writer as csv_writer
from sqlalchemy import BindParameter, Date, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from services.funding import figures, journal
from services.funding.models import (
    Account,
    AccountType,
    Agreement,
    Contributor,
    ContributorType,
    Fund,
    JournalEntry,
    JournalTransaction,
    Side,
    TransactionKind,
)
from services.funding.money import in_currency
from services.funding.rates import to_usd

ZERO = Decimal("0.00")
# The columns of sources and uses, in the order every answer (JSON and CSV) gives them.
SOURCE_KINDS = ("cash_contributions", "in_kind_contributions", "other_income")
USE_KINDS = ("expenditure", "in_kind_expense")
POSITION_TYPES = (AccountType.ASSET, AccountType.LIABILITY)
CASH_REVENUE = (journal.CONTRIBUTION_REVENUE,)
IN_KIND_REVENUE = (journal.IN_KIND_REVENUE,)
PRIVATE_AND_INNOVATIVE = (
    ContributorType.PRIVATE_SECTOR,
    ContributorType.INNOVATIVE_FINANCING_MECHANISM,
)

# Debit-positive signed amount of an entry.
_SIGNED = case(
    (JournalEntry.side == Side.DEBIT, JournalEntry.usd_amount), else_=-JournalEntry.usd_amount
)


def _money(value: Decimal | None) -> str:
    return str(journal.q2(value or ZERO))


def _positions(db_session: Session, before: dt.date) -> dict[int, dict[str, Decimal]]:
    """Net position per fund from every entry dated before ``before``, split by what holds it:
    cash (1000, 1010), receivables (1100) and deferred revenue (2100, a liability: it counts
    against the position), debit-positive, so ``net`` = cash + receivables - deferred revenue."""
    rows = db_session.execute(
        select(Account.fund_id, Account.code, func.sum(_SIGNED))
        .join(Account, Account.id == JournalEntry.account_id)
        .where(JournalEntry.value_date < before, Account.type.in_(POSITION_TYPES))
        .group_by(Account.fund_id, Account.code)
    ).all()
    found: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for fund_id, code, total in rows:
        amount = Decimal(total or 0)
        found[fund_id]["net"] += amount
        found[fund_id][_POSITION_PART.get(code, "other")] += amount
    return found


# What holds a fund's net position, by account code; deferred revenue is shown as the
# (positive) liability it is, so cash + receivables - deferred_revenue + in_kind = net.
_POSITION_PART = {
    journal.CASH_UNALLOCATED: "cash",
    journal.CASH_ALLOCATED: "cash",
    journal.RECEIVABLE: "receivables",
    journal.DEFERRED_REVENUE: "deferred_revenue",
}
POSITION_PARTS = ("cash", "receivables", "deferred_revenue", "in_kind")


def _split(position: dict[str, Decimal] | None) -> dict[str, str]:
    position = position or {}
    return {
        "cash": _money(position.get("cash")),
        "receivables": _money(position.get("receivables")),
        "deferred_revenue": _money(-position.get("deferred_revenue", ZERO)),
        # In-kind contributions hold no position: recognised premises, facilities and goods are
        # revenue and an equal expense, services are disclosed only; any other asset would be.
        "in_kind": _money(position.get("other")),
    }


def sources_and_uses(*, db_session: Session, year: int) -> dict[str, Any]:
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    in_year = (JournalEntry.value_date >= start, JournalEntry.value_date < end)
    opening = _positions(db_session, start)
    closing = _positions(db_session, end)
    movements = _fund_movements(db_session, in_year)
    funds = {f.id: f for f in db_session.execute(select(Fund)).scalars()}
    fund_rows, totals, all_reconcile = _fund_rows(funds, opening, closing, movements)
    contributions = _contributions(db_session, in_year)
    by_type, host = _by_contributor_type(contributions)
    return {
        "year": year,
        "currency": "USD",
        "funds": fund_rows,
        "by_contributor_type": [{"type": t, **_contributed(v)} for t, v in sorted(by_type.items())],
        "by_contributor": [
            {
                "contributor_id": c["id"],
                "name": c["name"],
                "type": c["type"].value,
                **_contributed(c),
            }
            for c in contributions
        ],
        "by_earmarking": _by_earmarking(fund_rows),
        "expenditure_by_project": [
            {"project_id": p, "amount_usd": _money(a)}
            for p, a in _expense_by(db_session, in_year, Account.project_id)
            if p is not None
        ],
        "expenditure_by_category": [
            {"category": c or "uncategorised", "amount_usd": _money(a)}
            for c, a in _expense_by(db_session, in_year, Account.category)
        ],
        "private_and_innovative_share": _private_and_innovative_share(contributions),
        "host_country_support": _contributed(host),
        "totals": {
            k: _money(totals[k]) for k in ("opening_balance", "sources", "uses", "closing_balance")
        },
        "closing_position": {part: _money(totals[f"closing_{part}"]) for part in POSITION_PARTS},
        "reconciles": all_reconcile,
    }


def _contributed(figures: Any) -> dict[str, str]:
    """What a contributor (or a group of them) gave in the year: ``revenue_recognised`` (money
    contributions recognised, i.e. signed or conditions met — not cash), ``cash_received``
    (receipts at their own rate, net of reversals), ``in_kind``; and ``cash``, deprecated (issue
    12): the same figure as ``revenue_recognised``, whose name said cash."""
    return {
        "cash": _money(figures["cash"]),
        "revenue_recognised": _money(figures["cash"]),
        "cash_received": _money(figures["cash_received"]),
        "in_kind": _money(figures["in_kind"]),
    }


def _fund_movements(db_session: Session, in_year: Sequence[Any]) -> dict[int, dict[str, Decimal]]:
    """The year's sources and uses per fund, by column (``SOURCE_KINDS``, ``USE_KINDS``)."""
    movements: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for fund_id, code, account_type, signed in db_session.execute(
        select(Account.fund_id, Account.code, Account.type, func.sum(_SIGNED))
        .join(Account, Account.id == JournalEntry.account_id)
        .where(
            *in_year,
            Account.type.in_((AccountType.REVENUE, AccountType.EXPENSE, AccountType.NET_ASSETS)),
        )
        .group_by(Account.fund_id, Account.code, Account.type)
    ).all():
        amount = Decimal(signed or 0)
        bucket = movements[fund_id]
        if code in CASH_REVENUE:
            bucket["cash_contributions"] -= amount
        elif code in IN_KIND_REVENUE:
            bucket["in_kind_contributions"] -= amount
        elif account_type in (AccountType.REVENUE, AccountType.NET_ASSETS):
            bucket["other_income"] -= amount
        elif code == journal.IN_KIND_EXPENSE:
            bucket["in_kind_expense"] += amount
        else:
            bucket["expenditure"] += amount
    return movements


def _fund_rows(
    funds: dict[int, Fund],
    opening: dict[int, dict[str, Decimal]],
    closing: dict[int, dict[str, Decimal]],
    movements: dict[int, dict[str, Decimal]],
) -> tuple[list[dict[str, Any]], dict[str, Decimal], bool]:
    """One row per fund with its reconciliation, the column totals, and whether all reconcile."""
    fund_rows: list[dict[str, Any]] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    all_reconcile = True
    for fund_id in sorted(set(opening) | set(closing) | set(movements)):
        fund = funds[fund_id]
        m = movements.get(fund_id, {})
        sources = sum((m.get(k, ZERO) for k in SOURCE_KINDS), ZERO)
        uses = sum((m.get(k, ZERO) for k in USE_KINDS), ZERO)
        open_ = opening.get(fund_id, {}).get("net", ZERO)
        close = closing.get(fund_id, {}).get("net", ZERO)
        reconciles = journal.q2(open_ + sources - uses) == journal.q2(close)
        all_reconcile &= reconciles
        for key, value in (
            ("opening_balance", open_),
            ("sources", sources),
            ("uses", uses),
            ("closing_balance", close),
        ):
            totals[key] += value
        for part, shown in _split(closing.get(fund_id)).items():
            totals[f"closing_{part}"] += Decimal(shown)
        fund_rows.append(
            {
                "fund_id": fund_id,
                "name": fund.name,
                "earmarking": fund.kind.value,
                "project_id": fund.project_id,
                "opening_balance": _money(open_),
                "sources": {k: _money(m.get(k)) for k in SOURCE_KINDS},
                "uses": {k: _money(m.get(k)) for k in USE_KINDS},
                "closing_balance": _money(close),
                "closing_position": _split(closing.get(fund_id)),
                "reconciles": reconciles,
            }
        )
    return fund_rows, totals, all_reconcile


def _by_contributor_type(
    contributions: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]:
    """Cash and in kind per contributor type, and the host country's own."""
    by_type: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    host: dict[str, Decimal] = defaultdict(Decimal)
    for c in contributions:
        for key in ("cash", "cash_received", "in_kind"):
            by_type[c["type"].value][key] += c[key]
            if c["type"] is ContributorType.HOST_COUNTRY:
                host[key] += c[key]
    return by_type, host


def _private_and_innovative_share(contributions: list[dict[str, Any]]) -> str:
    total_contributions = sum((c["cash"] + c["in_kind"] for c in contributions), ZERO)
    private = sum(
        (c["cash"] + c["in_kind"] for c in contributions if c["type"] in PRIVATE_AND_INNOVATIVE),
        ZERO,
    )
    return (
        str((private / total_contributions).quantize(Decimal("0.0001")))
        if total_contributions
        else "0.0000"
    )


def _by_earmarking(fund_rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    by_earmarking: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in fund_rows:
        by_earmarking[row["earmarking"]]["cash"] += Decimal(row["sources"]["cash_contributions"])
        by_earmarking[row["earmarking"]]["in_kind"] += Decimal(
            row["sources"]["in_kind_contributions"]
        )
    return [
        {
            "earmarking": k,
            "cash": _money(v["cash"]),  # deprecated (issue 12): revenue, read revenue_recognised
            "revenue_recognised": _money(v["cash"]),
            "in_kind": _money(v["in_kind"]),
        }
        for k, v in sorted(by_earmarking.items())
    ]


def _contributions(db_session: Session, in_year: Sequence[Any]) -> list[dict[str, Any]]:
    """Contribution revenue (in money, ``cash``, and in kind) and cash received of the year per
    contributor."""
    rows = db_session.execute(
        select(Contributor.id, Contributor.name, Contributor.type, Account.code, func.sum(_SIGNED))
        .join(Account, Account.id == JournalEntry.account_id)
        .join(JournalTransaction, JournalTransaction.id == JournalEntry.transaction_id)
        .join(Contributor, Contributor.id == JournalTransaction.contributor_id)
        .where(*in_year, Account.code.in_((*CASH_REVENUE, *IN_KIND_REVENUE)))
        .group_by(Contributor.id, Contributor.name, Contributor.type, Account.code)
    ).all()
    found: dict[int, dict[str, Any]] = {}

    def entry(contributor_id: int, name: str, type_: ContributorType) -> dict[str, Any]:
        return found.setdefault(
            contributor_id,
            {
                "id": contributor_id,
                "name": name,
                "type": type_,
                "cash": ZERO,
                "cash_received": ZERO,
                "in_kind": ZERO,
            },
        )

    for contributor_id, name, type_, code, signed in rows:
        key = "cash" if code in CASH_REVENUE else "in_kind"
        entry(contributor_id, name, type_)[key] -= Decimal(signed or 0)
    for contributor_id, name, type_, signed in db_session.execute(
        _RECEIPTS_BY_CONTRIBUTOR.where(*in_year)
    ):
        entry(contributor_id, name, type_)["cash_received"] += Decimal(signed or 0)
    return [found[k] for k in sorted(found)]


# Cash debited by receipts (and credited back by their reversals) per contributor.
_RECEIPT_ORIGINAL = aliased(JournalTransaction)
_RECEIPTS_BY_CONTRIBUTOR = (
    select(Contributor.id, Contributor.name, Contributor.type, func.sum(_SIGNED))
    .join(Account, Account.id == JournalEntry.account_id)
    .join(JournalTransaction, JournalTransaction.id == JournalEntry.transaction_id)
    .outerjoin(_RECEIPT_ORIGINAL, _RECEIPT_ORIGINAL.id == JournalTransaction.reverses_id)
    .join(Contributor, Contributor.id == JournalTransaction.contributor_id)
    .where(
        Account.code == journal.CASH_UNALLOCATED,
        func.coalesce(_RECEIPT_ORIGINAL.kind, JournalTransaction.kind) == TransactionKind.RECEIPT,
    )
    .group_by(Contributor.id, Contributor.name, Contributor.type)
)


def _expense_by(db_session: Session, in_year: Sequence[Any], column: Any) -> list[Any]:
    return list(
        db_session.execute(
            select(column, func.sum(_SIGNED))
            .join(Account, Account.id == JournalEntry.account_id)
            .where(*in_year, Account.code == journal.EXPENDITURE)
            .group_by(column)
            .order_by(column)
        ).all()
    )


# The per-project statements, built once (the gateway calls them for every dossier and page):
# ``ids`` is an expanding parameter, so each call only binds values.
_PROJECT_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_PROJECT_CONTRIBUTORS = (
    select(Fund.project_id, Contributor.id, Contributor.name, func.sum(_SIGNED))
    .join(Account, Account.id == JournalEntry.account_id)
    .join(Fund, Fund.id == Account.fund_id)
    .join(JournalTransaction, JournalTransaction.id == JournalEntry.transaction_id)
    .join(Contributor, Contributor.id == JournalTransaction.contributor_id)
    .where(
        Fund.project_id.in_(_PROJECT_IDS),
        Account.code.in_((*CASH_REVENUE, *IN_KIND_REVENUE)),
        JournalEntry.value_date <= bindparam("as_of", type_=Date),
    )
    .group_by(Fund.project_id, Contributor.id, Contributor.name)
)
_PROJECT_AGREEMENTS = (
    select(
        Agreement.id,
        Agreement.project_id,
        Agreement.contributor_id,
        Contributor.name,
        Agreement.total,
        Agreement.signing_rate,
        Agreement.status,
        Agreement.currency,
    )
    .join(Contributor, Contributor.id == Agreement.contributor_id)
    .where(
        Agreement.project_id.in_(_PROJECT_IDS),
        Agreement.signing_rate.is_not(None),
        Agreement.signed_on <= bindparam("as_of", type_=Date),
    )
    .order_by(Agreement.id)
)


def project_funding(
    *, db_session: Session, project_ids: Sequence[int], as_of: dt.date
) -> list[dict[str, Any]]:
    """Per registry project with money in the ledger: its agreements, its figures
    (:mod:`figures`) and its contributors."""
    ids = sorted(set(project_ids))
    params: dict[str, Any] = {"ids": ids, "as_of": as_of}
    per_project = figures.project_figures(db_session=db_session, project_ids=ids, as_of=as_of)
    contributors = _project_contributors(db_session, params)
    agreements = _project_agreements(db_session, params)
    items = []
    for project_id in ids:
        if project_id not in per_project and project_id not in agreements:
            continue
        found = per_project.get(project_id, figures.Figures())
        items.append(
            {
                "project_id": project_id,
                "currency": "USD",
                "as_of": as_of,
                "agreements": agreements.get(project_id, []),
                **found.as_money(),
                "by_contributor": list(contributors.get(project_id, {}).values()),
            }
        )
    return items


def _project_contributors(
    db_session: Session, ids: dict[str, Any]
) -> dict[int, dict[int, dict[str, Any]]]:
    """Each contributor's contributions into the fund earmarked to each project."""
    contributors: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for project_id, contributor_id, name, signed in db_session.execute(_PROJECT_CONTRIBUTORS, ids):
        contributors[int(project_id)][contributor_id] = {
            "contributor_id": contributor_id,
            "name": name,
            "amount_usd": _money(-Decimal(signed or 0)),
        }
    return contributors


def _project_agreements(
    db_session: Session, ids: dict[str, Any]
) -> dict[int, list[dict[str, Any]]]:
    """The signed agreements earmarked to each project."""
    agreements: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in db_session.execute(_PROJECT_AGREEMENTS, ids):  # drafts are not commitments
        agreements[int(row.project_id or 0)].append(
            {
                "agreement_id": row.id,
                "contributor_id": row.contributor_id,
                "contributor_name": row.name,
                "total_usd": _money(to_usd(row.total, row.signing_rate)),
                "status": row.status.value,
                "currency": row.currency,
                "total": str(in_currency(row.total, row.currency)),
            }
        )
    return agreements


def sources_and_uses_csv(report: dict[str, Any]) -> str:
    """One row per fund with its reconciliation, then a totals row whose every money column is
    the sum of that column."""
    out = io.StringIO()
    writer = csv_writer(out)
    money = ("opening_balance", *SOURCE_KINDS, *USE_KINDS, "closing_balance")
    writer.writerow(["year", "fund_id", "fund", "earmarking", *money, "reconciles"])
    column_totals: dict[str, Decimal] = dict.fromkeys(money, ZERO)
    for fund in report["funds"]:
        values = {
            "opening_balance": fund["opening_balance"],
            **fund["sources"],
            **fund["uses"],
            "closing_balance": fund["closing_balance"],
        }
        for column in money:
            column_totals[column] += Decimal(values[column])
        writer.writerow(
            [
                report["year"],
                fund["fund_id"],
                fund["name"],
                fund["earmarking"],
                *(values[column] for column in money),
                fund["reconciles"],
            ]
        )
    writer.writerow(
        [
            report["year"],
            "",
            "TOTAL",
            "",
            *(_money(column_totals[column]) for column in money),
            report["reconciles"],
        ]
    )
    return out.getvalue()
