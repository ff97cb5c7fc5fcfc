"""The contract kit fails codecs that break the contract, each on the check it breaks."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

BROKEN_CODECS = textwrap.dedent(
    '''
    import hashlib
    import os
    import threading

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from inngest_codecs import Codec
    from inngest_codecs.testing.codec_contract import CodecContract


    def cipher_key(key):
        return hashlib.sha256(key.material).digest()


    class Sound(Codec):
        """A correct codec: the reference every broken one departs from."""

        name = "sound"
        strategy = "contract-test/sound"

        def __init__(self, keys, **options):
            super().__init__(keys, **options)
            self.primary = AESGCM(cipher_key(keys.primary))
            self.all = [AESGCM(cipher_key(key)) for key in keys.decryption_keys]

        def nonce(self):
            return os.urandom(12)

        def encrypt(self, plaintext):
            nonce = self.nonce()
            return nonce + self.primary.encrypt(nonce, plaintext, None)

        def decrypt(self, ciphertext):
            if len(ciphertext) < 28:
                raise self.failure("too short", permanent=True)
            for aead in self.all:
                try:
                    return aead.decrypt(ciphertext[:12], ciphertext[12:], None)
                except InvalidTag:
                    continue
            raise self.failure()


    class IgnoresItsPlace(Sound):
        """Declares it binds associated data, and drops it."""

        binds_associated_data = True

        def encrypt(self, plaintext, associated_data=None):
            return super().encrypt(plaintext)

        def decrypt(self, ciphertext, associated_data=None):
            return super().decrypt(ciphertext)


    class IgnoresFallbackKeys(Sound):
        def decrypt(self, ciphertext):
            if len(ciphertext) < 28:
                raise self.failure("too short", permanent=True)
            try:
                return self.primary.decrypt(ciphertext[:12], ciphertext[12:], None)
            except InvalidTag:
                raise self.failure() from None


    class ShowsKeyInRepr(Sound):
        def __repr__(self):
            return f"<ShowsKeyInRepr key={self.keys.primary.material.decode()}>"


    class ReusesNonce(Sound):
        def nonce(self):
            return bytes(12)


    class CountsNoncesFromZero(Sound):
        def __init__(self, keys, **options):
            super().__init__(keys, **options)
            self.counter = 0

        def nonce(self):
            self.counter += 1
            return self.counter.to_bytes(12, "big")


    class AcceptsTamperedData(Sound):
        """AES-CTR without a tag, yet declared authenticated."""

        def encrypt(self, plaintext):
            nonce = os.urandom(16)
            return nonce + self.ctr(self.keys.primary, nonce, plaintext)

        def ctr(self, key, nonce, data):
            encryptor = Cipher(algorithms.AES(cipher_key(key)), modes.CTR(nonce)).encryptor()
            return encryptor.update(data) + encryptor.finalize()

        def decrypt(self, ciphertext):
            if len(ciphertext) < 16:
                raise self.failure("too short", permanent=True)
            return self.ctr(self.keys.primary, ciphertext[:16], ciphertext[16:])


    class RaisesValueErrorOnShortInput(Sound):
        def decrypt(self, ciphertext):
            if len(ciphertext) < 28:
                raise ValueError("short")
            return super().decrypt(ciphertext)


    class EmptyInputNotPermanent(Sound):
        def decrypt(self, ciphertext):
            if not ciphertext:
                raise self.failure("empty")
            return super().decrypt(ciphertext)


    class KeyIdOfFailsOnShortInput(Sound):
        @classmethod
        def key_id_of(cls, ciphertext):
            return ciphertext[0:4].hex() if ciphertext[4] else None


    class SharesStateAcrossThreads(Sound):
        """Keeps the plaintext on the instance between two steps: threads overwrite it.

        A barrier makes the first call of each worker thread interleave, so the
        race happens on every run.
        """

        def __init__(self, keys, **options):
            super().__init__(keys, **options)
            self.meeting = threading.Barrier(8)
            self.met = threading.local()

        def encrypt(self, plaintext):
            self.pending = plaintext
            if threading.current_thread() is not threading.main_thread():
                if not getattr(self.met, "done", False):
                    self.met.done = True
                    self.meeting.wait(timeout=60)
            return super().encrypt(self.pending)


    class Quick(CodecContract):
        round_trip_sizes = (0, 1, 100, 5000)
        random_sizes = 4
        rounds_per_thread = 5
        threads = 8


    class TestSound(Quick):
        codec_class = Sound


    class TestIgnoresFallbackKeys(Quick):
        codec_class = IgnoresFallbackKeys


    class TestIgnoresItsPlace(Quick):
        codec_class = IgnoresItsPlace


    class TestShowsKeyInRepr(Quick):
        codec_class = ShowsKeyInRepr


    class TestReusesNonce(Quick):
        codec_class = ReusesNonce


    class TestCountsNoncesFromZero(Quick):
        codec_class = CountsNoncesFromZero


    class TestAcceptsTamperedData(Quick):
        codec_class = AcceptsTamperedData


    class TestRaisesValueErrorOnShortInput(Quick):
        codec_class = RaisesValueErrorOnShortInput


    class TestEmptyInputNotPermanent(Quick):
        codec_class = EmptyInputNotPermanent


    class TestKeyIdOfFailsOnShortInput(Quick):
        codec_class = KeyIdOfFailsOnShortInput


    class TestSharesStateAcrossThreads(Quick):
        codec_class = SharesStateAcrossThreads
    '''
)

EXPECTED_FAILURES = {
    "TestSound": set(),
    "TestIgnoresFallbackKeys": {"test_fallback_keys_open_and_never_encrypt"},
    "TestIgnoresItsPlace": {"test_associated_data_binds_the_value"},
    "TestShowsKeyInRepr": {"test_no_key_material_in_reprs_or_messages"},
    "TestReusesNonce": {"test_never_the_same_output_twice"},
    "TestCountsNoncesFromZero": {"test_never_the_same_output_twice"},
    "TestAcceptsTamperedData": {
        "test_every_flipped_bit_is_rejected",
        "test_wrong_key_is_rejected",
        "test_fallback_keys_open_and_never_encrypt",
        "test_malformed_input_raises_only_decryption_error",
        "test_no_key_material_in_reprs_or_messages",  # it opens a value under another key
    },
    "TestRaisesValueErrorOnShortInput": {
        "test_malformed_input_raises_only_decryption_error",
        "test_empty_input_fails_permanently",
        "test_no_key_material_in_reprs_or_messages",
    },
    "TestEmptyInputNotPermanent": {"test_empty_input_fails_permanently"},
    "TestKeyIdOfFailsOnShortInput": {"test_malformed_input_raises_only_decryption_error"},
    "TestSharesStateAcrossThreads": {"test_concurrent_use"},
}


@pytest.mark.slow
def test_each_broken_codec_fails_exactly_the_checks_it_breaks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken_codecs=BROKEN_CODECS)
    outcomes = pytester.inline_run("-p", "no:cacheprovider")
    passed, skipped, failed = outcomes.listoutcomes()
    failures: dict[str, set[str]] = {name: set() for name in EXPECTED_FAILURES}
    for report in failed:
        _, class_name, test_name = report.nodeid.split("::")
        failures[class_name].add(test_name)
    assert failures == EXPECTED_FAILURES
    assert {report.nodeid.split("::")[-1] for report in skipped} == {
        "test_entry_point_matches",
        "test_associated_data_binds_the_value",  # by the codecs that bind no place
    }
    assert passed
