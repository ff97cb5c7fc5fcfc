"""The codecs of the two plugins in this repository keep the codec contract."""

from __future__ import annotations

import importlib
import json
import random
from typing import Any

from inngest_codecs.testing.codec_contract import CodecContract

from ..conftest import needs_example_plugin, needs_legacy_plugin


def _codec(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        return None  # the class is skipped by its `needs_..._plugin` mark


@needs_example_plugin
class TestExamplePlugin(CodecContract):
    codec_class = _codec("inngest_codecs_example", "ChaCha20Poly1305Codec")


@needs_legacy_plugin
class TestLegacyPlugin(CodecContract):
    codec_class = _codec("inngest_codecs_legacy", "LegacyAesCodec")

    def sample_plaintext(self, size: int, rng: random.Random) -> bytes:
        # The format carries JSON text only: a plaintext that parses is its sole
        # sign that a key was right (nothing authenticates it).
        return json.dumps(rng.randbytes(max(0, size - 2) // 2).hex()).encode()
