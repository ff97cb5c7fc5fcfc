"""Error messages and stack traces carried encrypted, inside the text fields errors have.

Inngest stores an error as ``{"name", "message", "stack"}``, all strings. A
sealed error keeps its ``name`` readable; its ``message`` becomes a fixed,
human-readable prefix followed by the compact JSON of an envelope holding
``{"message": ..., "stack": ...}``; its ``stack`` becomes a placeholder. The
prefix tells whoever reads the dashboard what this is and how to open it;
[`inngest_codecs.for_inngest.documents`][] (the CLI, the codec server) and the middleware
open it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import envelope, strictjson
from ..errors import EncodingError

PREFIX = "[encrypted by inngest-codecs; read it with `inngest-codecs decrypt` or the codec server] "
STACK_PLACEHOLDER = "(encrypted with the message)"


def seal(
    encrypt: Callable[[object], dict[str, Any]], message: str, stack: str | None
) -> tuple[str, str]:
    """``(message, stack)`` as they travel: the prefix and envelope, and the placeholder."""
    sealed = encrypt({"message": message, "stack": stack})
    return PREFIX + strictjson.dumps(sealed).decode("utf-8"), STACK_PLACEHOLDER


def is_sealed(message: object) -> bool:
    return isinstance(message, str) and message.startswith(PREFIX)


def sealed_envelope(message: str) -> dict[str, Any]:
    """The envelope inside a sealed message, or [`EncodingError`][]."""
    try:
        found = strictjson.loads(message[len(PREFIX) :].encode("utf-8"))
    except (EncodingError, UnicodeEncodeError):
        found = None
    if not envelope.is_envelope(found):
        raise EncodingError("a sealed error message does not hold an envelope")
    return found  # type: ignore[return-value]


def open_sealed(
    decrypt: Callable[[dict[str, Any]], object], message: str
) -> tuple[str, str | None]:
    """The original ``(message, stack)`` of a sealed message."""
    opened = decrypt(sealed_envelope(message))
    if not (
        isinstance(opened, dict)
        and isinstance(opened.get("message"), str)
        and isinstance(opened.get("stack"), (str, type(None)))
    ):
        raise EncodingError("a sealed error message opened to something other than an error")
    return opened["message"], opened["stack"]
