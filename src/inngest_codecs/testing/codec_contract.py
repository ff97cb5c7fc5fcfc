"""A test kit for codec authors: prove a codec keeps the contract of `inngest_codecs.codec`.

Subclass [`CodecContract`][] in a test module, name the codec class, and run
pytest; every ``test_*`` method below becomes a test of your codec:

```python
from inngest_codecs.testing.codec_contract import CodecContract
from my_package import MyCodec


class TestMyCodec(CodecContract):
    codec_class = MyCodec
    options = {"level": 3}  # codec options, when it takes any
```

What is checked: round trips from 0 bytes to 1 MiB, never the same output
twice, every flipped bit of a small ciphertext (and a sample of a large one)
rejected, a wrong key rejected, fallback keys opening old values while
encryption uses the primary key, malformed input raising only
``DecryptionError`` (and a permanent one for empty input), no key material in
reprs or error messages, ``name`` and ``strategy`` declared and matching the
installed entry point, and concurrent use from several threads.

Override [`CodecContract.new_key`][] when keys live elsewhere (a key
service), [`CodecContract.sample_plaintext`][] when the format carries only
some plaintexts, and the class attributes to tune the effort. The kit
generates its data from a fixed seed, so a failure repeats.
"""

from __future__ import annotations

import base64
import importlib.metadata
import random
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType
from typing import Any, ClassVar

import pytest

from .. import registry
from ..codec import Codec
from ..errors import DecryptionError, MisplacedValueError
from ..keys import KeyInput, KeySet
from ..place import Place
from . import evidence

_MARKER = b"codec-contract-plaintext-marker-7d1f"
"""A plaintext that must never appear in a message."""


class CodecContract:
    """The contract every codec keeps, as pytest tests: subclass it as ``Test...``."""

    codec_class: ClassVar[type[Codec]]
    """The codec under test (required)."""
    options: ClassVar[Mapping[str, Any]] = MappingProxyType({})
    """Keyword options passed to the codec's constructor."""
    key_material_is_secret: ClassVar[bool] = True
    """``False`` when keys are identifiers that messages may name (a key service's key ids)."""
    round_trip_sizes: ClassVar[Sequence[int]] = (
        *(0, 1, 2, 15, 16, 17, 31, 32, 33, 255, 256, 257),
        *(1000, 4096, 65_537, 1 << 20),
    )
    random_sizes: ClassVar[int] = 48
    """How many more round trips, of random sizes up to 4 KiB."""
    every_bit_up_to: ClassVar[int] = 4096
    """Flip every bit of ciphertexts up to this many bits; sample larger ones."""
    tamper_sample: ClassVar[int] = 512
    """Bits flipped in a ciphertext too large to flip every bit of."""
    threads: ClassVar[int] = 8
    rounds_per_thread: ClassVar[int] = 40

    # Hooks to override.

    def new_key(self) -> str | bytes:
        """A fresh key, different from every key made before."""
        return self.codec_class.generate_key()

    def make_codec(self, key: KeyInput, fallback_keys: Sequence[KeyInput] = ()) -> Codec:
        """The codec under test bound to ``key`` and ``fallback_keys``."""
        return self.codec_class(KeySet.build(key, list(fallback_keys)), **self.options)

    def sample_plaintext(self, size: int, rng: random.Random) -> bytes:
        """A plaintext of about ``size`` bytes (random bytes unless overridden)."""
        return rng.randbytes(size)

    # Helpers.

    def _rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.codec_class.__qualname__}/{purpose}")

    @property
    def _authenticated(self) -> bool:
        return bool(self.codec_class.authenticated)

    def _bits_to_flip(self, size: int, rng: random.Random) -> list[int]:
        bits = size * 8
        if bits <= self.every_bit_up_to:
            return list(range(bits))
        edges = {*range(min(bits, 256)), *range(max(0, bits - 256), bits)}
        middle = rng.sample(range(bits), min(bits, self.tamper_sample))
        return sorted(edges.union(middle))

    def _must_refuse(self, codec: Codec, ciphertext: bytes, what: str) -> DecryptionError:
        try:
            codec.decrypt(ciphertext)
        except DecryptionError as error:
            return error
        except Exception as error:  # the contract allows nothing else
            pytest.fail(f"{what}: decrypt raised {type(error).__name__}, not DecryptionError")
        pytest.fail(f"{what}: decrypt returned a plaintext instead of raising DecryptionError")

    def _malformed(self, codec: Codec) -> Iterator[tuple[str, bytes]]:
        rng = self._rng("malformed")
        sealed = codec.encrypt(self.sample_plaintext(24, rng))
        yield "empty input", b""
        for length in range(len(sealed)):
            yield f"the first {length} of {len(sealed)} bytes", sealed[:length]
        for size in (1, 2, 7, 8, 12, 16, 23, 24, 31, 32, 33, 47, 48, 64, 100, 255, 1000):
            yield f"{size} random bytes", rng.randbytes(size)
        yield "64 zero bytes", bytes(64)
        yield "64 0xff bytes", b"\xff" * 64

    # The contract.

    def test_name_and_strategy_are_declared(self) -> None:
        cls = self.codec_class
        name, strategy = getattr(cls, "name", None), getattr(cls, "strategy", None)
        assert isinstance(name, str) and name and name == name.strip(), "declare `name`"
        assert " " not in name, f"codec name {name!r} contains a space"
        assert isinstance(strategy, str) and strategy, "declare a non-empty `strategy`"
        assert isinstance(cls.opens, tuple), "`opens` must be a tuple of strategies"
        assert all(isinstance(s, str) for s in cls.opens), "`opens` must hold strings"
        assert strategy not in cls.opens, "`opens` lists further strategies, not `strategy`"
        codec = self.make_codec(self.new_key())
        assert codec.strategy in (strategy, *cls.opens), "an instance writes a strategy it opens"
        for written in (strategy, *cls.opens):
            owner = registry.BUILTIN_STRATEGIES.get(written)
            assert owner in (None, name), f"strategy {written!r} belongs to built-in {owner!r}"

    def test_entry_point_matches(self) -> None:
        cls = self.codec_class
        package = cls.__module__.split(".")[0]
        candidates = [
            entry_point
            for entry_point in importlib.metadata.entry_points(group=registry.CODECS)
            if entry_point.name == cls.name or entry_point.module.split(".")[0] == package
        ]
        mine = [entry_point for entry_point in candidates if evidence.loads(entry_point) is cls]
        if not mine:
            pytest.skip(f"{cls.__qualname__} is not installed as an {registry.CODECS} entry point")
        for entry_point in mine:
            assert entry_point.name == cls.name, (
                f"entry point {entry_point.name!r} holds a codec named {cls.name!r}: "
                "they must be equal"
            )
        assert registry.codec_class(cls.name) is cls, "the registry selects another class"
        for strategy in (cls.strategy, *cls.opens):
            assert registry.codec_for_strategy(strategy) is cls, (
                f"the registry opens strategy {strategy!r} with another codec"
            )

    def test_round_trip(self) -> None:
        rng = self._rng("round trip")
        key = self.new_key()
        writer, reader = self.make_codec(key), self.make_codec(key)
        sizes = [*self.round_trip_sizes, *(rng.randrange(4096) for _ in range(self.random_sizes))]
        for size in sizes:
            plaintext = self.sample_plaintext(size, rng)
            sealed = writer.encrypt(plaintext)
            assert isinstance(sealed, bytes), f"encrypt returned {type(sealed).__name__}"
            if len(plaintext) >= 16:
                assert plaintext not in sealed, f"a {size}-byte plaintext shows in its ciphertext"
            assert writer.decrypt(sealed) == plaintext, f"{size} bytes did not round-trip"
            assert reader.decrypt(sealed) == plaintext, (
                f"{size} bytes did not open in another instance with the same key"
            )

    def test_never_the_same_output_twice(self) -> None:
        rng = self._rng("fresh output")
        key = self.new_key()
        first, second = self.make_codec(key), self.make_codec(key)
        for size in (0, 64):
            plaintext = self.sample_plaintext(size, rng)
            outputs = [codec.encrypt(plaintext) for codec in (first, second) for _ in range(16)]
            assert len(set(outputs)) == len(outputs), (
                f"one plaintext of {len(plaintext)} bytes encrypted to the same bytes twice "
                "(a reused or predictable nonce?)"
            )

    def test_every_flipped_bit_is_rejected(self) -> None:
        if not self._authenticated:
            pytest.skip("authenticated = False: this format cannot detect altered data")
        rng = self._rng("tamper")
        codec = self.make_codec(self.new_key())
        for size in (24, 65_536):
            sealed = codec.encrypt(self.sample_plaintext(size, rng))
            for bit in self._bits_to_flip(len(sealed), rng):
                self._must_refuse(
                    codec,
                    evidence.flip(sealed, bit),
                    f"bit {bit} of a {len(sealed)}-byte ciphertext",
                )

    def test_associated_data_binds_the_value(self) -> None:
        """For codecs that declare ``binds_associated_data``: opened only with the same place."""
        if not self.codec_class.binds_associated_data:
            pytest.skip("binds_associated_data = False: values are bound to no place")
        rng = self._rng("associated data")
        codec = self.make_codec(self.new_key())
        here = Place(("function", "app-fn"), ("step", "a")).associated_data
        there = Place(("function", "app-fn"), ("step", "b")).associated_data
        plaintext = self.sample_plaintext(48, rng)
        sealed = codec.encrypt(plaintext, associated_data=here)  # type: ignore[call-arg]
        decrypt: Any = codec.decrypt
        assert decrypt(sealed, associated_data=here) == plaintext, "a bound value did not open"
        assert decrypt(sealed, associated_data=None) == plaintext, "None must check no place"
        with pytest.raises(MisplacedValueError):
            decrypt(sealed, associated_data=there)
        unbound = codec.encrypt(plaintext)
        assert decrypt(unbound, associated_data=there) == plaintext, (
            "a value written without a place must open anywhere (data from before binding)"
        )
        for bit in self._bits_to_flip(len(sealed), rng):
            with pytest.raises(DecryptionError):
                decrypt(evidence.flip(sealed, bit), associated_data=here)

    def test_wrong_key_is_rejected(self) -> None:
        rng = self._rng("wrong key")
        plaintext = self.sample_plaintext(48, rng)
        sealed = self.make_codec(self.new_key()).encrypt(plaintext)
        others = self.make_codec(self.new_key(), [self.new_key()])
        self._must_refuse(others, sealed, "a value under a key that is not configured")

    def test_fallback_keys_open_and_never_encrypt(self) -> None:
        rng = self._rng("fallback")
        plaintext = self.sample_plaintext(48, rng)
        old, spare, new = self.new_key(), self.new_key(), self.new_key()
        written_before = self.make_codec(old).encrypt(plaintext)
        rotated = self.make_codec(new, [spare, old])
        assert rotated.decrypt(written_before) == plaintext, "a fallback key did not open"
        written_after = rotated.encrypt(plaintext)
        assert self.make_codec(new).decrypt(written_after) == plaintext
        self._must_refuse(
            self.make_codec(old, [spare]), written_after, "encryption used a fallback key"
        )

    def test_malformed_input_raises_only_decryption_error(self) -> None:
        codec = self.make_codec(self.new_key())
        for what, data in self._malformed(codec):
            try:  # `inngest-codecs inspect` calls it on untrusted data
                key_id = self.codec_class.key_id_of(data)
            except Exception as error:
                pytest.fail(f"{what}: key_id_of raised {type(error).__name__}")
            assert key_id is None or isinstance(key_id, str), f"{what}: key_id_of gave {key_id!r}"
            if self._authenticated:
                self._must_refuse(codec, data, what)
                continue
            try:  # an unauthenticated format may open garbage as garbage
                codec.decrypt(data)
            except DecryptionError:
                pass
            except Exception as error:
                pytest.fail(f"{what}: decrypt raised {type(error).__name__}, not DecryptionError")

    def test_empty_input_fails_permanently(self) -> None:
        codec = self.make_codec(self.new_key())
        error = self._must_refuse(codec, b"", "empty input")
        assert error.permanent, (
            "no key can ever open empty input: raise self.failure(..., permanent=True)"
        )

    def test_no_key_material_in_reprs_or_messages(self) -> None:
        primary, fallback, other = self.new_key(), self.new_key(), self.new_key()
        codec = self.make_codec(primary, [fallback])
        sealed = codec.encrypt(_MARKER)
        texts = [repr(codec), str(codec), repr(codec.keys), " ".join(codec.key_ids)]
        errors: list[BaseException] = [
            self._must_refuse(self.make_codec(other), sealed, "a value under another key"),
            self._must_refuse(codec, b"", "empty input"),
        ]
        if self._authenticated:
            errors.append(
                self._must_refuse(codec, evidence.flip(sealed, len(sealed) * 4), "a flip")
            )
        try:
            self.codec_class(KeySet.build(primary), contract_kit_unknown_option=True)
        except Exception as error:
            errors.append(error)
        message_texts = [text for error in errors for text in evidence.error_texts(error)]
        leaks = [sealed.hex()[:32], base64.b64encode(sealed).decode()[:32], _MARKER.decode()]
        for text in message_texts:
            for leak in leaks:
                assert leak not in text, f"a message shows the plaintext or ciphertext: {text!r}"
        if not self.key_material_is_secret:
            return
        for key in (primary, fallback, other):
            for form in evidence.key_texts(key):
                for text in texts + message_texts:
                    assert form not in text, f"key material shows in {text!r}"

    def test_concurrent_use(self) -> None:
        key = self.new_key()
        shared, reader = self.make_codec(key), self.make_codec(key)
        start = threading.Barrier(self.threads)

        def work(index: int) -> list[tuple[bytes, bytes]]:
            rng = self._rng(f"thread {index}")
            start.wait(timeout=120)
            done = []
            for _ in range(self.rounds_per_thread):
                plaintext = self.sample_plaintext(rng.randrange(2048), rng)
                sealed = shared.encrypt(plaintext)
                assert shared.decrypt(sealed) == plaintext, "a concurrent round trip failed"
                done.append((plaintext, sealed))
            return done

        with ThreadPoolExecutor(self.threads) as pool:
            results = [pair for batch in pool.map(work, range(self.threads)) for pair in batch]
        assert len({sealed for _, sealed in results}) == len(results), (
            "concurrent encryptions produced the same bytes twice"
        )
        for plaintext, sealed in results:
            assert reader.decrypt(sealed) == plaintext, "a value written concurrently is corrupt"


__all__ = ["CodecContract"]
