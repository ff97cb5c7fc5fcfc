"""atheris target: any bytes, read as JSON, through the envelope parser, the Encryptor and the
document walker. Anything but a value or a CodecError is a crash.

    nox -s fuzz                      # time-boxed
    python fuzz/fuzz_decrypt.py -max_total_time=60
"""

from __future__ import annotations

import base64
import json
import sys

import atheris

with atheris.instrument_imports():
    from inngest_codecs import CodecError, Encryptor
    from inngest_codecs.envelope import parse
    from inngest_codecs.for_inngest import events
    from inngest_codecs.for_inngest.documents import open_envelopes

ENCRYPTORS = [
    Encryptor("fuzz key", fallback_keys=["older"]),
    Encryptor("fuzz key", codec="aes-gcm"),
]
STRATEGIES = ["inngest/libsodium", "inngest-codecs/aes-256-gcm", "inngest/aes", "x/y", None]
SEALED = [e.encrypt({"seed": [1, "two"]}) for e in ENCRYPTORS]


def envelope_from(provider: atheris.FuzzedDataProvider) -> dict[str, object]:
    """An envelope whose strategy and bytes the fuzzer chooses, often a real one altered."""
    base = SEALED[provider.ConsumeIntInRange(0, len(SEALED) - 1)]
    blob = bytearray(base64.b64decode(str(base["data"])))
    for _ in range(provider.ConsumeIntInRange(0, 3)):
        if blob:
            blob[provider.ConsumeIntInRange(0, len(blob) - 1)] ^= provider.ConsumeIntInRange(1, 255)
    if provider.ConsumeBool():
        blob = bytearray(provider.ConsumeBytes(provider.ConsumeIntInRange(0, 120)))
    data: object = base64.b64encode(bytes(blob)).decode()
    if provider.ConsumeIntInRange(0, 7) == 0:
        data = provider.ConsumeUnicodeNoSurrogates(40)
    envelope: dict[str, object] = {"__ENCRYPTED__": True, "data": data}
    strategy = STRATEGIES[provider.ConsumeIntInRange(0, len(STRATEGIES) - 1)]
    if strategy is not None:
        envelope["__STRATEGY__"] = strategy
    return envelope


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    mode = provider.ConsumeIntInRange(0, 3)
    encryptor = ENCRYPTORS[provider.ConsumeIntInRange(0, len(ENCRYPTORS) - 1)]
    try:
        if mode == 0:
            try:
                document = json.loads(provider.ConsumeUnicodeNoSurrogates(4096))
            except (ValueError, RecursionError):
                return
            open_envelopes(document, encryptor.decrypt)
        elif mode == 1:
            envelope = envelope_from(provider)
            parse(envelope)
            encryptor.decrypt(envelope)
        elif mode == 2:
            event = {"plain": 1, "encrypted": envelope_from(provider)}
            events.open_fields(encryptor, event)
        else:
            events.open_fields(encryptor, {**envelope_from(provider), "_inngest": {}})
    except CodecError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
