"""What opening a document gives: the document, and what opened and what did not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Decoded:
    """A document with its envelopes opened; ``opened`` holds ``(path, tenant, key id)``,
    ``failures`` holds ``(path, reason)``."""

    document: Any
    opened: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    on_the_way: int = 0  # envelopes --path led through

    @property
    def found(self) -> int:
        return len(self.opened) + len(self.failures) + self.on_the_way
