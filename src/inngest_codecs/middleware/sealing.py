"""Step and function errors sealed on the way out and opened on the way back.

With ``encrypt_errors=True`` an error leaves as a `SealedError`: the
same name, code, retry behaviour and retry time as the original, with the
message and stack encrypted (`inngest_codecs.for_inngest.sealed_errors`). Memoized
step errors come back sealed and are opened before the function sees them, so
code that catches a ``StepError`` reads the original message.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

import inngest
from inngest._internal import errors as sdk_errors
from inngest._internal import server_lib, transforms

from ..encryptor import Encryptor
from ..errors import CodecError
from ..for_inngest import sealed_errors
from ..place import Place
from .failures import CodecFailureError


class SealedError(sdk_errors.Error):
    """An error whose message and stack travel encrypted; its name stays readable."""

    def __init__(
        self,
        name: str,
        message: str,
        stack: str,
        *,
        code: server_lib.ErrorCode,
        retriable: bool,
        quiet: bool,
    ) -> None:
        Exception.__init__(self, message)
        self._name, self._stack = name, stack
        self.code, self.is_retriable, self.quiet = code, retriable, quiet

    @property
    def name(self) -> str:
        return self._name

    @property
    def stack(self) -> str:
        return self._stack


class SealedRetryAfterError(SealedError, inngest.RetryAfterError):
    """A sealed `inngest.RetryAfterError`: Inngest still learns when to retry."""

    def __init__(
        self, name: str, message: str, stack: str, *, retry_after: datetime.datetime, quiet: bool
    ) -> None:
        super().__init__(
            name,
            message,
            stack,
            code=server_lib.ErrorCode.RETRY_AFTER_ERROR,
            retriable=True,
            quiet=quiet,
        )
        self.retry_after = retry_after


def _as_reported(error: Exception) -> tuple[str, str, str | None, server_lib.ErrorCode]:
    """``(name, message, stack, code)`` exactly as the SDK would report ``error``."""
    if isinstance(error, sdk_errors.Error):
        return error.name, error.message, error.stack, error.code
    return (
        type(error).__name__,
        str(error),
        transforms.get_traceback(error),
        server_lib.ErrorCode.UNKNOWN,
    )


def seal(
    error: Exception, encryptor: Encryptor, *, compress: bool = True, place: Place | None = None
) -> Exception:
    """``error`` with its message and stack encrypted; this package's own errors stay as
    they are, since their messages never hold data and an operator must read them.

    ``compress=False`` keeps the sealed message uncompressed (see ``uncompressed``).
    """
    if isinstance(error, (CodecError, CodecFailureError, SealedError)):
        return error
    name, message, stack, code = _as_reported(error)
    encrypt = functools.partial(encryptor.encrypt, compress=compress, place=place)
    sealed_message, sealed_stack = sealed_errors.seal(encrypt, message, stack)
    quiet = bool(getattr(error, "quiet", False))
    if isinstance(error, inngest.RetryAfterError):
        return SealedRetryAfterError(
            name, sealed_message, sealed_stack, retry_after=error.retry_after, quiet=quiet
        )
    return SealedError(
        name,
        sealed_message,
        sealed_stack,
        code=code,
        retriable=sdk_errors.is_retriable(error),
        quiet=quiet,
    )


def open_error(
    error: Any, encryptor: Encryptor, place: Place | None = None
) -> tuple[str, str | None] | None:
    """Restore, in place, the message and stack of a memoized or reported error object;
    returns them when they were sealed."""
    is_dict = isinstance(error, dict)
    message = error.get("message") if is_dict else getattr(error, "message", None)
    if not isinstance(message, str) or not sealed_errors.is_sealed(message):
        return None
    decrypt = functools.partial(encryptor.decrypt, place=place)
    original, stack = sealed_errors.open_sealed(decrypt, message)
    if is_dict:
        error["message"], error["stack"] = original, stack
    else:
        error.message, error.stack = original, stack
    return original, stack
