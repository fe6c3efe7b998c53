"""The PostgreSQL adapter reads JSON columns with msgspec: the values must be json.loads's."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from adapters.postgres.engine import load_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_what_it_reads_is_what_json_loads_reads(value: object) -> None:
    text = json.dumps(value)

    assert load_json(text) == json.loads(text)
    assert load_json(text.encode()) == json.loads(text)


@given(st.sampled_from(["1e400", "-1e400", "[1, 2e999]", "0." + "0" * 400 + "1"]))
def test_numbers_beyond_a_float_are_read_as_json_loads_reads_them(text: str) -> None:
    assert load_json(text) == json.loads(text)
