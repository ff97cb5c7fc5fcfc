"""Event data: the fields of an Inngest event's ``data`` that travel encrypted.

Inngest routes on plain fields (names, ids, concurrency keys), so only chosen
fields are encrypted. A whole ``data`` that is itself one envelope (the
TypeScript package writes those) opens into an object merged over the plain
fields beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import envelope
from ..encryptor import DEFAULT_EVENT_FIELD, Encryptor
from ..errors import EncodingError
from ..place import Place

OpenValue = Callable[[Any, "str | None"], Any]
"""Opens one envelope found under a field name (None: the whole data)."""


def seal_fields(
    encryptor: Encryptor,
    data: Mapping[str, Any],
    fields: str | Sequence[str] = DEFAULT_EVENT_FIELD,
    *,
    compress: bool = True,
    place: Callable[[str], Place | None] | None = None,
) -> dict[str, Any]:
    """``data`` with ``data[field]`` (or each of several fields) encrypted; others stay plain.

    A field that already holds an envelope these keys open is left as it is.
    A value that only looks like one (``"__ENCRYPTED__": true`` beside other
    data, or ciphertext no configured key opens) is encrypted like any other.
    ``compress=False`` keeps these fields uncompressed whatever the setting.
    ``place(name)`` gives the place each field is bound to.
    """
    names = (fields,) if isinstance(fields, str) else fields
    sealed = dict(data)
    for name in names:
        if name in sealed and not encryptor.opens(sealed[name]):
            where = None if place is None else place(name)
            sealed[name] = encryptor.encrypt(sealed[name], compress=compress, place=where)
    return sealed


def open_data(data: Mapping[str, Any], open_value: OpenValue) -> dict[str, Any]:
    """``data`` with every field holding an envelope opened by ``open_value``.

    When ``data`` is itself one envelope, its plaintext (an object) is merged
    over the plain fields beside the envelope's own; ``open_value`` returning
    the envelope itself (a failure policy that keeps values) keeps it whole.
    """
    if envelope.is_envelope(data):
        opened = open_value(data, None)
        if opened is data:
            return dict(data)
        if not isinstance(opened, dict):
            raise EncodingError(
                f"encrypted event data opened to {type(opened).__name__}, not an object"
            )
        plain = {k: v for k, v in data.items() if k not in envelope.FIELDS}
        return {**plain, **opened}
    return {k: open_value(v, k) if envelope.is_envelope(v) else v for k, v in data.items()}


def open_fields(encryptor: Encryptor, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every envelope in it opened by ``encryptor`` (see `open_data`)."""
    return open_data(data, lambda value, _name: encryptor.decrypt(value))
