"""Agreements and the contributions received under them (cash) or given in kind. No FastAPI
here; callers commit.

Every money event posts one balanced transaction through :func:`journal.post_transaction` at
the UN operational rate of its date (:func:`rates.usd_rate`); a pledge posts nothing (see
``pledges``). Signing an agreement recognises the receivable against revenue, or against
deferred revenue for the amounts under conditions; meeting a condition moves its amount from
deferred revenue to revenue at the signing rate. Cash relieves the receivable at the signing
rate; the difference to the US dollars actually received at the value date's rate is a realised
exchange difference. In-kind premises, facilities and goods are recognised (revenue and an equal
expense); services are disclosed only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.funding import journal, ledger
from services.funding.contributors import require_contributor
from services.funding.dates import DateRules, not_before_signature
from services.funding.models import (
    Account,
    Agreement,
    AgreementCondition,
    AgreementStatus,
    Contribution,
    ContributionKind,
    FundKind,
    InKindType,
    Instalment,
    JournalEntry,
    RevenueCategory,
    Side,
    TransactionKind,
)
from services.funding.money import check_minor_units
from services.funding.rates import to_usd, usd_rate
from services.funding.schemas.agreements import (
    AgreementCreate,
    AgreementTerms,
    ContributionCreate,
)
from services.funding.schemas.common import Earmarking
from shared.pagination import SortKey, paginate
from shared.problems import conflict, field_problem, not_found

ZERO = journal.ZERO
RECOGNISED_IN_KIND = frozenset({InKindType.PREMISES, InKindType.FACILITIES, InKindType.GOODS})
TRANSITIONS: dict[AgreementStatus, AgreementStatus] = {
    AgreementStatus.DRAFT: AgreementStatus.SIGNED,
    AgreementStatus.SIGNED: AgreementStatus.ACTIVE,
    AgreementStatus.ACTIVE: AgreementStatus.OPERATIONALLY_CLOSED,
    AgreementStatus.OPERATIONALLY_CLOSED: AgreementStatus.FINANCIALLY_CLOSED,
}
RECEIVING = frozenset({AgreementStatus.SIGNED, AgreementStatus.ACTIVE})


def category_for(kind: FundKind, given: RevenueCategory | None) -> RevenueCategory:
    if given is not None:
        return given
    if kind is FundKind.UNEARMARKED:
        return RevenueCategory.VOLUNTARY_NOT_SPECIFIED
    return RevenueCategory.VOLUNTARY_SPECIFIED


def create_agreement(*, db_session: Session, data: AgreementCreate) -> Agreement:
    return new_agreement(
        db_session,
        data,
        contributor_id=data.contributor_id,
        currency=data.currency,
        earmarking=data.earmarking,
        category=data.revenue_category,
        pledge_id=None,
    )


def new_agreement(
    db_session: Session,
    data: AgreementTerms,
    *,
    contributor_id: int,
    currency: str,
    earmarking: Earmarking,
    category: RevenueCategory | None,
    pledge_id: int | None,
) -> Agreement:
    """A draft agreement on ``data``'s terms with its instalments (by due date) and conditions,
    in the fund of its earmarking (opened if new)."""
    check_minor_units(
        currency,
        [
            ("total", data.total),
            *((f"instalments.{i}.amount", x.amount) for i, x in enumerate(data.instalments)),
            *((f"conditions.{i}.amount", c.amount) for i, c in enumerate(data.conditions)),
        ],
    )
    require_contributor(db_session, contributor_id)
    _ensure_new_reference(db_session, data.reference)
    fund = ledger.open_fund(db_session=db_session, earmarking=earmarking)
    db_session.flush()
    agreement = Agreement(
        reference=data.reference,
        contributor_id=contributor_id,
        pledge_id=pledge_id,
        fund_id=fund.id,
        currency=currency,
        total=data.total,
        psc_rate=data.psc_rate,
        earmark_kind=earmarking.kind,
        sdg_goal=earmarking.sdg_goal,
        dimension=earmarking.dimension,
        project_id=earmarking.project_id,
        revenue_category=category_for(earmarking.kind, category),
        status=AgreementStatus.DRAFT,
        receivable_usd_open=ZERO,
        deferred_usd_open=ZERO,
        received=ZERO,
    )
    db_session.add(agreement)
    db_session.flush()
    _add_schedule(db_session, agreement, data)
    db_session.flush()
    db_session.refresh(agreement)
    return agreement


def _ensure_new_reference(db_session: Session, reference: str) -> None:
    if db_session.execute(select(Agreement.id).where(Agreement.reference == reference)).first():
        raise field_problem(
            409,
            "reference",
            f"an agreement with reference {reference} already exists",
            rule="duplicate-reference",
        )


def _add_schedule(db_session: Session, agreement: Agreement, data: AgreementTerms) -> None:
    """The agreement's instalments, numbered by due date, and its conditions, as given."""
    for number, inst in enumerate(sorted(data.instalments, key=lambda i: i.due_date), start=1):
        db_session.add(
            Instalment(
                agreement_id=agreement.id,
                number=number,
                due_date=inst.due_date,
                amount=inst.amount,
                received=ZERO,
            )
        )
    for number, cond in enumerate(data.conditions, start=1):
        db_session.add(
            AgreementCondition(
                agreement_id=agreement.id,
                number=number,
                description=cond.description,
                amount=cond.amount,
            )
        )


def get_agreement(*, db_session: Session, agreement_id: int, for_update: bool = False) -> Agreement:
    stmt = select(Agreement).where(Agreement.id == agreement_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    agreement = db_session.execute(stmt).scalar_one_or_none()
    if agreement is None:
        raise not_found("agreement", agreement_id)
    return agreement


def list_agreements(
    *,
    db_session: Session,
    contributor_id: int | None,
    status: AgreementStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Agreement], str | None]:
    stmt = select(Agreement)
    if contributor_id is not None:
        stmt = stmt.where(Agreement.contributor_id == contributor_id)
    if status is not None:
        stmt = stmt.where(Agreement.status == status)
    return paginate(db_session, stmt, keys=[SortKey(Agreement.id)], limit=limit, cursor=cursor)


def change_status(
    *,
    db_session: Session,
    agreement_id: int,
    status: AgreementStatus,
    on: dt.date | None,
    actor: str,
    dates: DateRules,
) -> Agreement:
    dates.within_horizon(on, "on")
    agreement = get_agreement(db_session=db_session, agreement_id=agreement_id, for_update=True)
    if TRANSITIONS.get(agreement.status) is not status:
        allowed = TRANSITIONS.get(agreement.status)
        raise conflict(
            f"agreement {agreement_id} is {agreement.status}; it can move only to "
            f"{allowed or 'nothing (it is closed)'}, not {status}",
            rule="illegal-agreement-transition",
            current_status=str(agreement.status),
            requested=str(status),
        )
    if status is AgreementStatus.SIGNED:
        if on is None:
            raise field_problem(422, "on", "the signature date is required", rule="required")
        _sign(db_session, agreement, on, actor)
    if status is AgreementStatus.FINANCIALLY_CLOSED and (
        agreement.received != agreement.total or agreement.receivable_usd_open != ZERO
    ):
        raise field_problem(
            409,
            "status",
            f"agreement {agreement_id} has received {agreement.received} of {agreement.total} "
            f"{agreement.currency} ({agreement.receivable_usd_open} USD receivable); it cannot "
            "be financially closed while its receivable is open",
            rule="open-receivable",
            receivable_usd=str(agreement.receivable_usd_open),
        )
    agreement.status = status
    db_session.flush()
    return agreement


def _accounts(db_session: Session, fund_id: int, *codes: str) -> list[Account]:
    fund = journal.get_fund(db_session=db_session, fund_id=fund_id)
    return [journal.get_or_create_account(db_session=db_session, code=c, fund=fund) for c in codes]


def _sign(db_session: Session, agreement: Agreement, on: dt.date, actor: str) -> None:
    rate = usd_rate(db_session=db_session, currency=agreement.currency, on=on, field="currency")
    total_usd = to_usd(agreement.total, rate)
    conditional = sum((c.amount for c in agreement.conditions), ZERO)
    deferred_usd = to_usd(conditional, rate) if conditional < agreement.total else total_usd
    receivable, revenue, deferred = _accounts(
        db_session,
        agreement.fund_id,
        journal.RECEIVABLE,
        journal.CONTRIBUTION_REVENUE,
        journal.DEFERRED_REVENUE,
    )
    cur = agreement.currency
    lines = [journal.Line(receivable, Side.DEBIT, agreement.total, cur, rate, total_usd)]
    if conditional < agreement.total:
        lines.append(
            journal.Line(
                revenue,
                Side.CREDIT,
                agreement.total - conditional,
                cur,
                rate,
                total_usd - deferred_usd,
            )
        )
    if conditional:
        lines.append(journal.Line(deferred, Side.CREDIT, conditional, cur, rate, deferred_usd))
    journal.post_transaction(
        db_session=db_session,
        kind=TransactionKind.AGREEMENT_SIGNED,
        value_date=on,
        description=f"Agreement {agreement.reference} signed",
        lines=lines,
        actor=actor,
        contributor_id=agreement.contributor_id,
        agreement_id=agreement.id,
        project_id=agreement.project_id,
    )
    agreement.signed_on = on
    agreement.signing_rate = rate
    agreement.receivable_usd_open = total_usd
    agreement.deferred_usd_open = deferred_usd


def meet_condition(
    *,
    db_session: Session,
    agreement_id: int,
    number: int,
    met_on: dt.date,
    actor: str,
    dates: DateRules,
) -> Agreement:
    dates.within_horizon(met_on, "met_on")
    agreement = get_agreement(db_session=db_session, agreement_id=agreement_id, for_update=True)
    condition = next((c for c in agreement.conditions if c.number == number), None)
    if condition is None:
        raise not_found(f"condition of agreement {agreement_id}", number)
    if condition.met_on is not None:
        raise conflict(
            f"condition {number} was already met on {condition.met_on}", rule="condition-met"
        )
    if agreement.status not in RECEIVING or agreement.signing_rate is None:
        raise conflict(
            f"agreement {agreement_id} is {agreement.status}; conditions are met on a signed "
            "or active agreement",
            rule="agreement-not-signed",
        )
    not_before_signature(met_on, agreement.signed_on, "met_on", f"agreement {agreement_id}")
    unmet = [c for c in agreement.conditions if c.met_on is None]
    usd = (
        agreement.deferred_usd_open
        if len(unmet) == 1
        else to_usd(condition.amount, agreement.signing_rate)
    )
    deferred, revenue = _accounts(
        db_session, agreement.fund_id, journal.DEFERRED_REVENUE, journal.CONTRIBUTION_REVENUE
    )
    cur, rate = agreement.currency, agreement.signing_rate
    journal.post_transaction(
        db_session=db_session,
        kind=TransactionKind.CONDITION_MET,
        value_date=met_on,
        description=f"Agreement {agreement.reference}: condition {number} met",
        lines=[
            journal.Line(deferred, Side.DEBIT, condition.amount, cur, rate, usd),
            journal.Line(revenue, Side.CREDIT, condition.amount, cur, rate, usd),
        ],
        actor=actor,
        contributor_id=agreement.contributor_id,
        agreement_id=agreement.id,
        project_id=agreement.project_id,
    )
    condition.met_on = met_on
    agreement.deferred_usd_open = agreement.deferred_usd_open - usd
    db_session.flush()
    return agreement


# ------------------------------------------------------------------------ contributions


def create_contribution(
    *, db_session: Session, data: ContributionCreate, actor: str, dates: DateRules
) -> tuple[Contribution, Decimal]:
    """The contribution and its realised exchange difference in US dollars (cash only). Cash
    is never dated in the future nor before its agreement's signature; in kind, not beyond the
    value-date horizon."""
    check_minor_units(data.currency, [("amount", data.amount)])
    if data.kind is ContributionKind.CASH:
        dates.not_in_future(data.value_date, "value_date")
        return _cash(db_session, data, actor)
    dates.within_horizon(data.value_date, "value_date")
    return _in_kind(db_session, data, actor), ZERO


def _require(value: object, field: str, why: str) -> None:
    if value is None:
        raise field_problem(422, field, f"is required {why}", rule="required")


def _forbid(value: object, field: str, why: str) -> None:
    if value is not None:
        raise field_problem(422, field, f"is not allowed {why}", rule="not-allowed")


def _cash(
    db_session: Session, data: ContributionCreate, actor: str
) -> tuple[Contribution, Decimal]:
    _check_cash_fields(data)
    assert data.agreement_id is not None
    agreement = get_agreement(
        db_session=db_session, agreement_id=data.agreement_id, for_update=True
    )
    signing_rate = _signing_rate_if_receiving(agreement, data)
    not_before_signature(
        data.value_date, agreement.signed_on, "value_date", f"agreement {agreement.id}"
    )
    instalment = _instalment_due(agreement, data)
    rate = usd_rate(
        db_session=db_session, currency=data.currency, on=data.value_date, field="currency"
    )
    cash_usd = to_usd(data.amount, rate)
    relieved = _receivable_relieved(agreement, data.amount, signing_rate)
    difference = cash_usd - relieved
    lines = _receipt_lines(
        db_session,
        agreement,
        data,
        rates=(rate, signing_rate),
        cash_usd=cash_usd,
        relieved=relieved,
    )
    txn = journal.post_transaction(
        db_session=db_session,
        kind=TransactionKind.RECEIPT,
        value_date=data.value_date,
        description=f"Agreement {agreement.reference}: instalment {instalment.number} received",
        lines=lines,
        actor=actor,
        contributor_id=agreement.contributor_id,
        agreement_id=agreement.id,
        project_id=agreement.project_id,
    )
    instalment.received = instalment.received + data.amount
    agreement.received = agreement.received + data.amount
    agreement.receivable_usd_open = agreement.receivable_usd_open - relieved
    contribution = Contribution(
        kind=ContributionKind.CASH,
        contributor_id=agreement.contributor_id,
        agreement_id=agreement.id,
        instalment_id=instalment.id,
        fund_id=agreement.fund_id,
        currency=data.currency,
        amount=data.amount,
        rate=rate,
        usd_amount=cash_usd,
        value_date=data.value_date,
        revenue_category=agreement.revenue_category,
        description=data.description,
        recognised=True,
        transaction_id=txn.id,
    )
    db_session.add(contribution)
    db_session.flush()
    return contribution, difference


def _receivable_relieved(agreement: Agreement, amount: Decimal, signing_rate: Decimal) -> Decimal:
    """US dollars of receivable a receipt of ``amount`` clears: at the signing rate, and all
    that is still open when it completes the agreement (no cent left over)."""
    completes = agreement.received + amount == agreement.total
    return (
        agreement.receivable_usd_open
        if completes
        else min(to_usd(amount, signing_rate), agreement.receivable_usd_open)
    )


def _check_cash_fields(data: ContributionCreate) -> None:
    why = "for cash (cash is received against an agreement instalment)"
    _require(data.agreement_id, "agreement_id", why)
    _require(data.instalment_number, "instalment_number", why)
    for name in ("in_kind_type", "valuation_basis", "period_start", "period_end", "earmarking"):
        _forbid(getattr(data, name), name, "for cash")


def _signing_rate_if_receiving(agreement: Agreement, data: ContributionCreate) -> Decimal:
    """The agreement's signing rate, when it may receive ``data``: same contributor (if named),
    signed or active, same currency."""
    if data.contributor_id is not None and data.contributor_id != agreement.contributor_id:
        raise field_problem(
            422,
            "contributor_id",
            f"agreement {agreement.id} is with contributor {agreement.contributor_id}",
            rule="contributor-mismatch",
        )
    if agreement.status not in RECEIVING or agreement.signing_rate is None:
        raise conflict(
            f"agreement {agreement.id} is {agreement.status}; cash is received on a signed or "
            "active agreement",
            rule="agreement-not-receiving",
        )
    if data.currency != agreement.currency:
        raise field_problem(
            422,
            "currency",
            f"agreement {agreement.id} is in {agreement.currency}",
            rule="agreement-currency",
        )
    return agreement.signing_rate


def _instalment_due(agreement: Agreement, data: ContributionCreate) -> Instalment:
    """The instalment ``data`` pays, when it still owes at least ``data.amount``."""
    instalment = next(
        (i for i in agreement.instalments if i.number == data.instalment_number), None
    )
    if instalment is None:
        raise field_problem(
            422,
            "instalment_number",
            f"agreement {agreement.id} has no instalment {data.instalment_number}",
            rule="unknown-instalment",
        )
    outstanding = instalment.amount - instalment.received
    if data.amount > outstanding:
        raise field_problem(
            422,
            "amount",
            f"{data.amount} {data.currency} exceeds the {outstanding} {data.currency} still due "
            f"on instalment {instalment.number}",
            rule="instalment-overpayment",
            outstanding=str(outstanding),
        )
    return instalment


def _receipt_lines(
    db_session: Session,
    agreement: Agreement,
    data: ContributionCreate,
    *,
    rates: tuple[Decimal, Decimal],
    cash_usd: Decimal,
    relieved: Decimal,
) -> list[journal.Line]:
    """Cash in at the day's rate, the receivable relieved at the signing rate (``rates``: the
    two), and the difference (if any) to realised exchange differences."""
    rate, signing_rate = rates
    difference = cash_usd - relieved
    cash, receivable, fx = _accounts(
        db_session,
        agreement.fund_id,
        journal.CASH_UNALLOCATED,
        journal.RECEIVABLE,
        journal.EXCHANGE_DIFFERENCES,
    )
    cur = data.currency
    lines = [
        journal.Line(cash, Side.DEBIT, data.amount, cur, rate, cash_usd),
        journal.Line(receivable, Side.CREDIT, data.amount, cur, signing_rate, relieved),
    ]
    if difference:
        side = Side.CREDIT if difference > 0 else Side.DEBIT
        lines.append(journal.Line(fx, side, ZERO, cur, rate, abs(difference)))
    return lines


def _in_kind(db_session: Session, data: ContributionCreate, actor: str) -> Contribution:
    _check_in_kind(db_session, data)
    assert data.contributor_id is not None and data.in_kind_type is not None
    earmarking = data.earmarking or Earmarking(kind=FundKind.UNEARMARKED)
    fund = ledger.open_fund(db_session=db_session, earmarking=earmarking)
    db_session.flush()
    rate = usd_rate(
        db_session=db_session, currency=data.currency, on=data.value_date, field="currency"
    )
    usd = to_usd(data.amount, rate)
    recognised = data.in_kind_type in RECOGNISED_IN_KIND
    txn: journal.PostedTransaction | None = None
    if recognised:
        txn = _post_in_kind(db_session, data, fund.id, earmarking, actor, rate=rate, usd=usd)
    contribution = Contribution(
        kind=ContributionKind.IN_KIND,
        contributor_id=data.contributor_id,
        fund_id=fund.id,
        currency=data.currency,
        amount=data.amount,
        rate=rate,
        usd_amount=usd,
        value_date=data.value_date,
        revenue_category=category_for(earmarking.kind, data.revenue_category),
        in_kind_type=data.in_kind_type,
        description=data.description,
        valuation_basis=data.valuation_basis,
        period_start=data.period_start,
        period_end=data.period_end,
        recognised=recognised,
        transaction_id=txn.id if txn is not None else None,
    )
    db_session.add(contribution)
    db_session.flush()
    return contribution


def _check_in_kind(db_session: Session, data: ContributionCreate) -> None:
    """The fields an in-kind contribution needs and may not have; its contributor exists; a
    period (premises, facilities, services) is given in order."""
    why = "for an in-kind contribution"
    _require(data.contributor_id, "contributor_id", why)
    _require(data.in_kind_type, "in_kind_type", why)
    _require(data.valuation_basis, "valuation_basis", why + " (how the fair value was set)")
    _forbid(data.agreement_id, "agreement_id", why)
    _forbid(data.instalment_number, "instalment_number", why)
    assert data.contributor_id is not None and data.in_kind_type is not None
    require_contributor(db_session, data.contributor_id)
    if data.in_kind_type in (InKindType.PREMISES, InKindType.FACILITIES, InKindType.SERVICES):
        _require(data.period_start, "period_start", f"for {data.in_kind_type} (the period used)")
        _require(data.period_end, "period_end", f"for {data.in_kind_type} (the period used)")
    if data.period_start and data.period_end and data.period_end < data.period_start:
        raise field_problem(422, "period_end", "is before period_start", rule="period-order")


def _post_in_kind(
    db_session: Session,
    data: ContributionCreate,
    fund_id: int,
    earmarking: Earmarking,
    actor: str,
    *,
    rate: Decimal,
    usd: Decimal,
) -> journal.PostedTransaction:
    """Recognise an in-kind contribution: an expense and an equal revenue at its fair value."""
    expense, revenue = _accounts(
        db_session, fund_id, journal.IN_KIND_EXPENSE, journal.IN_KIND_REVENUE
    )
    return journal.post_transaction(
        db_session=db_session,
        kind=TransactionKind.IN_KIND,
        value_date=data.value_date,
        description=f"In-kind {data.in_kind_type}: {data.description or 'contribution'}",
        lines=[
            journal.Line(expense, Side.DEBIT, data.amount, data.currency, rate, usd),
            journal.Line(revenue, Side.CREDIT, data.amount, data.currency, rate, usd),
        ],
        actor=actor,
        contributor_id=data.contributor_id,
        project_id=earmarking.project_id,
    )


def get_contribution(*, db_session: Session, contribution_id: int) -> Contribution:
    found = db_session.get(Contribution, contribution_id)
    if found is None:
        raise not_found("contribution", contribution_id)
    return found


def list_contributions(
    *,
    db_session: Session,
    contributor_id: int | None,
    agreement_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Contribution], str | None]:
    stmt = select(Contribution)
    if contributor_id is not None:
        stmt = stmt.where(Contribution.contributor_id == contributor_id)
    if agreement_id is not None:
        stmt = stmt.where(Contribution.agreement_id == agreement_id)
    return paginate(db_session, stmt, keys=[SortKey(Contribution.id)], limit=limit, cursor=cursor)


def exchange_differences(
    *, db_session: Session, contributions: list[Contribution]
) -> dict[int, Decimal]:
    """Realised exchange difference (gain positive, USD) of each cash contribution: one query."""
    ids = [c.transaction_id for c in contributions if c.transaction_id is not None]
    if not ids:
        return {}
    signed = case(
        (JournalEntry.side == Side.CREDIT, JournalEntry.usd_amount), else_=-JournalEntry.usd_amount
    )
    rows = db_session.execute(
        select(JournalEntry.transaction_id, func.sum(signed))
        .join(Account, Account.id == JournalEntry.account_id)
        .where(JournalEntry.transaction_id.in_(ids), Account.code == journal.EXCHANGE_DIFFERENCES)
        .group_by(JournalEntry.transaction_id)
    ).all()
    return {int(txn_id): journal.q2(Decimal(total or 0)) for txn_id, total in rows}
