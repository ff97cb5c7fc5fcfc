from __future__ import annotations

from collections.abc import Callable
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from inngest_codecs import EncryptionMiddleware, Encryptor

KEY = "middleware-test-key"

MakeClient = Callable[..., mocked.Inngest]


@pytest.fixture
def encryptor() -> Encryptor:
    return Encryptor(KEY)


@pytest.fixture
def make_client() -> MakeClient:
    def make(**factory_options: Any) -> mocked.Inngest:
        factory_options.setdefault("secret_key", KEY)
        key = factory_options.pop("secret_key")
        return mocked.Inngest(
            app_id="test-app",
            is_production=False,
            middleware=[EncryptionMiddleware.factory(key, **factory_options)],
        )

    return make


def event(data: dict[str, Any], name: str = "app/test") -> inngest.Event:
    return inngest.Event(name=name, data=data)
