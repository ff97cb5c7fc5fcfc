"""Opening documents for ``decrypt``, ``run`` and ``event``: with the operator keyring here,
or through a running codec server (``--codec-endpoint``), which holds the keys instead.

Either way the result is a [`Decoded`][]: the document, which envelopes opened (and
with which tenant's key), and which stayed closed and why.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ..for_inngest.documents import open_with_report
from ..keyring import Keyring
from .decoded import Decoded
from .endpoint import CodecEndpoint
from .io import pick, printable

ENV_CODEC_ENDPOINT = "INNGEST_CODECS_ENDPOINT"
ENV_CODEC_TOKEN = "INNGEST_CODECS_TOKEN"


Decoder = Callable[[Any, "str | None"], Decoded]


def endpoint_of(args: argparse.Namespace) -> CodecEndpoint | None:
    """The codec server ``--codec-endpoint`` (or ``$INNGEST_CODECS_ENDPOINT``) names, if any."""
    url = getattr(args, "codec_endpoint", None) or os.environ.get(ENV_CODEC_ENDPOINT, "").strip()
    if not url:
        return None
    token = getattr(args, "codec_token", None) or os.environ.get(ENV_CODEC_TOKEN, "").strip()
    return CodecEndpoint(url, token or None)


def decoder(args: argparse.Namespace, keyring: Callable[[], Keyring]) -> Decoder:
    """How this command opens a document: through the endpoint, or with the keyring."""
    endpoint = endpoint_of(args)
    if endpoint is not None:

        def remote(document: Any, path: str | None) -> Decoded:
            decoded = endpoint.decode(document)
            decoded.document = pick(decoded.document, path)
            return decoded

        return remote
    ring = keyring()

    def local(document: Any, path: str | None) -> Decoded:
        on_the_way: list[object] = []

        def open_on_the_way(value: Any) -> Any:
            on_the_way.append(value)
            return ring.decrypt(value)

        report = open_with_report(pick(document, path, open_on_the_way), ring)
        return Decoded(
            report.document,
            [(e.path, e.tenant, e.opened_with) for e in report.opened],
            [(f.path, str(f.error)) for f in report.failures],
            len(on_the_way),
        )

    return local


def report(results: Sequence[Decoded], path: str | None) -> int:
    """Tell stderr who opened what and what stayed closed; 1 when something did, else 0."""
    openers = Counter((t or "", k or "?") for d in results for _, t, k in d.opened)
    if len(openers) > 1 or any(tenant for tenant, _ in openers):  # one key: nothing to say
        parts = [
            f"{count} with {'tenant ' + printable(t, 60) if t else 'no tenant'}'s key "
            f"{printable(k, 40)}"
            for (t, k), count in sorted(openers.items())
        ]
        print(f"inngest-codecs: opened {', '.join(parts)}", file=sys.stderr)
    failures = [failure for d in results for failure in d.failures]
    for where, reason in failures[:20]:
        print(f"inngest-codecs: not opened at {where}: {printable(reason, 400)}", file=sys.stderr)
    no_envelope_note(sum(d.found for d in results), path)
    if failures:
        print(f"inngest-codecs: {len(failures)} envelope(s) left encrypted", file=sys.stderr)
        return 1
    return 0


def no_envelope_note(found: int, path: str | None) -> None:
    if found == 0:
        where = f" at {printable(path)}" if path else ""
        print(
            f"inngest-codecs: no envelope in the input{where}; nothing is encrypted there",
            file=sys.stderr,
        )


def add_keys_dir(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--keys-dir",
        metavar="DIR",
        help="also try every key file in DIR, e.g. /run/secrets "
        "(default: $INNGEST_CODECS_KEYS_DIR)",
    )


def add_opening(sub: argparse.ArgumentParser) -> None:
    """``--keys-dir``, ``--codec-endpoint`` and ``--codec-token``."""
    add_keys_dir(sub)
    sub.add_argument(
        "--codec-endpoint",
        metavar="URL",
        help="open envelopes through this codec server instead of with local keys "
        f"(default: ${ENV_CODEC_ENDPOINT})",
    )
    sub.add_argument(
        "--codec-token",
        metavar="TOKEN",
        help=f"your credential for --codec-endpoint (default: ${ENV_CODEC_TOKEN})",
    )
