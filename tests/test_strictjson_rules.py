"""One rule set both ways: the reader refuses a document exactly when the writer
refuses the value the document came from."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inngest_codecs import EncodingError
from inngest_codecs.strictjson import dumps, loads

from .conftest import json_scalars, json_text

needs_int_limit = pytest.mark.skipif(
    not hasattr(sys, "set_int_max_str_digits"), reason="this Python has no int-to-text limit"
)


@contextmanager
def int_digit_limit(limit: int) -> Iterator[None]:
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(limit)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


def decimal_text(number: int) -> str:
    """Digits of any integer, whatever the interpreter's limit."""
    if not hasattr(sys, "set_int_max_str_digits"):
        return str(number)
    with int_digit_limit(0):
        return str(number)


# A document is drawn together with the Python value it was written from, by
# a lax writer that puts down whatever it is given: NaN and Infinity
# literals, numbers too large for a float, lone surrogates (escaped, or as raw
# bytes that are not UTF-8), integers past the digit limit.

Drawn = tuple[Any, str]
_PAIRED = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _is_lone(text: str) -> bool:
    # A high surrogate followed by a low one reads back as one character.
    return _PAIRED.search(text) is None


surrogate_text = st.text(
    st.characters(categories=["Cs"]) | st.sampled_from("aé\U0001f600"), min_size=1, max_size=4
).filter(lambda text: _is_lone(text) and not text.isascii())


@st.composite
def strings(draw: st.DrawFn) -> Drawn:
    text = draw(json_text | surrogate_text)
    ascii_only = draw(st.booleans())
    return text, json.dumps(text, ensure_ascii=ascii_only)


non_finite = st.sampled_from(
    [
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.inf, "1e400"),
        (-math.inf, "-1E999"),
        (math.inf, "1" + "0" * 400 + ".5"),
        (math.inf, "1.7976931348623159e308"),
    ]
)
# Built from small draws: Hypothesis itself cannot show integers this long.
long_integers = st.builds(
    lambda digits, lead, tail, sign: sign * (lead * 10 ** (digits - 1) + tail),
    st.integers(min_value=4290, max_value=4310),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from([1, -1]),
)
numbers = (
    long_integers.map(lambda number: (number, decimal_text(number)))
    | non_finite
    | json_scalars.filter(lambda v: not isinstance(v, str)).map(lambda v: (v, json.dumps(v)))
)


def _array(items: list[Drawn]) -> Drawn:
    return [v for v, _ in items], "[" + ",".join(t for _, t in items) + "]"


def _object(pairs: list[tuple[Drawn, Drawn]]) -> Drawn:
    value = {k: v for (k, _), (v, _) in pairs}
    text = "{" + ",".join(f"{kt}:{vt}" for (_, kt), (_, vt) in pairs) + "}"
    return value, text


documents = st.recursive(
    strings() | numbers,
    lambda children: (
        st.lists(children, max_size=4).map(_array)
        | st.lists(st.tuples(strings(), children), max_size=4, unique_by=lambda p: p[0][0]).map(
            _object
        )
    ),
    max_leaves=12,
)

REFUSED = object()


def outcome(operation: Any, argument: Any) -> Any:
    try:
        return operation(argument)
    except EncodingError:
        return REFUSED


@pytest.mark.slow
@given(documents)
def test_the_reader_refuses_exactly_what_the_writer_refuses(drawn: Drawn) -> None:
    value, text = drawn
    written = outcome(dumps, value)
    read = outcome(loads, text.encode("utf-8", "surrogatepass"))
    assert (read is REFUSED) == (written is REFUSED)
    if read is not REFUSED:
        assert read == value
        assert loads(written) == value


@given(st.binary(max_size=64) | st.sampled_from([b"[1e400]", b'"\\udfff"', b'{"a":NaN}']))
def test_whatever_the_reader_returns_the_writer_writes(data: bytes) -> None:
    read = outcome(loads, data)
    if read is not REFUSED:
        assert loads(dumps(read)) == read


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (b'{"a":[1,1e400]}', "non-finite float at $[<key 0>][1]"),
        (b'{"name":"x\\ud800"}', "str with a lone surrogate (not valid Unicode) at $[<key 0>]"),
        (b'{"ok":1,"\\udc00":2}', "lone surrogate (not valid Unicode) at $[<key 1>] (the dict"),
        (b"[NaN]", "a NaN or Infinity literal"),
        (b"9" * 5000, "an integer of more than 4300 digits"),
        (b"[1 2]", "not valid JSON: Expecting ',' delimiter at line 1, column 4"),
        (b'"\\q"', "not valid JSON: Invalid \\escape at line 1, column 2"),
        (b'"\xed\xa0\x80"', "not valid UTF-8 (byte 1)"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_reader_errors_name_the_real_problem(document: bytes, problem: str) -> None:
    with pytest.raises(EncodingError) as caught:
        loads(document)
    assert problem in str(caught.value)


def test_positions_never_show_a_key() -> None:
    key = "alice.smith@example.com"
    with pytest.raises(EncodingError) as written:
        dumps({key: {"since": math.nan}})
    with pytest.raises(EncodingError) as read:
        loads(json.dumps({key: {"since": 1}}).replace("1}", "1e999}").encode())
    for caught in (written, read):
        assert "$[<key 0>][<key 0>]" in str(caught.value)
        assert "alice" not in str(caught.value) and "since" not in str(caught.value)


@needs_int_limit
def test_a_lowered_int_digit_limit_applies_both_ways() -> None:
    number = 10**1500
    document = decimal_text(number).encode()
    assert loads(document) == number
    with int_digit_limit(1000):
        with pytest.raises(EncodingError, match="int of more than 1000 digits at"):
            dumps([number])
        with pytest.raises(EncodingError, match="integer of more than 1000 digits"):
            loads(document)


@needs_int_limit
def test_a_raised_int_digit_limit_applies_both_ways() -> None:
    number = -(10**5000)
    with int_digit_limit(6000):
        assert loads(dumps({"n": number})) == {"n": number}


@pytest.mark.parametrize(
    "value",
    [
        [None, 1e308, -1.7976931348623157e308, 5e303],
        {"rows": [{"id": -i, "ref": None, "score": -i / 7} for i in range(2000)]},
        [None, "\x7f\U0001f600", -185, -1, 2**63 - 1, -(2**63)],
    ],
    ids=["huge-floats", "negative-numbers-and-nulls", "bytes-like-a-non-finite-float"],
)
def test_finite_values_beside_nulls_are_written_exactly(value: object) -> None:
    # The non-finite check must never refuse, or change, a finite value.
    assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert loads(dumps(value)) == value


def test_a_non_finite_float_deep_in_a_large_value_with_nulls_is_found() -> None:
    rows: list[Any] = [{"id": i, "note": None, "score": i / 3} for i in range(500)]
    rows[417]["score"] = -math.inf
    with pytest.raises(EncodingError, match=r"non-finite float at \$\[417\]\[<key 2>\]"):
        dumps(rows)
