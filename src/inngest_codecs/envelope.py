"""The envelope: the one JSON shape every encrypted value travels in.

    {"__ENCRYPTED__": true, "__STRATEGY__": "<codec strategy>", "data": "<base64>"}

``data`` is standard base64 (with padding) of the codec's bytes. An envelope
without ``__STRATEGY__`` is the TypeScript package's first format ("v0"); it is
reported with the strategy [`NO_STRATEGY`][]. Values written under per-tenant
keys also carry ``"__KEY__": "<key id>"`` (see `inngest_codecs.tenants`); other
readers ignore it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from pybase64 import b64decode, b64encode_as_string

from .errors import EncodingError

MARKER = "__ENCRYPTED__"
STRATEGY = "__STRATEGY__"
DATA = "data"
KEY_ID = "__KEY__"
"""Optional: the id of the key that wrote the value, a hint for finding the key among many.

Nothing authenticates it, so nothing is decided by it: which key opens a value
decides whether it opens, and whether that key is revoked."""
FIELDS = (MARKER, STRATEGY, DATA, KEY_ID)
NO_STRATEGY = ""
"""The strategy of a v0 envelope, which carries none. Codecs list it in ``opens``."""
_NOT_BASE64 = "malformed envelope: data is not standard base64"
# pybase64's b64decode(data, altchars, validate) is called with positional arguments:
# parsing keywords doubles the cost of decoding a small value (0.33 us against 0.16 us).


def is_envelope(value: object) -> bool:
    """Whether ``value`` claims to be an envelope (its marker is ``true``)."""
    return isinstance(value, dict) and value.get(MARKER) is True


def build(strategy: str, blob: bytes) -> dict[str, Any]:
    """The envelope for a codec's output. A v0 strategy writes no ``__STRATEGY__``."""
    data = b64encode_as_string(blob)
    if strategy == NO_STRATEGY:
        return {MARKER: True, DATA: data}
    return {MARKER: True, STRATEGY: strategy, DATA: data}


def size(strategy: str, data_length: int) -> int:
    """Bytes of the compact JSON of an envelope whose ``data`` has ``data_length`` characters."""
    return _FRAME + _label_size(strategy) + data_length


@functools.lru_cache(maxsize=64)
def _label_size(strategy: str) -> int:
    return len(json.dumps(strategy, ensure_ascii=False).encode("utf-8"))


def base64_length(blob_length: int) -> int:
    """Characters of the padded base64 of ``blob_length`` bytes."""
    return 4 * ((blob_length + 2) // 3)


_FRAME = len(f'{{"{MARKER}":true,"{STRATEGY}":,"{DATA}":""}}')


def parse(envelope: Mapping[str, Any]) -> tuple[str, bytes]:
    """``(strategy, codec bytes)`` of a well-formed envelope, else [`EncodingError`][]."""
    strategy = envelope.get(STRATEGY, NO_STRATEGY)
    if not isinstance(strategy, str):
        raise EncodingError(f"malformed envelope: {STRATEGY} is {type(strategy).__name__}")
    data = envelope.get(DATA)
    if not isinstance(data, str):
        raise EncodingError(f"malformed envelope: {DATA} is {type(data).__name__}, not str")
    try:
        return strategy, b64decode(data, None, True)  # validate=True
    except ValueError:  # binascii.Error is a ValueError
        raise EncodingError(_NOT_BASE64) from None


def key_hint(envelope: Mapping[str, Any]) -> str | None:
    """The key id an envelope names (``__KEY__``), or None; a hint of the wrong type is
    a malformed envelope ([`EncodingError`][])."""
    hint = envelope.get(KEY_ID)
    if hint is None:
        return None
    if not isinstance(hint, str) or not 0 < len(hint) <= 512:
        raise EncodingError(f"malformed envelope: {KEY_ID} is not a key id")
    return hint


def decode_base64(data: str) -> bytes:
    """Standard base64 with padding; anything else is [`EncodingError`][].

    As strict as ``binascii.a2b_base64(data, strict_mode=True)``: only the 64
    letters, padding where it belongs, no whitespace.
    """
    try:
        return b64decode(data, None, True)  # validate=True
    except ValueError:  # binascii.Error is a ValueError
        raise EncodingError(_NOT_BASE64) from None
