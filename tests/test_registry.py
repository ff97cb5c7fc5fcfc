from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inngest_codecs import Encryptor, UnknownCodecError, available_codecs, load_codec, registry
from inngest_codecs.registry import CodecPluginWarning


def test_builtins_are_declared_as_entry_points_of_the_installed_distribution() -> None:
    declared = {ep.name: ep for ep in importlib.metadata.entry_points(group=registry.GROUP)}
    for name in ("secretbox", "aes-gcm"):
        assert declared[name].dist is not None
        assert declared[name].dist.metadata["Name"] == "inngest-codecs"
    codecs = available_codecs()
    assert codecs["secretbox"].strategy == "inngest/libsodium"
    assert codecs["aes-gcm"].distribution == "inngest-codecs"
    assert codecs["aes-gcm"].version == importlib.metadata.version("inngest-codecs")


def test_codec_from_a_separately_installed_distribution() -> None:
    info = available_codecs()["chacha20-poly1305"]
    assert info.distribution == "inngest-codecs-example"
    assert "inngest_codecs_example" not in sys.modules or info.codec_class.__module__
    sealed = Encryptor("k", codec="chacha20-poly1305").encrypt({"x": 1})
    assert sealed["__STRATEGY__"] == info.strategy
    # Any Encryptor opens it, whichever codec it encrypts with.
    assert Encryptor("k", codec="aes-gcm").decrypt(sealed) == {"x": 1}


def test_unknown_name_lists_installed_codecs() -> None:
    with pytest.raises(UnknownCodecError) as caught:
        load_codec("rot13", "k")
    message = str(caught.value)
    assert "rot13" in message
    for name in available_codecs():
        assert name in message


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Iterator[None]:
    dist = tmp_path / "broken_codec-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-codec\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[inngest_codecs.codecs]\nbroken = no_such_module_anywhere:Codec\n"
        "not-a-codec = json:JSONDecoder\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry.refresh()
    yield
    sys.path.remove(str(tmp_path))
    registry.refresh()


@pytest.mark.usefixtures("broken_plugin")
def test_broken_plugins_are_reported_and_the_rest_still_load() -> None:
    with pytest.warns(CodecPluginWarning) as caught:
        codecs = available_codecs()
    messages = " ".join(str(w.message) for w in caught)
    assert "'broken'" in messages
    assert "'not-a-codec'" in messages
    assert {"secretbox", "aes-gcm"} <= set(codecs)
    assert "broken" not in codecs


def test_discovery_runs_once() -> None:
    registry.refresh()
    available_codecs()
    assert registry._registry.cache_info().misses == 1
    Encryptor("k")
    Encryptor("k", codec="aes-gcm")
    assert registry._registry.cache_info().misses == 1
