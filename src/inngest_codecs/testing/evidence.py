"""What the codec contract kit looks at: altered bytes, and the forms a leaked key or
plaintext would take in a message."""

from __future__ import annotations

import base64
import importlib.metadata

from ..keycheck import made_for


def flip(data: bytes, bit: int) -> bytes:
    altered = bytearray(data)
    altered[bit // 8] ^= 1 << (bit % 8)
    return bytes(altered)


def key_texts(key: str | bytes) -> list[str]:
    """The forms in which a key would show if a message leaked it."""
    material = key.encode("utf-8") if isinstance(key, str) else key
    forms = [material.hex(), base64.b64encode(material).decode(), repr(material)[2:-1]]
    if isinstance(key, str):
        # A generated key's "<codec name>:" is public; its random part is what must not show.
        secret = key.partition(":")[2] if made_for(key) else key
        forms += [key, secret[:12], secret[-12:]]
    return [form for form in forms if len(form) >= 8]


def error_texts(error: BaseException) -> list[str]:
    """``str`` and ``repr`` of an error and of every error chained to it."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return texts


def loads(entry_point: importlib.metadata.EntryPoint) -> object:
    """What an entry point holds, or ``None`` when it fails to load."""
    try:
        return entry_point.load()
    except Exception:
        return None
