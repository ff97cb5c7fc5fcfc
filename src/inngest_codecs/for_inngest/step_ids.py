"""Step ids behind the hashes Inngest keys memoized steps by.

Inngest stores a run's step state under the hex SHA-1 of each step id, so a
document copied from it shows hashes where a person expects ``charge-card``.
When the step id itself appears anywhere in the documents at hand (a trace, an
opened value, a step's name), its hash can be matched back to it; nothing is
guessed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_HASH = re.compile(r"[0-9a-f]{40}")
MAX_STEP_ID = 256
MAX_STRINGS = 200_000


def step_names(*documents: Any) -> dict[str, str]:
    """Hex SHA-1 object keys of ``documents`` -> the step id (a string found in them)
    it is the hash of. Only short strings are tried, and at most `MAX_STRINGS`."""
    hashes: set[str] = set()
    strings: set[str] = set()
    stack = list(documents)
    while stack and len(strings) < MAX_STRINGS:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _HASH.fullmatch(key):
                    hashes.add(key)
                elif isinstance(key, str) and len(key) <= MAX_STEP_ID:
                    strings.add(key)
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and len(value) <= MAX_STEP_ID:
            strings.add(value)
    if not hashes:
        return {}
    found: dict[str, str] = {}
    for text in strings:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        if digest in hashes:
            found[digest] = text
    return found
