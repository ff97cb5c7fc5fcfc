from __future__ import annotations

import importlib
import importlib.metadata
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inngest_codecs import (
    Codec,
    ConfigError,
    Encryptor,
    KeySet,
    UnknownCodecError,
    available_codecs,
    load_codec,
    plugins,
    register_codec,
    registry,
    unregister_codec,
)
from inngest_codecs.cli.doctor import diagnose
from inngest_codecs.codecs.secretbox import derive_key
from inngest_codecs.errors import CodecConflictError, PluginWarning

from .conftest import installed_distributions, needs_example_plugin


def test_builtins_are_declared_as_entry_points_of_the_installed_distribution() -> None:
    declared = {ep.name: ep for ep in importlib.metadata.entry_points(group=registry.CODECS)}
    for name in ("secretbox", "aes-gcm"):
        assert declared[name].dist is not None
        assert declared[name].dist.metadata["Name"] == "inngest-codecs"
    codecs = available_codecs()
    assert codecs["secretbox"].strategy == "inngest/libsodium"
    assert codecs["aes-gcm"].distribution == "inngest-codecs"
    assert codecs["aes-gcm"].version == importlib.metadata.version("inngest-codecs")


@needs_example_plugin
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
    with pytest.warns(PluginWarning) as caught:
        codecs = available_codecs()
    messages = " ".join(str(w.message) for w in caught)
    assert "'broken'" in messages
    assert "'not-a-codec'" in messages
    assert {"secretbox", "aes-gcm"} <= set(codecs)
    assert "broken" not in codecs


def test_discovery_runs_once() -> None:
    registry.refresh()
    available_codecs()
    assert plugins.codecs.cache_info().misses == 1
    Encryptor("k")
    Encryptor("k", codec="aes-gcm")
    assert plugins.codecs.cache_info().misses == 1


IMPOSTORS = """
from inngest_codecs import Codec


class Base(Codec):
    def encrypt(self, plaintext):
        return b"stolen" + plaintext

    def decrypt(self, ciphertext):
        return ciphertext


class FakeSecretbox(Base):
    name = "secretbox"
    strategy = "evil/secretbox"


class StrategyThief(Base):
    name = "thief"
    strategy = "inngest/libsodium"


class TwinA(Base):
    name = "twin"
    strategy = "twins/a"


class TwinB(Base):
    name = "twin"
    strategy = "twins/b"


class SharerA(Base):
    name = "sharer-a"
    strategy = "shared/strategy"


class SharerB(Base):
    name = "sharer-b"
    strategy = "shared/strategy"
"""


@pytest.fixture
def impostors(tmp_path: Path) -> Iterator[None]:
    dists = {
        "evil-codecs": "secretbox = impostor_codecs:FakeSecretbox\n"
        "thief = impostor_codecs:StrategyThief\n"
        "twin = impostor_codecs:TwinA\nsharer-a = impostor_codecs:SharerA",
        "other-codecs": "twin = impostor_codecs:TwinB\nsharer-b = impostor_codecs:SharerB",
    }
    modules = {"impostor_codecs": IMPOSTORS}
    with installed_distributions(tmp_path, registry.CODECS, dists, modules, registry.refresh):
        yield


@pytest.mark.usefixtures("impostors")
def test_a_plugin_cannot_take_a_builtin_name() -> None:
    # A built-in name is served by the built-in class without listing the group
    # (and so without a warning); listing names the impostor.
    codec = load_codec("secretbox", "k")
    assert type(codec).__module__ == "inngest_codecs.codecs.secretbox"
    sealed = Encryptor("k").encrypt("x")
    assert sealed["__STRATEGY__"] == "inngest/libsodium"
    with pytest.warns(PluginWarning, match="evil-codecs 0.1 declares the built-in codec name"):
        listing = available_codecs()
    assert listing["secretbox"].distribution == "inngest-codecs"
    assert listing["secretbox"].codec_class.__module__ == "inngest_codecs.codecs.secretbox"
    assert registry.codec_class("secretbox") is listing["secretbox"].codec_class


@pytest.mark.usefixtures("impostors")
def test_doctor_names_the_plugins_the_trust_rules_refuse() -> None:
    lines = diagnose({"INNGEST_ENCRYPTION_KEY": "secretbox:" + "A" * 43, "INNGEST_DEV": "1"})
    refused = [line.text for line in lines if line.level == "warning"]
    assert any("evil-codecs 0.1 declares the built-in codec name 'secretbox'" in t for t in refused)
    assert any("'twin' is declared by" in t for t in refused)
    assert not any(line.level == "error" for line in lines), lines


@pytest.mark.usefixtures("impostors")
def test_a_plugin_cannot_take_a_builtin_strategy() -> None:
    stolen = "evil-codecs 0.1: codec 'thief' declares the built-in strategy"
    with pytest.warns(PluginWarning, match=stolen), pytest.raises(UnknownCodecError):
        load_codec("thief", "k")
    sealed = Encryptor("k", codec="aes-gcm").encrypt({"a": 1})
    # An unknown strategy loads every plugin; the built-in still opens its own.
    with pytest.raises(UnknownCodecError):
        Encryptor("k").decrypt({**sealed, "__STRATEGY__": "nobody/has-this"})
    assert registry.codec_for_strategy("inngest/libsodium").__module__.startswith("inngest_codecs.")


@pytest.mark.usefixtures("impostors")
def test_two_distributions_claiming_one_name_are_both_refused() -> None:
    with pytest.warns(PluginWarning), pytest.raises(CodecConflictError) as caught:
        load_codec("twin", "k")
    message = str(caught.value)
    assert "evil-codecs 0.1" in message and "other-codecs 0.1" in message
    with pytest.warns(PluginWarning, match="twin"):
        assert "twin" not in available_codecs()


@pytest.mark.usefixtures("impostors")
def test_two_codecs_claiming_one_strategy_are_both_refused() -> None:
    with pytest.warns(PluginWarning), pytest.raises(CodecConflictError) as caught:
        registry.codec_for_strategy("shared/strategy")
    message = str(caught.value)
    assert "'sharer-a'" in message and "'sharer-b'" in message
    assert "evil-codecs 0.1" in message and "other-codecs 0.1" in message


def test_builtin_strategy_table_matches_the_codecs() -> None:
    for strategy, name in registry.BUILTIN_STRATEGIES.items():
        assert registry.codec_class(name).strategy == strategy
    for name, value in registry.BUILTINS.items():
        module, attribute = value.split(":")
        assert getattr(importlib.import_module(module), attribute).name == name


class Rot(Codec):
    """A codec defined in the application (no distribution, no entry point)."""

    name = "app-rot"
    strategy = "example-app/rot"

    def __init__(self, keys: KeySet, *, shift: int = 1) -> None:
        super().__init__(keys)
        self._secret = derive_key(keys.primary)
        self._shift = shift

    def encrypt(self, plaintext: bytes) -> bytes:
        return bytes((b + self._shift) % 256 for b in plaintext) + self._secret[:4]

    def decrypt(self, ciphertext: bytes) -> bytes:
        if ciphertext[-4:] != self._secret[:4]:
            raise self.failure()
        return bytes((b - self._shift) % 256 for b in ciphertext[:-4])


@pytest.fixture
def registered() -> Iterator[type[Codec]]:
    register_codec(Rot)
    yield Rot
    unregister_codec(Rot.name)


def test_a_codec_object_encrypts_and_other_formats_open_with_the_fallback_keys() -> None:
    old = Encryptor("old key").encrypt({"v": 0})
    box = Encryptor(Rot(KeySet.build("app key"), shift=3), fallback_keys=["old key"])
    sealed = box.encrypt({"v": 1})
    assert sealed["__STRATEGY__"] == "example-app/rot"
    assert box.decrypt(sealed) == {"v": 1} and box.decrypt(old) == {"v": 0}
    assert Encryptor(codec=Rot(KeySet.build("app key"), shift=3)).decrypt(sealed) == {"v": 1}
    with pytest.raises(ConfigError, match="holds its own keys"):
        Encryptor("k", codec=Rot(KeySet.build("app key")))
    with pytest.raises(ConfigError, match="once"):
        Encryptor(Rot(KeySet.build("app key")), codec="aes-gcm")


def test_a_registered_codec_is_chosen_by_name_and_opens_its_strategy(
    registered: type[Codec],
) -> None:
    writer = Encryptor("app key", codec="app-rot", codec_options={"shift": 7})
    sealed = writer.encrypt([1, 2])
    assert Encryptor("app key", codec="app-rot", codec_options={"shift": 7}).decrypt(sealed)
    assert "app-rot" in available_codecs()
    assert available_codecs()["app-rot"].distribution is None
    with pytest.raises(ConfigError, match="did you mean 'shift'"):
        Encryptor("app key", codec="app-rot", codec_options={"shfit": 7})
    register_codec(Rot)  # again: nothing happens


@pytest.mark.parametrize(
    ("name", "strategy", "phrase"),
    [
        ("secretbox", "example-app/x", "already taken"),
        ("app-x", "inngest/libsodium", "built-in strategy"),
        ("app-x", "inngest-codecs/aes-256-gcm", "built-in strategy"),
        ("app-x", "example-app/rot", "already opened by codec 'app-rot'"),
    ],
)
def test_registration_follows_the_trust_rules(
    registered: type[Codec], name: str, strategy: str, phrase: str
) -> None:
    impostor = type("Impostor", (Rot,), {"name": name, "strategy": strategy})
    with pytest.raises(CodecConflictError, match=phrase):
        register_codec(impostor)
    assert registry.codec_class("secretbox").__module__ == "inngest_codecs.codecs.secretbox"
