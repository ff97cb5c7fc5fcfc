"""Where a value belongs: labelled identifiers, turned into associated data byte for byte.

A codec that carries associated data (``binds_associated_data``) authenticates
a value's place with it, and refuses the value opened in any other place. The
core gives places no meaning: a place is an ordered list of ``(label,
identifier)`` pairs chosen by whoever encrypts (the Inngest middleware uses
``function``, ``step``, ``event``, ``field`` and ``tenant``). Identifiers name
where a value sits, never what it holds.

```text
place = 0x01                                   # place format version
        || count (1 byte)
        || for each part, in order:
           len(label) (1 byte) || label (ASCII)
           || len(identifier) (2 bytes, big-endian) || identifier (UTF-8)
```
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from .errors import EncodingError

VERSION = 1
_LABEL = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")
_MAX_PARTS = 255
_MAX_IDENTIFIER = 0xFFFF


_LABELS: dict[str, bytes] = {}
"""Labels seen, with their encoding: a run builds a place per memo, with few labels."""


def _label(label: object) -> bytes:
    if not isinstance(label, str) or _LABEL.match(label) is None:
        raise EncodingError(f"a place label must match {_LABEL.pattern}")
    encoded = bytes((len(label),)) + label.encode("ascii")
    if len(_LABELS) < 64:
        _LABELS[label] = encoded
    return encoded


class Place:
    """A value's place: ``Place(("function", "app-charge"), ("step", "<hashed id>"))``."""

    __slots__ = ("associated_data", "parts")

    def __init__(self, *parts: tuple[str, str]) -> None:
        if not 0 < len(parts) <= _MAX_PARTS:
            raise EncodingError(f"a place has 1 to {_MAX_PARTS} parts, not {len(parts)}")
        encoded = [bytes((VERSION, len(parts)))]
        for label, identifier in parts:
            if not isinstance(identifier, str):
                raise EncodingError(f"the {label} of a place is {type(identifier).__name__}")
            raw = identifier.encode("utf-8", "surrogatepass")
            if len(raw) > _MAX_IDENTIFIER:
                raise EncodingError(f"the {label} of a place is longer than {_MAX_IDENTIFIER}")
            known = _LABELS.get(label) if isinstance(label, str) else None
            encoded += (known or _label(label), len(raw).to_bytes(2, "big"), raw)
        self.parts: tuple[tuple[str, str], ...] = parts
        self.associated_data = b"".join(encoded)
        """The place as the bytes a codec authenticates."""

    @classmethod
    def from_bytes(cls, data: bytes) -> Place | None:
        """The place ``data`` encodes, or ``None`` when it is not one."""
        if len(data) < 2 or data[0] != VERSION:
            return None
        parts: list[tuple[str, str]] = []
        at = 2
        try:
            for _ in range(data[1]):
                size = data[at]
                label = data[at + 1 : at + 1 + size].decode("ascii")
                at += 1 + size
                size = int.from_bytes(data[at : at + 2], "big")
                identifier = data[at + 2 : at + 2 + size]
                if len(identifier) != size:
                    return None
                parts.append((label, identifier.decode("utf-8", "surrogatepass")))
                at += 2 + size
            place = cls(*parts)
        except (IndexError, UnicodeDecodeError, EncodingError):
            return None
        return place if at == len(data) else None

    def with_parts(self, parts: Iterable[tuple[str, str]]) -> Place:
        """This place with ``parts`` added at the end."""
        return Place(*self.parts, *parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Place) and other.associated_data == self.associated_data

    def __hash__(self) -> int:
        return hash(self.associated_data)

    def __str__(self) -> str:
        return " ".join(f"{label} {identifier!r}" for label, identifier in self.parts)

    def __repr__(self) -> str:
        return f"<Place {self}>"


def describe(associated_data: bytes) -> str:
    """A place's identifiers for a message, or a digest of data that is not a place."""
    place = Place.from_bytes(associated_data)
    if place is not None:
        return str(place)
    return f"associated data {hashlib.sha256(associated_data).hexdigest()[:16]}"
