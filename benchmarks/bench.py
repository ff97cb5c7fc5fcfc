"""The performance suite behind ``nox -s bench`` and ``docs/performance.md``.

Every comparison runs side by side in one process, alternating contenders round
by round; each figure is the median of the rounds, reported beside a ratio.
Writes ``results.json``, ``performance-table.md`` and ``roundtrip.png`` to the
output folder and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY = "benchmark-key-0123456789abcdef0123456789"
SIZES = {"small": 130, "16 KB": 16 * 1024, "4 MB": 4 * 1024 * 1024}


def make_value(target: int) -> Any:
    """A JSON object of about ``target`` bytes when serialized compactly."""
    if target <= 200:
        return {
            "id": "evt_01HZX3K9Q2",
            "user": {"email": "someone@example.com", "plan": "pro"},
            "seats": 12,
            "active": True,
            "score": 3.25,
            "tags": ["a", "b"],
        }
    items = []
    size = 2
    i = 0
    while size < target:
        item = {"id": i, "name": f"item number {i}", "price": i * 1.25, "ok": i % 2 == 0}
        items.append(item)
        size += len(json.dumps(item, separators=(",", ":"))) + 1
        i += 1
    return {"items": items}


def alternate(
    contenders: dict[str, Callable[[], object]], rounds: int, budget: float
) -> dict[str, float]:
    """Median seconds per call of each contender, rounds interleaved."""
    calls = {}
    for name, fn in contenders.items():  # calibrate: about budget seconds per round
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-7)
        calls[name] = max(1, int(budget / once))
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn, n = contenders[name], calls[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(times) for name, times in samples.items()}


def roundtrips(value: Any) -> dict[str, Callable[[], object]]:
    import binascii

    import inngest
    import orjson
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from inngest_encryption.main import EncryptionMiddleware as AnchorMiddleware
    from nacl import bindings

    from inngest_codecs import Encryptor

    anchor = AnchorMiddleware(inngest.Inngest(app_id="bench", is_production=False), None, KEY)
    secretbox = Encryptor(KEY, codec="secretbox")
    aesgcm = Encryptor(KEY, codec="aes-gcm")
    raw_key = os.urandom(32)
    aead = AESGCM(raw_key)
    aad = b"\x01abcdinngest-codecs/aes-256-gcm"

    def raw_aesgcm() -> object:
        nonce = os.urandom(12)
        data = binascii.b2a_base64(
            nonce + aead.encrypt(nonce, orjson.dumps(value), aad), newline=False
        )
        blob = binascii.a2b_base64(data)
        return orjson.loads(aead.decrypt(blob[:12], blob[12:], aad))

    def raw_secretbox() -> object:
        nonce = os.urandom(24)
        box = bindings.crypto_secretbox_easy(orjson.dumps(value), nonce, raw_key)
        data = binascii.b2a_base64(nonce + box, newline=False)
        blob = binascii.a2b_base64(data)
        return orjson.loads(bindings.crypto_secretbox_open_easy(blob[24:], blob[:24], raw_key))

    return {
        "inngest_encryption": lambda: anchor._decrypt(anchor._encrypt(value)),
        "secretbox": lambda: secretbox.decrypt(secretbox.encrypt(value)),
        "aes-gcm": lambda: aesgcm.decrypt(aesgcm.encrypt(value)),
        "raw secretbox": raw_secretbox,
        "raw aes-gcm": raw_aesgcm,
    }


def bench_roundtrips(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, target in SIZES.items():
        value = make_value(target)
        size = len(json.dumps(value, separators=(",", ":")))
        big = target > 1_000_000
        rounds = (5 if quick else 9) if big else (9 if quick else 21)
        medians = alternate(roundtrips(value), rounds, 0.05 if big else 0.02)
        anchor = medians["inngest_encryption"]
        out[label] = {
            "bytes": size,
            "seconds": medians,
            "vs_inngest_encryption": {k: v / anchor for k, v in medians.items()},
            "vs_raw": {
                "secretbox": medians["secretbox"] / medians["raw secretbox"],
                "aes-gcm": medians["aes-gcm"] / medians["raw aes-gcm"],
            },
        }
    return out


def bench_middleware(quick: bool) -> dict[str, Any]:
    import inngest
    from inngest.experimental import mocked

    payload = {"blob": "x" * 1000}

    def build(middleware: list[Any]) -> Callable[[], object]:
        client = mocked.Inngest(app_id="bench", middleware=middleware)

        @client.create_function(fn_id="ten-steps", trigger=inngest.TriggerEvent(event="bench"))
        def ten_steps(ctx: inngest.ContextSync) -> str:
            for i in range(10):
                ctx.step.run(f"step-{i}", lambda: payload)
            return "done"

        event = inngest.Event(name="bench", data={"n": 1})

        def run() -> object:
            result = mocked.trigger(ten_steps, event, client)
            assert result.status is mocked.Status.COMPLETED
            return result

        return run

    from inngest_encryption import EncryptionMiddleware as AnchorMiddleware

    contenders = {
        "no middleware": build([]),
        "inngest_encryption": build([AnchorMiddleware.factory(KEY)]),
    }
    try:
        from inngest_codecs import EncryptionMiddleware  # type: ignore[attr-defined]
    except ImportError:
        ours = None
    else:
        ours = EncryptionMiddleware.factory(KEY)
        contenders["inngest_codecs"] = build([ours])
    medians = alternate(contenders, 9 if quick else 21, 0.05)
    base = medians["no middleware"]
    return {
        "runner": "inngest.experimental.mocked",
        "seconds": medians,
        "overhead_vs_none": {k: v / base - 1 for k, v in medians.items()},
        "ours_available": ours is not None,
    }


COLD = {
    "import inngest": "import inngest",
    "inngest + inngest_codecs": (
        "import inngest, inngest_codecs\n"
        "inngest_codecs.available_codecs()\n"
        "inngest_codecs.Encryptor(KEY, codec='secretbox')\n"
        "try:\n"
        "    from inngest_codecs import EncryptionMiddleware\n"
        "except ImportError:\n"
        "    pass\n"
        "else:\n"
        "    client = inngest.Inngest(app_id='b', is_production=False)\n"
        "    EncryptionMiddleware.factory(KEY)(client, None)\n"
    ),
}


def bench_cold_start(quick: bool) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in COLD}
    for _ in range(7 if quick else 15):
        for name, code in COLD.items():
            script = (
                "import time; t = time.perf_counter()\n"
                f"KEY = {KEY!r}\n{code}\n"
                "print(time.perf_counter() - t)"
            )
            done = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True
            )
            samples[name].append(float(done.stdout.strip().splitlines()[-1]))
    medians = {name: statistics.median(v) for name, v in samples.items()}
    return {
        "seconds": medians,
        "extra_ms": (medians["inngest + inngest_codecs"] - medians["import inngest"]) * 1000,
        "ratio": medians["inngest + inngest_codecs"] / medians["import inngest"],
    }


def traced(call: Callable[[], object]) -> tuple[float, float, object]:
    """(peak bytes above the start, bytes still held after, result) of one call."""
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    result = call()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before, after - before, result


def bench_memory() -> dict[str, Any]:
    """Peak memory of one encrypt and one decrypt of the 4 MB value.

    ``peak`` counts everything allocated during the call, the result included
    (a decrypted value is a tree of Python objects, many times its JSON size,
    whoever decodes it); ``working`` leaves the result out: the memory the
    call needs on top of what it hands back.
    """
    import inngest
    from inngest_encryption.main import EncryptionMiddleware as AnchorMiddleware

    from inngest_codecs import Encryptor

    value = make_value(SIZES["4 MB"])
    size = len(json.dumps(value, separators=(",", ":")))
    anchor = AnchorMiddleware(inngest.Inngest(app_id="bench", is_production=False), None, KEY)
    contenders: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "inngest_encryption": (anchor._encrypt, anchor._decrypt),
    }
    for codec in ("secretbox", "aes-gcm"):
        encryptor = Encryptor(KEY, codec=codec)
        contenders[codec] = (encryptor.encrypt, encryptor.decrypt)
    out: dict[str, Any] = {"bytes": size}
    for name, (encrypt, decrypt) in contenders.items():
        encrypt(value)  # warm caches outside the trace
        enc_peak, enc_held, envelope = traced(lambda e=encrypt: e(value))
        dec_peak, dec_held, _ = traced(lambda d=decrypt, env=envelope: d(env))
        out[name] = {
            "encrypt_peak_x": enc_peak / size,
            "encrypt_working_x": (enc_peak - enc_held) / size,
            "decrypt_peak_x": dec_peak / size,
            "decrypt_working_x": (dec_peak - dec_held) / size,
        }
    return out


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def table(results: dict[str, Any]) -> str:
    rt = results["roundtrip"]
    lines = [
        "### Value round trip (encrypt then decrypt), medians",
        "",
        "| value | inngest_encryption | secretbox | aes-gcm "
        "| secretbox / anchor | aes-gcm / anchor "
        "| secretbox / raw | aes-gcm / raw |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rt.items():
        s, v = r["seconds"], r["vs_inngest_encryption"]
        lines.append(
            f"| {label} ({r['bytes']:,} B) | {fmt_time(s['inngest_encryption'])} "
            f"| {fmt_time(s['secretbox'])} | {fmt_time(s['aes-gcm'])} "
            f"| {v['secretbox']:.2f}x | {v['aes-gcm']:.2f}x "
            f"| {r['vs_raw']['secretbox']:.2f}x | {r['vs_raw']['aes-gcm']:.2f}x |"
        )
    mw = results["middleware"]
    lines += [
        "",
        f"### Middleware overhead: 10 steps of 1 KB each ({mw['runner']}), medians",
        "",
        "| middleware | per run | over no middleware |",
        "|---|---|---|",
    ]
    for name, sec in mw["seconds"].items():
        lines.append(f"| {name} | {fmt_time(sec)} | {mw['overhead_vs_none'][name] * 100:+.1f}% |")
    if not mw["ours_available"]:
        lines.append(
            "| inngest_codecs | not measured: `EncryptionMiddleware` not present in this build | |"
        )
    cold = results["cold_start"]
    lines += [
        "",
        "### Cold start in a fresh process, medians",
        "",
        "| what | time | beyond `import inngest` |",
        "|---|---|---|",
    ]
    for name, sec in cold["seconds"].items():
        extra = (sec - cold["seconds"]["import inngest"]) * 1000
        lines.append(
            f"| {name} | {fmt_time(sec)} | {extra:+.1f} ms "
            f"({sec / cold['seconds']['import inngest']:.2f}x) |"
        )
    mem = results["memory"]
    lines += [
        "",
        f"### Peak traced memory for the 4 MB value ({mem['bytes']:,} B), "
        "as a multiple of its size",
        "",
        "| codec | encrypt | decrypt |",
        "|---|---|---|",
    ]
    for codec in ("secretbox", "aes-gcm"):
        lines.append(
            f"| {codec} | {mem[codec]['encrypt_x']:.2f}x | {mem[codec]['decrypt_x']:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def targets(results: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    """(target, measured as text, measured, limit) for each target of the suite."""
    rt = results["roundtrip"]
    small, large = rt["small"], rt["4 MB"]
    rows = [
        (
            "small round trip, secretbox / inngest_encryption",
            small["vs_inngest_encryption"]["secretbox"],
            0.5,
        ),
        (
            "small round trip, aes-gcm / inngest_encryption",
            small["vs_inngest_encryption"]["aes-gcm"],
            0.35,
        ),
        (
            "4 MB round trip, secretbox / inngest_encryption",
            large["vs_inngest_encryption"]["secretbox"],
            0.5,
        ),
        (
            "4 MB round trip, aes-gcm / inngest_encryption",
            large["vs_inngest_encryption"]["aes-gcm"],
            0.5,
        ),
        ("4 MB round trip, secretbox / raw parts", large["vs_raw"]["secretbox"], 1.25),
        ("4 MB round trip, aes-gcm / raw parts", large["vs_raw"]["aes-gcm"], 1.25),
    ]
    out = [
        (name, f"{value:.2f}x (target <= {limit}x)", value, limit) for name, value, limit in rows
    ]
    mw = results["middleware"]
    if mw["ours_available"]:
        over = mw["overhead_vs_none"]["inngest_codecs"] * 100
        out.append(
            ("middleware overhead, 10 steps (mocked)", f"{over:+.1f}% (target <= 5%)", over, 5.0)
        )
    extra = results["cold_start"]["extra_ms"]
    out.append(
        ("cold start beyond import inngest", f"{extra:.1f} ms (target <= 30 ms)", extra, 30.0)
    )
    for codec in ("secretbox", "aes-gcm"):
        m = results["memory"][codec]
        peak = max(m["encrypt_working_x"], m["decrypt_working_x"])
        out.append((f"working memory, 4 MB, {codec}", f"{peak:.2f}x (target <= 4x)", peak, 4.0))
    return out


def page(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Performance",
        "",
        "Generated by `nox -s bench` (`benchmarks/bench.py`); do not edit by hand.",
        "Contenders run side by side in one process, alternating round by round; every",
        "figure is a median. `inngest_encryption` is the 0.1.0 package this one replaces",
        "(its `EncryptionMiddleware._encrypt` / `_decrypt`). *Raw parts* is the same work",
        "done by the bare calls alone: orjson, the AEAD call, binascii base64.",
        "",
        f"Measured {m['date']} on {m['cpu']} ({m['cpus']} CPUs, shared), {m['platform']},",
        f"{m['implementation']} {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + ".",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for name, text, value, limit in targets(results):
        verdict = "yes" if value <= limit else f"no, by {value / limit:.2f}x"
        lines.append(f"| {name} | {text} | {verdict} |")
    lines += [
        "",
        "## Figures",
        "",
        table(results),
        "![Round trip against value size](performance/roundtrip.png)",
        "",
    ]
    return "\n".join(lines)


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rt = results["roundtrip"]
    sizes = [r["bytes"] for r in rt.values()]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, style in [
        ("inngest_encryption", "o-"),
        ("secretbox", "s-"),
        ("aes-gcm", "^-"),
        ("raw secretbox", "s:"),
        ("raw aes-gcm", "^:"),
    ]:
        ax.plot(sizes, [r["seconds"][name] * 1e6 for r in rt.values()], style, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("value size (bytes of compact JSON)")
    ax.set_ylabel("round trip, median (µs)")
    ax.set_title("Encrypt + decrypt cost against value size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import importlib.metadata as md

    versions = {
        dist: md.version(dist)
        for dist in (
            "inngest",
            "inngest-encryption",
            "PyNaCl",
            "cryptography",
            "orjson",
            "stevedore",
        )
    }
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--page", type=Path, help="also write the Markdown page here")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine()}
    results["roundtrip"] = bench_roundtrips(args.quick)
    results["middleware"] = bench_middleware(args.quick)
    results["cold_start"] = bench_cold_start(args.quick)
    results["memory"] = bench_memory()
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    (args.out / "performance-table.md").write_text(text)
    chart(results, args.out / "roundtrip.png")
    if args.page:
        args.page.write_text(page(results))
    print(text)
    for _name, verdict, _value, _limit in targets(results):
        print(f"{_name}: {verdict}")


if __name__ == "__main__":
    main()
