"""Keyset cursors: opaque, typed, and refused when forged."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, String

from shared.pagination import SortKey, decode_cursor, decode_cursor_for, encode_cursor
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


@pytest.mark.parametrize(
    "tagged",
    [
        [["s", "abc"]],  # a string where the key is an integer
        [["i", "abc"]],  # a tag that lies about its value
        [["i", 2**70]],  # beyond BIGINT
        [["j", True]],  # a boolean is no sort value
        [["j", None]],  # sort keys are never null
        [["d", "NaN"]],
        [["d", "abc"]],
        [["i", {"a": 1}]],
        [["t", "2026-01-01T00:00:00"]],  # a naive time for an integer key
        [[1, 2, 3]],
    ],
)
def test_a_crafted_cursor_of_the_wrong_type_is_422(tagged: list[object]) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(tagged).encode()).decode().rstrip("=")
    with pytest.raises(ProblemError) as error:
        decode_cursor_for(cursor, [SortKey(Column("id", Integer))])
    assert error.value.status == 422
    assert error.value.errors is not None and error.value.errors[0].field == "cursor"


def test_a_string_cursor_value_with_a_nul_byte_is_422() -> None:
    with pytest.raises(ProblemError):
        decode_cursor_for(encode_cursor(["a\x00b"]), [SortKey(Column("name", String))])
