"""KMS key identifiers: key ids, key ARNs, alias names and alias ARNs.

A configured key that is none of these is not a KMS key; it is left to the
other codecs of the key set (and never repeated in a message: it may be a
secret passed to the wrong codec).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from inngest_codecs import Key

_ARN = r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:"
_KEY_ID = r"(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
_ALIAS = r"alias/[A-Za-z0-9/_-]{1,250}"
_KEY_ARN = re.compile(_ARN + "key/" + _KEY_ID)
_ALIAS_ARN = re.compile(_ARN + _ALIAS)
_BARE_KEY_ID = re.compile(_KEY_ID)
_ALIAS_NAME = re.compile(_ALIAS)


def is_key_arn(text: str) -> bool:
    return _KEY_ARN.fullmatch(text) is not None


class KmsKey(NamedTuple):
    """A KMS key as configured: ``kind`` is ``key-arn``, ``key-id`` or ``alias``."""

    text: str
    kind: str

    def holds(self, key_arn: str) -> bool | None:
        """Whether KMS key ``key_arn`` is this one; ``None`` when only KMS can tell (aliases).

        An alias ARN holds only keys of its own account and region.
        """
        if self.kind == "key-arn":
            return self.text == key_arn
        if self.kind == "key-id":
            return key_arn.endswith(f":key/{self.text}")
        if ":alias/" in self.text and not key_arn.startswith(
            self.text[: self.text.index(":alias/")] + ":key/"
        ):
            return False
        return None

    @property
    def region(self) -> str | None:
        """The region an ARN names; ``None`` for ids and alias names (boto3's region applies)."""
        match = _KEY_ARN.fullmatch(self.text) or _ALIAS_ARN.fullmatch(self.text)
        return match["region"] if match else None


def kms_key(key: Key) -> KmsKey | None:
    """The KMS key a configured key names, or ``None`` when it names none."""
    if not key.is_text:
        return None
    text = key.material.decode("utf-8")
    if _KEY_ARN.fullmatch(text):
        return KmsKey(text, "key-arn")
    if _BARE_KEY_ID.fullmatch(text):
        return KmsKey(text, "key-id")
    if _ALIAS_ARN.fullmatch(text) or _ALIAS_NAME.fullmatch(text):
        return KmsKey(text, "alias")
    return None
