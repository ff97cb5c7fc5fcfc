"""End-to-end encryption for Inngest workflows, as a pluggable codec framework."""

from __future__ import annotations

from .codec import Codec
from .encryptor import Encryptor
from .errors import (
    CodecConflictError,
    CodecError,
    CodecServerError,
    ConfigError,
    DecompressionError,
    DecryptionError,
    EncodingError,
    EncryptionError,
    InngestAPIError,
    InngestAuthError,
    InngestNotFoundError,
    InngestUnavailableError,
    InputError,
    KeyConfigError,
    KeyRevokedError,
    MisplacedValueError,
    OffloadError,
    PayloadTooLargeError,
    PlaintextRefusedError,
    PluginWarning,
    RequestRefusedError,
    StoredObjectAlteredError,
    StoredObjectMissingError,
    StoreError,
    TenantRevokedError,
    UnknownCodecError,
    UnknownCompressionError,
    UnknownPluginError,
    UnknownStoreError,
    UnknownTenantError,
    UnsupportedSDKError,
)
from .keys import Key, KeySet
from .place import Place
from .registry import (
    CodecInfo,
    available_codecs,
    available_stores,
    load_codec,
    open_store,
    register_codec,
    unregister_codec,
)
from .tenants import TenantRouter

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
    "CodecConflictError",
    "CodecError",
    "CodecInfo",
    "CodecServerError",
    "ConfigError",
    "DecompressionError",
    "DecryptionError",
    "EncodingError",
    "EncryptionError",
    "EncryptionMiddleware",
    "Encryptor",
    "InngestAPIError",
    "InngestAuthError",
    "InngestNotFoundError",
    "InngestUnavailableError",
    "InputError",
    "Key",
    "KeyConfigError",
    "KeyRevokedError",
    "KeySet",
    "MisplacedValueError",
    "OffloadError",
    "PayloadTooLargeError",
    "Place",
    "PlaintextRefusedError",
    "PluginWarning",
    "RequestRefusedError",
    "StoreError",
    "StoredObjectAlteredError",
    "StoredObjectMissingError",
    "TenantRevokedError",
    "TenantRouter",
    "UnknownCodecError",
    "UnknownCompressionError",
    "UnknownPluginError",
    "UnknownStoreError",
    "UnknownTenantError",
    "UnsupportedSDKError",
    "available_codecs",
    "available_stores",
    "load_codec",
    "open_store",
    "register_codec",
    "unregister_codec",
]
__version__ = "0.1.0"
