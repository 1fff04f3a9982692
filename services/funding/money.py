"""Currency minor units (issue 12, point 6). No FastAPI here.

Each currency's number of decimals is its ISO 4217 minor unit, read from the ``iso4217``
package (the ISO 4217 maintenance agency's published table, shipped as data and released with
each amendment) rather than a hand list: JPY 0, USD 2, KWD 3. An amount with more decimals
than its currency has is refused (422 naming the field, ``currency-minor-units``); a currency
the current table gives no minor unit (funds and metals such as XAU, XDR, or codes withdrawn
since) takes no money at all. Original amounts are stored with up to three decimals; US-dollar
equivalents stay at two (:func:`journal.q2`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from iso4217 import Currency

from shared.problems import FieldError, ProblemError

# Stored scale of original-currency amounts: the largest ISO 4217 minor unit in use.
STORED_DECIMALS = 3


@cache
def minor_units(currency: str) -> int | None:
    """The ISO 4217 minor unit of ``currency`` (decimals), or None when it has none."""
    try:
        exponent = Currency(currency).exponent
    except ValueError:
        return None
    return exponent


def in_currency(amount: Decimal, currency: str) -> Decimal:
    """``amount`` written with exactly its currency's decimals (two when it has none): how
    every answer shows an original amount, whatever scale the database returned."""
    units = minor_units(currency)
    return amount.quantize(Decimal(1).scaleb(-(2 if units is None else units)))


def _decimals(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def check_minor_units(
    currency: str, amounts: Iterable[tuple[str, Decimal]], *, currency_field: str = "currency"
) -> None:
    """422 ``currency-minor-units`` naming every field in ``amounts`` (field, amount) with more
    decimals than ``currency`` allows, or ``currency_field`` when it has no minor unit."""
    units = minor_units(currency)
    if units is None:
        message = (
            f"{currency} has no ISO 4217 minor unit (a fund, metal or withdrawn code); "
            "record money in a national currency"
        )
        errors = [FieldError(field=currency_field, rule="currency-minor-units", message=message)]
    else:
        errors = [
            FieldError(
                field=field,
                pointer="/" + field.replace(".", "/"),
                rule="currency-minor-units",
                message=f"{amount} has {_decimals(amount)} decimals; {currency} has "
                f"{units} (ISO 4217)",
            )
            for field, amount in amounts
            if _decimals(amount) > units
        ]
    if errors:
        raise ProblemError(
            422,
            "; ".join(f"{e.field}: {e.message}" for e in errors[:5]),
            title="More decimals than the currency has",
            type_="currency-minor-units",
            errors=errors,
        )
