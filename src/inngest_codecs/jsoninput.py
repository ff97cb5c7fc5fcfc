"""Untrusted JSON text in: the strict reader, with a message that names the real problem.

[`strictjson.loads`][] decides what is
accepted, so a document is refused exactly when the rest of the package would
refuse it. When it refuses, the text is examined again to say why, and where:
not UTF-8, a syntax error at a line and column (with a hint when the text is
JSON lines), a number out of range, nesting too deep. Nothing of the content is
ever quoted.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from . import strictjson
from .errors import EncodingError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"constant {name}")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def read_json(data: bytes, where: str = "the input", *, one_line: bool = False) -> Any:
    """The JSON value in ``data``, or [`EncodingError`][] saying why ``where`` is refused.

    ``one_line``: ``data`` is one line of JSON lines (``where`` names the line), so a
    place in it is given as a column alone."""
    try:
        return strictjson.loads(data)
    except EncodingError as refusal:
        raise EncodingError(f"{where} {explain(data, refusal, one_line=one_line)}") from None


def explain(data: bytes, refusal: EncodingError | None = None, *, one_line: bool = False) -> str:
    """Why ``data`` is not acceptable JSON, as the end of a sentence naming it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"is not UTF-8 text (invalid byte at offset {error.start})"
    if not text.strip():
        return "is empty"
    try:
        _decoder.decode(text)
    except json.JSONDecodeError as error:
        place = f"line {error.lineno}, column {error.colno}"
        place = f"column {error.colno}" if one_line else place
        if error.msg == "Extra data" and looks_like_json_lines(text):
            return f"is not one JSON document ({place}): it looks like JSON lines; add --lines"
        detail = error.msg[0].lower() + error.msg[1:]
        if detail.endswith(" at"):  # "unterminated string starting at": the place ends it
            return f"is not valid JSON: {detail} {place}"
        return f"is not valid JSON ({place}: {detail})"
    except RecursionError:
        return "is nested too deeply to read"
    except ValueError as error:
        message = str(error)
        if message.startswith("constant "):
            return "holds NaN or Infinity, which JSON does not allow"
        if "integer string conversion" in message:  # Python's limit on integer digits
            limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
            return f"holds an integer of more than {limit} digits"
        return "is not valid JSON"
    if refusal is not None:
        return f"cannot be read faithfully: {refusal}"
    return "cannot be read faithfully"


def looks_like_json_lines(text: str) -> bool:
    """Whether every non-blank line of ``text`` (at least two) is a JSON value of its own."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    for line in lines[:50]:
        try:
            _decoder.decode(line)
        except (ValueError, RecursionError):
            return False
    return True
