"""Which codec failures end a run and which let Inngest retry it.

A failure a configuration change can fix (no configured key opens a value, the
strategy's codec is not installed, a key service is down) is retriable, so runs
survive until the deploy is fixed; the most common rotation mistake, forgetting
the old key as a fallback, then costs retries, not runs. A value no
configuration could ever open (malformed envelope, bad base64, not JSON after
opening, altered under a configured key) ends the run at once.

``on_decryption_failure`` chooses what happens when a value cannot be opened:

- ``"retry"`` (default): as above;
- ``"fail"``: every decryption failure ends the run;
- ``"keep"``: the value reaches the function as it is (still an envelope), as
  ``inngest_encryption`` does with strategies it does not know; a warning is
  logged.
"""

from __future__ import annotations

import logging
from typing import Literal

import inngest

from ..errors import CodecError, PayloadTooLargeError

logger = logging.getLogger("inngest_codecs")

DecryptionFailurePolicy = Literal["retry", "fail", "keep"]
POLICIES: tuple[DecryptionFailurePolicy, ...] = ("retry", "fail", "keep")


class CodecFailureError(inngest.NonRetriableError):
    """A codec failure that ends the run: its message names the failure, never the data."""


def fixable(error: CodecError) -> bool:
    """Whether a retry could cure it: a key, a codec or a tenant added, a service back up."""
    return not error.permanent


def run_error(error: CodecError, policy: DecryptionFailurePolicy = "retry") -> Exception:
    """The exception the SDK should report for ``error``: itself (retried) or a final one."""
    if policy != "fail" and fixable(error):
        return error
    if isinstance(error, PayloadTooLargeError):
        # Sizes (with compression, of the plaintext too) stay in the app's log: Inngest is
        # told only which limit was passed.
        logger.error("%s", error)
        return CodecFailureError(
            f"PayloadTooLargeError: {error.kind} {error.name!r} is over the limit of "
            f"{error.limit:,} bytes ({error.setting}); nothing was sent (its sizes and the "
            "remedies are in the app's log)"
        )
    return CodecFailureError(f"{type(error).__name__}: {error}")


def kept(error: CodecError, where: str) -> None:
    """Log that a value was left unopened under ``on_decryption_failure="keep"``."""
    logger.warning("left %s encrypted (on_decryption_failure=keep): %s", where, error)
