"""End-to-end encryption for Inngest workflows, as a pluggable codec framework."""

from __future__ import annotations

from .codec import Codec
from .encryptor import Encryptor
from .errors import (
    CodecError,
    DecryptionError,
    EncodingError,
    KeyConfigError,
    MisplacedValueError,
    UnknownCodecError,
)
from .keys import Key, KeySet
from .place import Place
from .registry import CodecInfo, available_codecs, load_codec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .middleware import EncryptionMiddleware


def __getattr__(name: str) -> object:
    # The middleware imports the inngest SDK; load it only when asked for, so
    # the Encryptor stays usable (and cheap to import) without Inngest.
    if name == "EncryptionMiddleware":
        from .middleware import EncryptionMiddleware

        return EncryptionMiddleware
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Codec",
    "CodecError",
    "CodecInfo",
    "DecryptionError",
    "EncodingError",
    "EncryptionMiddleware",
    "Encryptor",
    "Key",
    "KeyConfigError",
    "KeySet",
    "MisplacedValueError",
    "Place",
    "UnknownCodecError",
    "available_codecs",
    "load_codec",
]
__version__ = "0.1.0"
