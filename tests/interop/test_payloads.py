"""What the TypeScript package does with compressed values and claim checks.

@inngest/middleware-encryption 2.x ignores ``__STRATEGY__``: it hands every
envelope's data to its one encryption service, which opens it and parses the
plaintext as JSON. Compressed plaintext starts with the zstd magic number and a
claim-check reference with a NUL byte, neither of which begins any JSON text,
so the TypeScript side fails with a JSON syntax error; it never takes them for
values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.offload import LocalDirectoryStore

from .conftest import Bridge, NodeError

pytestmark = pytest.mark.slow

KEY = "cross-language key"
VALUE: dict[str, Any] = {"rows": [{"id": i, "name": f"customer {i}"} for i in range(200)]}


def envelopes(tmp_path: Path) -> dict[str, dict[str, Any]]:
    store = LocalDirectoryStore(tmp_path)
    return {
        "compressed": Encryptor(KEY, compression="zstd").encrypt(VALUE),
        "offloaded": Encryptor(KEY, offload_over=100, offload_store=store).encrypt(VALUE),
    }


@pytest.mark.parametrize("kind", ["compressed", "offloaded"])
def test_typescript_service_refuses_layered_values(node: Bridge, tmp_path: Path, kind: str) -> None:
    sealed = envelopes(tmp_path)[kind]
    assert sealed["__STRATEGY__"].startswith("inngest/libsodium+")
    with pytest.raises(NodeError, match="JSON"):
        node.call("libsodium.decrypt", keys=[KEY], data=sealed["data"])


@pytest.mark.parametrize("kind", ["compressed", "offloaded"])
def test_typescript_function_fails_on_a_layered_event_field(
    node: Bridge, tmp_path: Path, kind: str
) -> None:
    sealed = envelopes(tmp_path)[kind]
    with pytest.raises(NodeError, match="JSON"):
        node.call(
            "function.run", key=KEY, event={"name": "shop/checkout", "data": {"encrypted": sealed}}
        )


def test_defaults_stay_readable_by_typescript(node: Bridge) -> None:
    sealed = Encryptor(KEY).encrypt(VALUE)
    assert sealed["__STRATEGY__"] == "inngest/libsodium"
    assert node.call("libsodium.decrypt", keys=[KEY], data=sealed["data"]) == VALUE
