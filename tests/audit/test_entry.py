"""The canonical entry bytes are RFC 8785 bytes, whichever encoder produced them."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit.entry import FIELDS, LATER, canonical

texts = st.text(alphabet=st.characters(codec="utf-8")) | st.text()  # controls, non-ASCII, emoji
values = st.one_of(
    st.none(),
    st.booleans(),
    texts,
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.integers(),  # beyond 2**53: rfc8785 decides
    st.lists(texts, max_size=4),
    st.floats(allow_nan=False, allow_infinity=False),  # never in entries; rfc8785 decides
)
entries = st.fixed_dictionaries({k: values for k in FIELDS})


def _reference(entry: dict[str, Any]) -> bytes:
    obj = {k: entry.get(k) for k in FIELDS if k not in LATER or entry.get(k) not in (None, [])}
    return rfc8785.dumps(obj)


@settings(max_examples=2000)
@given(entries)
def test_canonical_is_rfc8785(entry: dict[str, Any]) -> None:
    try:
        expected = _reference(entry)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical(entry)
        return
    assert canonical(entry) == expected


@pytest.mark.parametrize(
    "text",
    ["", "\x00\x1f\x7f", '"\\/', "\b\t\n\f\r", "é€😀", "\u2028\u2029", "\ud800"],
)
def test_awkward_strings(text: str) -> None:
    entry = {k: None for k in FIELDS} | {"purpose": text, "fields": [text, "x"]}
    try:
        expected = _reference(entry)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical(entry)
        return
    assert canonical(entry) == expected
