"""Large step outputs through the real SDK over HTTP, with the payload options of the factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_codecs import ConfigError, EncryptionMiddleware, Encryptor
from inngest_codecs.errors import PayloadTooLargeError, StoreError
from inngest_codecs.for_inngest.limits import DEFAULT_MAX_STEP_OUTPUT_BYTES, MiB, encoded_size
from inngest_codecs.offload import LocalDirectoryStore
from inngest_codecs.testing import StandIn, serve_fastapi

from .data import api_response, compressed_blobs

pytestmark = pytest.mark.slow

KEY = "http payloads key"


def test_compressed_and_offloaded_step_outputs_over_http(tmp_path: Path) -> None:
    page = api_response(3_500_000)
    archive = compressed_blobs(64, 96 * 1024)  # 8.4 MB of JSON that compresses only to 6.3 MB
    store = f"file://{tmp_path}"
    seen: list[Any] = []
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="reports",
            middleware=[
                EncryptionMiddleware.factory(
                    KEY, compression="zstd", offload_over=3 * MiB, offload_store=store
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="report", trigger=inngest.TriggerEvent(event="r/run"))
        def report(ctx: inngest.ContextSync) -> dict[str, int]:
            fetched = ctx.step.run("fetch-page", lambda: page)
            files = ctx.step.run("fetch-archive", lambda: archive)
            seen.append((fetched == page, files == archive))
            return {"rows": len(fetched["data"]), "files": len(files)}

        with serve_fastapi(client, [report]) as app:
            run = server.run(app.url, report.id, {"name": "r/run", "data": {}})

    assert run.completed, run.error
    assert seen and seen[-1] == (True, True), "the function saw both outputs whole"
    stored_page, stored_archive = (step["data"] for step in run.steps.values())
    assert encoded_size(Encryptor(KEY).encrypt(page)) > DEFAULT_MAX_STEP_OUTPUT_BYTES
    assert stored_page["__STRATEGY__"] == "inngest/libsodium+zstd"
    assert encoded_size(stored_page) < DEFAULT_MAX_STEP_OUTPUT_BYTES
    assert stored_archive["__STRATEGY__"] == "inngest/libsodium+offload"
    assert encoded_size(stored_archive) < 1024
    reader = Encryptor(KEY, offload_store=store)
    assert reader.decrypt(stored_page) == page
    assert reader.decrypt(stored_archive) == archive
    assert reader.decrypt(run.output) == {"rows": len(page["data"]), "files": 64}


class OutageStore(LocalDirectoryStore):
    """A store configured in code, whose first write and first read meet an outage."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.outages = {"put": 1, "get": 1}

    def _outage(self, method: str) -> None:
        if self.outages[method]:
            self.outages[method] -= 1
            raise StoreError(f"the store is unreachable for a moment ({method})")

    def put(self, name: str, data: bytes) -> None:
        self._outage("put")
        super().put(name, data)

    def get(self, name: str, size: int) -> bytes:
        self._outage("get")
        return super().get(name, size)


def test_a_store_object_through_the_middleware_and_its_outages_are_retried(
    tmp_path: Path,
) -> None:
    page = api_response(200_000)
    store = OutageStore(tmp_path)
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="reports",
            middleware=[
                # No plaintext cache: each call reads the output back, as another worker would.
                EncryptionMiddleware.factory(
                    KEY, offload_over=100_000, offload_store=store, cache_size=0
                )
            ],
            **server.client_options(),
        )

        @client.create_function(fn_id="report", trigger=inngest.TriggerEvent(event="r/run"))
        def report(ctx: inngest.ContextSync) -> int:
            return len(ctx.step.run("fetch-page", lambda: page)["data"])

        with serve_fastapi(client, [report]) as app:
            run = server.run(app.url, report.id, {"name": "r/run", "data": {}})

    assert run.completed, run.error
    assert store.outages == {"put": 0, "get": 0}, "both outages were met, and retried"
    [stored] = run.steps.values()
    assert stored["data"]["__STRATEGY__"] == "inngest/libsodium+offload"
    assert Encryptor(KEY, offload_store=store).decrypt(run.output) == len(page["data"])


def test_offload_store_takes_a_url_or_a_store_object() -> None:
    with pytest.raises(ConfigError, match="'offload_store' must be a store URL or a Store"):
        EncryptionMiddleware.factory(KEY, offload_store=42)  # type: ignore[arg-type]


def test_too_large_outputs_and_events_are_refused_by_name_before_they_leave(
    caplog: pytest.LogCaptureFixture,
) -> None:
    archive = compressed_blobs(64, 96 * 1024)
    with StandIn() as server:
        client = inngest.Inngest(
            app_id="reports",
            middleware=[EncryptionMiddleware.factory(KEY, compression="zstd")],
            **server.client_options(),
        )

        @client.create_function(fn_id="report", trigger=inngest.TriggerEvent(event="r/run"))
        def report(ctx: inngest.ContextSync) -> int:
            return len(ctx.step.run("fetch-archive", lambda: archive))

        with serve_fastapi(client, [report]) as app:
            run = server.run(app.url, report.id, {"name": "r/run", "data": {}})
        with pytest.raises(PayloadTooLargeError) as caught:
            client.send_sync(
                inngest.Event(name="r/big", data={"encrypted": compressed_blobs(4, 96 * 1024)})
            )

    assert run.status == "failed" and run.requests == 1, "ended at once, not retried"
    message = run.error["message"]
    assert "PayloadTooLargeError" in message and "step output 'fetch-archive'" in message
    assert "over the limit of 4,194,304 bytes (max_step_output_bytes)" in message
    assert "bytes as sent" not in message and "before encryption" not in message, "no sizes"
    logged = [r.getMessage() for r in caplog.records if "fetch-archive" in r.getMessage()]
    assert any("before encryption" in line and "offload_over" in line for line in logged)
    assert max(len(exchange.body) for exchange in server.recorder) < MiB
    assert caught.value.name == "r/big" and caught.value.limit == 256 * 1024
    assert server.latest_event("r/big") is None
