"""The client turns exactly the suite's decimal strings into Decimal."""

from __future__ import annotations

from decimal import Decimal

from sdgc._core import decode_decimals
from sdgc._decimals import DECIMAL_FIELDS
from tests.sdgc.model_fields import answer_fields


def test_every_decimal_field_of_the_response_models_is_decoded_and_none_is_a_plain_string() -> None:
    fields = answer_fields()
    decimals = {name for name, kinds in fields.items() if "decimal" in kinds}
    assert decimals, "the models hold decimal fields"
    assert sorted(decimals - DECIMAL_FIELDS) == []
    clashing = sorted(name for name in DECIMAL_FIELDS if "string" in fields.get(name, set()))
    # the annual report's sections list their source services under ``sources`` ("funding"):
    # never a number, so never decoded (only strings that read as decimal numbers are)
    assert clashing == ["sources"], "a decimal field's name is a plain string field elsewhere"


def test_decimal_strings_become_decimal_and_other_strings_stay() -> None:
    answer = {
        "amount": "12.30",
        "currency": "USD",
        "sdg_targets": ["17.18"],
        "funds": [{"sources": {"contributions": "5.00"}, "name": "1.5"}],
        "section": {"sources": ["funding", "projects"], "uses": "-3.10"},
        "total": 3,
    }
    decoded = decode_decimals(answer)
    assert decoded["amount"] == Decimal("12.30") and isinstance(decoded["amount"], Decimal)
    assert decoded["sdg_targets"] == ["17.18"]
    assert decoded["funds"][0]["sources"]["contributions"] == Decimal("5.00")
    assert decoded["funds"][0]["name"] == "1.5"
    assert decoded["total"] == 3
    assert decoded["section"] == {"sources": ["funding", "projects"], "uses": Decimal("-3.10")}
