"""Compression ratio and time on realistic JSON, small-value overhead, and the claim check.

Run alone with ``python -m benchmarks.payloads``; ``nox -s bench`` adds the
section to docs/performance.md.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from inngest_codecs import Encryptor
from inngest_codecs.for_inngest.limits import encoded_size
from inngest_codecs.offload import LocalDirectoryStore, Store
from tests.payloads.data import api_response, compressed_blobs, records

from .cases import KEY, payloads
from .measure import alternate

SMALL_OVERHEAD_TARGET = 1.10


def documents() -> dict[str, Any]:
    return {
        "API response, 1 MB": api_response(1_000_000),
        "list of 2,000 records": records(2_000),
        "base64 of compressed files, 1 MB": compressed_blobs(8, 96 * 1024),
    }


def _round_trip(encryptor: Encryptor, value: Any) -> Callable[[], Any]:
    return lambda: encryptor.decrypt(encryptor.encrypt(value))


def compression() -> dict[str, dict[str, float]]:
    """Sizes (JSON, envelope off and on) and round-trip seconds (off and on) per document."""
    off, on = Encryptor(KEY), Encryptor(KEY, compression="zstd")
    results = {}
    for label, value in documents().items():
        times = alternate(
            {"off": _round_trip(off, value), "on": _round_trip(on, value)}, rounds=5, budget=0.2
        )
        results[label] = {
            "json": len(orjson.dumps(value)),
            "sent off": encoded_size(off.encrypt(value)),
            "sent on": encoded_size(on.encrypt(value)),
            "time off": times["off"],
            "time on": times["on"],
        }
        print(f"  {label}: {results[label]}")
    return results


def small_values() -> dict[str, dict[str, float]]:
    """Round-trip seconds with compression off and on, for values under and over 1 KiB."""
    cases = payloads()
    off, on = Encryptor(KEY), Encryptor(KEY, compression="zstd")
    results = {}
    for label in ("small", "16 KB"):
        value = cases[label]
        results[label] = alternate(
            {"off": _round_trip(off, value), "on": _round_trip(on, value)}, rounds=9, budget=0.1
        )
        print(f"  {label}: {results[label]}")
    return results


@contextlib.contextmanager
def _stores() -> Iterator[dict[str, Store]]:
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        found: dict[str, Store] = {"local directory": LocalDirectoryStore(directory)}
        try:
            import boto3
            from inngest_codecs_s3 import S3Store
            from moto.server import ThreadedMotoServer
        except ImportError:
            yield found
            return
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        stack.callback(server.stop)
        host, port = server.get_host_and_port()
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        client.create_bucket(Bucket="bench")
        found["S3 (moto server, loopback)"] = S3Store("bench", client=client)
        yield found


def offload() -> dict[str, float]:
    """Round-trip seconds of a 6 MB value, inline and through each store."""
    value = api_response(6_000_000)
    with _stores() as stores:
        funcs = {"inline (no offload)": _round_trip(Encryptor(KEY), value)}
        for label, store in stores.items():
            encryptor = Encryptor(KEY, offload_over=1_000_000, offload_store=store)
            funcs[label] = _round_trip(encryptor, value)
        results = alternate(funcs, rounds=3, budget=0.5)
    print(f"  6 MB: {results}")
    return results


def measure() -> dict[str, Any]:
    print("payloads: compression")
    results: dict[str, Any] = {"compression": compression()}
    print("payloads: small values")
    results["small"] = small_values()
    print("payloads: offload")
    results["offload"] = offload()
    return results


def markdown(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Payloads",
        "",
        'Compression (`compression="zstd"`): bytes sent to Inngest and round-trip time',
        "(encrypt, then decrypt), secretbox.",
        "",
        "| document | JSON | sent, off | sent, zstd | ratio | time, off | time, zstd |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, row in results["compression"].items():
        lines.append(
            f"| {label} | {row['json']:,} | {row['sent off']:,} | {row['sent on']:,} "
            f"| {row['sent off'] / row['sent on']:.2f}x | {row['time off'] * 1e3:.1f} ms "
            f"| {row['time on'] * 1e3:.1f} ms |"
        )
    lines += [
        "",
        f"Compression on, against off (target for small values: <= {SMALL_OVERHEAD_TARGET}x;",
        "values under 1 KiB are not compressed):",
        "",
        "| value | off | zstd | ratio |",
        "|---|---|---|---|",
    ]
    for label, row in results["small"].items():
        lines.append(
            f"| {label} | {row['off'] * 1e6:.1f} µs | {row['on'] * 1e6:.1f} µs "
            f"| {row['on'] / row['off']:.2f}x |"
        )
    lines += ["", "Claim check, 6 MB value (`offload_over=1_000_000`):", ""]
    lines += ["| where | round trip |", "|---|---|"]
    lines += [f"| {label} | {t * 1e3:.0f} ms |" for label, t in results["offload"].items()]
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(markdown(measure())))
