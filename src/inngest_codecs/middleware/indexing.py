"""Blind-index tags on what a run sends with ``client.send`` when encryption is per function.

The adapter writes the tags of every event and invoke payload it seals. When the
middleware is registered on a function rather than the client, the SDK runs
``client.send`` without it, and [`RunSends`][inngest_codecs.middleware.binding.RunSends]
seals those events from the run's state: so the state carries the run's indexer too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..indexer import Indexer
from . import forwarding


class IndexedRunState(forwarding.RunState):
    """A run's state, and the indexer of the middleware that runs it."""

    __slots__ = ("indexer",)

    def __init__(self, *args: Any, indexer: Indexer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indexer = indexer


def write_tags(
    sealed: dict[str, Any], plain: Any, states: Sequence[forwarding.RunState]
) -> dict[str, Any]:
    """``sealed`` with the tags the innermost run's indexer gives ``plain``."""
    state = states[-1] if states else None
    if not isinstance(state, IndexedRunState):
        return sealed
    return state.indexer.write(sealed, plain, state.encryptor)
