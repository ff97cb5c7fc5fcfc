"""The exception hierarchy.

Every message is written for the person operating the service: it names
strategies, codec names, key ids, types and positions, and never contains a
key, a plaintext or a ciphertext.
"""

from __future__ import annotations

from collections.abc import Sequence


class CodecError(Exception):
    """Root of every error this package raises on purpose.

    ``permanent`` says whether trying again can help: ``False`` when a retry, a
    configuration change or a service coming back may cure it, ``True`` when no
    retry can (the middleware ends the run at once then).
    """

    permanent: bool = False


class ConfigError(CodecError, ValueError):
    """A setting is missing, misspelled, or has a value it does not take."""

    permanent = True


class KeyConfigError(ConfigError):
    """A key is missing, empty, of the wrong kind, or of a form its codec cannot use."""


class UnknownPluginError(ConfigError, LookupError):
    """No installed plugin answers to a name: a codec, a strategy, a compression or a store.

    Installing the distribution that provides it may cure it, so it is not permanent.
    ``installed`` lists what is installed of that kind.
    """

    permanent = False

    def __init__(self, message: str, *, installed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.installed = tuple(installed)


class UnknownCodecError(UnknownPluginError):
    """No installed codec answers to a name or an envelope strategy."""


class CodecConflictError(UnknownCodecError):
    """Two codecs (installed or registered) claim one name or strategy; neither is used."""


class UnknownCompressionError(UnknownPluginError):
    """No supported compression answers to a name (or a strategy's suffix)."""


class PluginWarning(UserWarning):
    """An installed codec or store plugin could not be used; the others still are."""


class UnknownTenantError(CodecError):
    """A value names a tenant that has no key here; nothing is written under another key.

    Provisioning the tenant's key (or, deliberately, ``unknown_tenants="default"``)
    may cure it, so it is not permanent.
    """


class TenantRevokedError(CodecError):
    """The tenant was erased (listed in ``revoked_tenants``): nothing is read or written for it."""

    permanent = True


class EncodingError(CodecError, ValueError):
    """A value cannot travel as JSON without changing, or a payload is not JSON."""

    permanent = True


class EncryptionError(CodecError):
    """A codec could not encrypt right now (for example, its key service is unreachable).

    Nothing was produced, so nothing leaves the process; trying again later may work.
    """


class DecryptionError(CodecError):
    """No configured key opens a ciphertext, or the ciphertext was altered.

    ``strategy``, ``keys_tried`` and ``key_ids`` say what was attempted, so an
    operator can tell a missing fallback key from tampered data. ``permanent``
    is true when no configuration could ever open the value (it is malformed, or
    it was altered under a key that is configured); otherwise adding the right
    key (or re-enabling it) may open it.
    """

    def __init__(
        self,
        message: str,
        *,
        strategy: str | None = None,
        keys_tried: int = 0,
        key_ids: Sequence[str] = (),
        permanent: bool = False,
    ) -> None:
        super().__init__(message)
        self.strategy = strategy
        self.keys_tried = keys_tried
        self.key_ids = tuple(key_ids)
        self.permanent = permanent

    def __str__(self) -> str:
        base = super().__str__()
        details = []
        if self.strategy is not None:
            details.append(f"strategy {self.strategy!r}")
        if self.keys_tried:
            ids = ", ".join(self.key_ids)
            details.append(f"{self.keys_tried} key(s) tried" + (f": {ids}" if ids else ""))
        return f"{base} ({'; '.join(details)})" if details else base


class KeyRevokedError(DecryptionError):
    """The value opens only under a key revoked on purpose (crypto-shredding): final."""


class MisplacedValueError(DecryptionError):
    """An authentic value opened in a place other than the one it was written for.

    Someone moved it (a step's stored output put in another step's place, one
    event's field copied into another event): refused for good. ``written`` and
    ``expected`` name both places by their identifiers, never by content.
    """

    def __init__(
        self, written: str, expected: str, *, written_data: bytes, strategy: str | None = None
    ) -> None:
        super().__init__(
            f"value written for {written} was opened as {expected}: refused as moved",
            strategy=strategy,
            permanent=True,
        )
        self.written = written
        self.expected = expected
        self.written_data = written_data
        """The associated data the value was written with (identifiers, no content)."""


class InngestAPIError(CodecError):
    """Inngest's REST API could not answer a lookup of a run or an event.

    ``status`` is the HTTP status Inngest answered with, or ``None`` when no
    answer came. Messages name the base URL and the status, never the signing key.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InngestAuthError(InngestAPIError):
    """No signing key is configured, or Inngest refused it (401 or 403)."""

    permanent = True


class InngestNotFoundError(InngestAPIError, LookupError):
    """Inngest has no run or event with that id (404), or the id cannot be one."""

    permanent = True


class InngestUnavailableError(InngestAPIError):
    """The API could not be reached, timed out, failed (5xx) or did not answer JSON."""


class CodecServerError(CodecError):
    """A codec server (``--codec-endpoint``) could not be reached, refused the request,
    or did not answer as a codec server does. ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DecompressionError(DecryptionError):
    """A compressed value opened, but decompressing it failed or exceeded the size allowed.

    ``limit`` is set when the value would decompress to more than
    ``max_decompressed_bytes`` (a larger limit may open it); otherwise the
    compressed data is malformed and ``permanent`` is true.
    """

    def __init__(
        self, message: str, *, strategy: str | None = None, limit: int | None = None
    ) -> None:
        super().__init__(message, strategy=strategy, permanent=limit is None)
        self.limit = limit


class PayloadTooLargeError(CodecError):
    """A payload is over the size Inngest accepts; it was not sent.

    ``kind`` is ``"step output"``, ``"function output"``, ``"event"`` or
    ``"run state"``; ``name`` the step id, function id or event name.
    ``plaintext_bytes`` (JSON before encryption, when known) and
    ``encoded_bytes`` (what would be sent) are sizes in bytes, ``limit`` the
    limit in bytes and ``setting`` the option that sets it.
    """

    permanent = True

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        name: str,
        plaintext_bytes: int | None,
        encoded_bytes: int,
        limit: int,
        setting: str,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.plaintext_bytes = plaintext_bytes
        self.encoded_bytes = encoded_bytes
        self.limit = limit
        self.setting = setting


class OffloadError(CodecError):
    """A value could not be stored in, or brought back from, the object store."""


class StoreError(OffloadError):
    """The object store could not be reached, refused a request, or is not configured.

    Nothing was sent when this happens on the way out; trying again may work.
    """


class UnknownStoreError(UnknownPluginError, OffloadError):
    """No installed store answers to a name (the scheme of a store URL)."""


class StoredObjectMissingError(OffloadError, DecryptionError):
    """The object a claim check refers to is not in the store (deleted, or another store)."""


class StoredObjectAlteredError(OffloadError, DecryptionError):
    """The object a claim check refers to does not match the digest it was stored with."""


class PlaintextRefusedError(CodecError):
    """A step or a publish would send data Inngest must read in plaintext; refused, nothing
    was sent (``step.ai.infer``, realtime messages, another middleware storing plaintext)."""

    permanent = True


class UnsupportedSDKError(CodecError):
    """The installed inngest SDK does not have the shape this middleware guards."""

    permanent = True


class RequestRefusedError(CodecError):
    """A signed request was refused before it ran: stale, skewed, or its signature unreadable.

    Retriable: Inngest sends a genuine request again with a fresh signature,
    so a run survives a clock that is briefly off while an operator fixes it.
    """


class InputError(CodecError):
    """The command line's input could not be read or is not JSON."""

    permanent = True
