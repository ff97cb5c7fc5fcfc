"""What start-up leaves for later: modules the first value, or a feature in use, loads.

Each case runs in a fresh interpreter, since this process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DEFERRED = [
    "msgspec",  # the first value read
    "cryptography",  # an aes-gcm codec's first value
    "stevedore",  # a plugin other than a built-in one
    "opentelemetry",  # an application that configures OpenTelemetry
    "inngest.experimental.realtime",  # publishing through realtime
    "inngest.experimental.remote_state_middleware",  # the SDK's remote-state middleware
]


def _loaded_after(program: str) -> dict[str, bool]:
    report = f"print(json.dumps({{m: m in sys.modules for m in {DEFERRED!r}}}))"
    source = f"{program}\nimport json, sys\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", source], check=True, capture_output=True, text=True, timeout=120
    )
    loaded: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("codec", ["secretbox", "aes-gcm"])
def test_the_middleware_factory_loads_none_of_what_waits_for_use(codec: str) -> None:
    loaded = _loaded_after(
        "import inngest\nfrom inngest_codecs import EncryptionMiddleware\n"
        f"EncryptionMiddleware.factory('start-up key ' * 3, codec={codec!r})"
    )
    assert not any(loaded.values()), loaded


def test_the_first_values_load_what_they_need_and_no_more() -> None:
    loaded = _loaded_after(
        "from inngest_codecs import Encryptor\nbox = Encryptor('start-up key', codec='aes-gcm')\n"
        "assert box.decrypt(box.encrypt({'n': [1.5, None]})) == {'n': [1.5, None]}"
    )
    assert loaded["msgspec"] and loaded["cryptography"]
    assert not loaded["stevedore"] and not loaded["opentelemetry"]
