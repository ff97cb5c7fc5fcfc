"""aws-kms against a KMS that hangs, fails or is lied to: callers never queue behind one call.

A request is held unanswered at the local KMS server (``LocalKms.hold``) for
as long as a test wants; the tests wait on events, never on time, and the
bound on every wait only keeps a broken build from hanging the suite.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from inngest_codecs import DecryptionError, Encryptor, KeyConfigError
from inngest_codecs.errors import EncryptionError

from .conftest import kms_module

pytestmark = pytest.mark.slow

layout = kms_module("inngest_codecs_aws_kms.layout")
testing = kms_module("inngest_codecs_aws_kms.testing")

RECORD = {"invoice": 42, "lines": ["a", "b"]}
GUARD = 60.0
"""Seconds any wait may take before the test fails instead of hanging (never reached when green)."""


class Caller(threading.Thread):
    """``call()`` in a thread of its own, keeping its result or its error."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as error:  # kept for the test to look at
            self.error = error
        finally:
            self.done.set()


def started(call: Callable[[], Any]) -> Caller:
    caller = Caller(call)
    caller.start()
    return caller


def wrapped_key(sealed: dict[str, Any]) -> str:
    """The base64 of the wrapped data key in a value, as a Decrypt request carries it."""
    data = base64.b64decode(sealed["data"])
    return base64.b64encode(layout.parse(data).wrapped_key).decode()


def decrypting(sealed: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """Matches the Decrypt request of the data key of ``sealed``."""
    wanted = wrapped_key(sealed)
    return lambda request: request.get("CiphertextBlob") == wanted


def aws_kms(key: str, **options: Any) -> Encryptor:
    """An Encryptor of the aws-kms codec with these codec options."""
    return Encryptor(key, codec="aws-kms", codec_options=options)


@pytest.fixture
def kms(local_kms: Any) -> Iterator[Any]:
    local_kms.reset_counts()
    yield local_kms


def test_a_caller_does_not_queue_behind_another_data_keys_hanging_decrypt(
    kms: Any, kms_key: str
) -> None:
    # Two writers, two data keys; one reader opens both at once while KMS hangs on the first.
    first = aws_kms(kms_key).encrypt(RECORD)
    second = aws_kms(kms_key).encrypt({"other": True})
    reader = aws_kms(kms_key, read_timeout=GUARD)  # held for as long as the test needs
    with kms.hold("Decrypt", decrypting(first)) as stalled:
        a = started(lambda: reader.decrypt(first))
        assert stalled.arrived.wait(GUARD), "caller A's Decrypt never reached KMS"
        b = started(lambda: reader.decrypt(second))
        assert b.done.wait(GUARD), "caller B waited for caller A's hanging KMS call"
        assert b.error is None and b.result == {"other": True}
        assert not a.done.is_set(), "caller A is still waiting for KMS"
        stalled.release()
        assert a.done.wait(GUARD)
    assert a.error is None and a.result == RECORD
    assert kms.requests["Decrypt"] == 2


def test_callers_of_one_data_key_share_its_decrypt(kms: Any, kms_key: str) -> None:
    sealed = aws_kms(kms_key).encrypt(RECORD)
    reader = aws_kms(kms_key, read_timeout=GUARD)
    with kms.hold("Decrypt", decrypting(sealed)) as stalled:
        callers = [started(lambda: reader.decrypt(sealed))]
        assert stalled.arrived.wait(GUARD)
        callers += [started(lambda: reader.decrypt(sealed)) for _ in range(7)]
        stalled.release()
        assert all(caller.done.wait(GUARD) for caller in callers)
    assert [caller.result for caller in callers] == [RECORD] * 8
    assert kms.requests["Decrypt"] == 1


def test_encrypting_callers_share_one_failed_generate_data_key(kms: Any, kms_key: str) -> None:
    # The KMS key is disabled while the first GenerateDataKey hangs: the callers waiting for
    # that data key get its failure, they do not each ask KMS in turn.
    writer = aws_kms(kms_key, failure_max_age=3600, read_timeout=GUARD)
    try:
        with kms.hold("GenerateDataKey") as stalled:
            callers = [started(lambda: writer.encrypt(RECORD))]
            assert stalled.arrived.wait(GUARD)
            callers += [started(lambda: writer.encrypt(RECORD)) for _ in range(3)]
            kms.disable_key(kms_key)
            stalled.release()
            assert all(caller.done.wait(GUARD) for caller in callers)
    finally:
        kms.enable_key(kms_key)
    for caller in callers:
        assert isinstance(caller.error, EncryptionError)
        assert "DisabledException" in str(caller.error)
    assert kms.requests["GenerateDataKey"] == 1


def test_a_refused_data_key_is_remembered_so_a_burst_of_it_costs_one_call(
    kms: Any, kms_key: str
) -> None:
    sealed = aws_kms(kms_key).encrypt(RECORD)
    data = bytearray(base64.b64decode(sealed["data"]))
    header = layout.parse(bytes(data)).header
    data[len(header) - 10] ^= 1  # inside the wrapped key: KMS refuses it
    forged = {**sealed, "data": base64.b64encode(bytes(data)).decode()}
    reader = aws_kms(kms_key, failure_max_age=3600)
    for _ in range(50):
        with pytest.raises(DecryptionError) as caught:
            reader.decrypt(forged)
        assert not caught.value.permanent
        assert "InvalidCiphertextException" in str(caught.value)
    assert kms.requests["Decrypt"] == 1
    assert reader.decrypt(sealed) == RECORD  # other data keys are not affected


def test_a_hanging_kms_call_ends_at_the_read_timeout(
    kms: Any, kms_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    writer = aws_kms(kms_key, read_timeout=0.5)
    with kms.hold("GenerateDataKey") as stalled:
        caller = started(lambda: writer.encrypt(RECORD))
        assert caller.done.wait(GUARD), "the KMS call outlived its read timeout"
        assert stalled.arrived.is_set()
    assert isinstance(caller.error, EncryptionError)
    assert "ReadTimeoutError" in str(caller.error)
    assert aws_kms(kms_key).encrypt(RECORD)["data"]  # KMS answers again


def _forged_arn(key_arn: str, *, region: str, account: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_arn.rsplit('/', 1)[1]}"


def _with_key_arn(sealed: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    data = base64.b64decode(sealed["data"])
    assert len(old) == len(new)
    return {**sealed, "data": base64.b64encode(data.replace(old.encode(), new.encode())).decode()}


def test_a_value_never_chooses_the_region_or_key_kms_is_asked_with(kms: Any, kms_key: str) -> None:
    # A bare key id is configured; the header names the same key id in another region and
    # account. KMS is asked only with the configured id, in the configured region.
    key_id = kms_key.rsplit("/", 1)[1]
    sealed = aws_kms(key_id).encrypt(RECORD)
    elsewhere = _forged_arn(kms_key, region="eu-west-3", account="999999999999")
    forged = _with_key_arn(sealed, kms_key, elsewhere)
    kms.reset_counts()
    with pytest.raises(DecryptionError) as caught:
        aws_kms(key_id).decrypt(forged)
    assert kms.calls == [testing.Call("Decrypt", testing.REGION, key_id)]
    # The wrapped key is genuine, so it opens; the header it is bound to was changed.
    assert caught.value.permanent and "altered" in str(caught.value)


def test_an_alias_arn_refuses_keys_of_other_accounts_without_asking_kms(
    kms: Any, kms_key: str
) -> None:
    kms.client().create_alias(AliasName="alias/billing-arn", TargetKeyId=kms_key)
    account = kms_key.split(":")[4]
    alias_arn = f"arn:aws:kms:{testing.REGION}:{account}:alias/billing-arn"
    sealed = aws_kms(alias_arn).encrypt(RECORD)
    assert aws_kms(alias_arn).decrypt(sealed) == RECORD
    forged = _with_key_arn(
        sealed, kms_key, _forged_arn(kms_key, region=testing.REGION, account="999999999999")
    )
    kms.reset_counts()
    with pytest.raises(DecryptionError, match="not in the key set"):
        aws_kms(alias_arn).decrypt(forged)
    assert kms.requests["Decrypt"] == 0


@pytest.mark.parametrize("option", ["connect_timeout", "read_timeout", "failure_max_age"])
@pytest.mark.parametrize("value", [0, -1, "5", True, float("nan")], ids=repr)
def test_timeouts_are_checked(option: str, value: object) -> None:
    with pytest.raises(KeyConfigError, match=option):
        aws_kms("alias/a", **{option: value})
