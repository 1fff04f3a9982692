"""Keyset cursors: opaque, typed, and refused when forged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.pagination import decode_cursor, encode_cursor
from shared.problems import ProblemError

values = st.one_of(
    st.integers(),
    st.text(max_size=30),
    st.none(),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
)


@given(st.lists(values, min_size=1, max_size=4))
def test_cursor_round_trips_every_sort_value_type(keys: list[object]) -> None:
    assert decode_cursor(encode_cursor(keys), len(keys)) == keys


def test_decimal_survives_exactly() -> None:
    assert decode_cursor(encode_cursor([Decimal("0.10")]), 1) == [Decimal("0.10")]


@pytest.mark.parametrize("cursor", ["", "@@@", encode_cursor([1, 2])])
def test_forged_or_wrong_width_cursor_is_422(cursor: str) -> None:
    with pytest.raises(ProblemError) as error:
        decode_cursor(cursor, 1)
    assert error.value.status == 422
    assert error.value.errors is not None and error.value.errors[0].field == "cursor"
