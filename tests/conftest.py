from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from inngest_codecs import available_codecs

BUILTIN_CODECS = ("secretbox", "aes-gcm")

# JSON values that survive a round trip unchanged: finite floats, any Unicode
# text that is valid UTF-8 (no lone surrogates), integers of any size.
json_text = st.text(st.characters(exclude_categories=["Cs"]))
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children) | st.dictionaries(json_text, children),
    max_leaves=40,
)


@pytest.fixture(params=sorted(available_codecs()))
def codec_name(request: pytest.FixtureRequest) -> str:
    """Every installed codec, built-in and plugin alike."""
    return str(request.param)


@pytest.fixture(
    params=sorted(n for n, i in available_codecs().items() if i.codec_class.authenticated)
)
def authenticated_codec(request: pytest.FixtureRequest) -> str:
    """Every installed codec that detects altered data."""
    return str(request.param)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from .reliability.figures import FIGURES

    if FIGURES:
        terminalreporter.section("reliability figures")
        for name, amount in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {amount}")
