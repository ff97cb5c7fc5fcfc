"""End-to-end encryption for Inngest workflows, as a pluggable codec framework."""

from __future__ import annotations

from .codec import Codec
from .encryptor import Encryptor
from .errors import (
    CodecError,
    DecryptionError,
    EncodingError,
    KeyConfigError,
    UnknownCodecError,
)
from .keys import Key, KeySet
from .registry import CodecInfo, available_codecs, load_codec

__all__ = [
    "Codec",
    "CodecError",
    "CodecInfo",
    "DecryptionError",
    "EncodingError",
    "Encryptor",
    "Key",
    "KeyConfigError",
    "KeySet",
    "UnknownCodecError",
    "available_codecs",
    "load_codec",
]
__version__ = "0.1.0"
