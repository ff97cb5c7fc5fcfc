"""The command line's entry point under generated input: whatever arrives on stdin or in the
arguments, the CLI exits with a documented status and one line of explanation, never a
traceback, and ``decrypt`` prints strict JSON or nothing. ``nox -s fuzz`` runs the atheris
counterpart (fuzz/fuzz_cli.py)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inngest_codecs import Encryptor, envelope
from inngest_codecs.cli import EXIT_INTERNAL, main
from inngest_codecs.codecs.secretbox import SecretBoxCodec
from inngest_codecs.keys import KeySet

from ..reliability.figures import count

KEY = "fuzz-cli-key"
DOCUMENTED = {0, 1, 2, 3, 4, 130}
NETWORKED = {"serve", "demo", "run", "event"}
_CODEC = SecretBoxCodec(KeySet.build(KEY))


def _sealed_raw(plaintext: bytes) -> dict[str, Any]:
    """An envelope holding any bytes at all, even ones that are not JSON."""
    return envelope.build(_CODEC.strategy, _CODEC.encrypt(plaintext))


strategies = st.sampled_from(
    ["inngest/libsodium", "inngest-codecs/aes-256-gcm", "", "x\ty\n\x1b[31m", "\ud800", "A" * 3000]
)
envelopes = st.one_of(
    st.builds(lambda v: Encryptor(KEY).encrypt(v), st.integers() | st.text(max_size=20)),
    st.builds(
        _sealed_raw,
        st.sampled_from(
            [b"1e400", b'"\\ud800"', b"NaN", b"\xff", b"1" * 5000, b"[" * 2000, b"{}", b""]
        ),
    ),
    st.builds(
        lambda strategy, data: {"__ENCRYPTED__": True, "__STRATEGY__": strategy, "data": data},
        strategies | st.integers(),
        st.text(max_size=12) | st.none(),
    ),
)

pytestmark = pytest.mark.slow
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | envelopes,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def _as_bytes(value: Any, style: int) -> bytes:
    text = json.dumps(value)  # NaN, Infinity and lone-surrogate escapes come through as written
    if style == 1:
        return "\n".join(
            json.dumps(item) for item in (value if isinstance(value, list) else [value])
        ).encode()
    if style == 2:
        return text.encode()[: max(1, len(text) // 2)]
    return text.encode()


inputs = st.one_of(
    st.builds(_as_bytes, values, st.integers(0, 2)),
    st.binary(max_size=64),
    st.sampled_from([b"1" * 5000, b"[" * 50_000, b"\xef\xbb\xbf{}", b'"\\udc80"', b"1e400"]),
)
argvs = st.one_of(
    st.sampled_from(
        [
            ["decrypt", "--key", KEY],
            ["decrypt", "--key", KEY, "--lines"],
            ["decrypt", "--key", KEY, "--path", "a.b[0]"],
            ["decrypt", "--key", "\udcff"],
            ["decrypt", "--key", KEY, "--fallback-key", "  "],
            ["encrypt", "--key", KEY],
            ["encrypt", "--key", KEY, "--codec", "aes-gcm", "--lines"],
            ["inspect"],
            ["inspect", "--lines"],
            ["inspect", "--path", "$[0]..x"],
            ["key-id", "--key", KEY],
            ["decrypt"],
            ["run", "../x"],
        ]
    ),
    # Random words, never a command that serves, runs the demo or calls the network.
    st.lists(st.text(max_size=10), max_size=4).filter(lambda a: not a or a[0] not in NETWORKED),
)


def run_cli(argv: list[str], data: bytes) -> tuple[int, str, str]:
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stderr = io.StringIO()
    saved = sys.stdin
    sys.stdin = stdin
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status = main(argv)
            except SystemExit as exit_:  # argparse's usage errors and --help
                status = int(exit_.code or 0)
        stdout.flush()
    finally:
        sys.stdin = saved
    out = stdout.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    return status, out, stderr.getvalue()


def _reject(name: str) -> Any:
    raise ValueError(name)


@settings(max_examples=300)
@given(argvs, inputs)
def test_the_cli_never_trips(argv: list[str], data: bytes) -> None:
    status, out, err = run_cli(argv, data)
    assert status in DOCUMENTED and status != EXIT_INTERNAL, (status, err)
    assert "Traceback" not in err
    if status not in (0, 1) and argv[:1] != ["--help"]:
        assert err.startswith(("inngest-codecs: ", "usage: ")), err
    assert KEY not in err
    if argv[:1] == ["decrypt"] and "--lines" not in argv and out:
        json.loads(out, parse_constant=_reject)  # strict JSON, never Infinity or NaN
    count("CLI runs on generated input", 1)
