"""Runs in flight across redeployments (key rollout, codec change) and signing-key rotation."""

from __future__ import annotations

import time
from typing import Any

import inngest
import pytest

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.testing import StandIn, call_request, serve_flask

from .figures import count

pytestmark = pytest.mark.slow

CURRENT, NEW = "current-key", "new-key"
FOUR_STEP_ROLLOUT = [
    {"secret_key": CURRENT},
    {"secret_key": CURRENT, "fallback_decryption_keys": [NEW]},
    # The runbook: step 4 comes once nothing written under the old key is needed,
    # so the runs that began before step 3 finish under it.
    {"secret_key": NEW, "fallback_decryption_keys": [CURRENT], "drain": True},
    {"secret_key": NEW},
]
CODEC_CHANGE = [
    {"secret_key": CURRENT, "codec": "secretbox"},
    {"secret_key": CURRENT, "codec": "secretbox"},
    {"secret_key": CURRENT, "codec": "aes-gcm"},
    {"secret_key": CURRENT, "codec": "aes-gcm"},
]


def deployment(server: StandIn, config: dict[str, Any], seen: list[Any]) -> tuple[Any, Any]:
    """A fresh client and function, as a redeployed service would build them."""
    options = dict(config)
    key = options.pop("secret_key")
    options.pop("drain", None)
    client = inngest.Inngest(
        app_id="drill",
        middleware=[EncryptionMiddleware.factory(key, **options)],
        **server.client_options(),
    )

    @client.create_function(fn_id="journey", trigger=inngest.TriggerEvent(event="drill/start"))
    def journey(ctx: inngest.ContextSync) -> dict[str, Any]:
        patient = ctx.event.data["encrypted"]
        collected = [
            ctx.step.run(f"step-{i}", lambda i=i: {"i": i, "who": patient["name"]})
            for i in range(4)
        ]
        seen.append(collected)
        return {"who": patient["name"], "steps": [c["i"] for c in collected]}

    return client, journey


@pytest.mark.parametrize(
    "plan", [FOUR_STEP_ROLLOUT, CODEC_CHANGE], ids=["key-rollout", "codec-change"]
)
def test_runs_in_flight_survive_every_deployment(plan: list[dict[str, Any]]) -> None:
    seen: list[Any] = []
    runs: list[Any] = []
    with StandIn() as server:
        for index, config in enumerate(plan):
            client, journey = deployment(server, config, seen)
            with serve_flask(client, [journey]) as app:
                # Runs started earlier advance by one call under the new deployment...
                for run in runs:
                    if run.running:
                        server.resume(app.url, run, max_calls=1)
                # ...and a new run starts under it.
                client.send_sync(
                    inngest.Event(
                        name="drill/start", data={"encrypted": {"name": f"patient {index}"}}
                    )
                )
                runs.append(
                    server.run(app.url, journey.id, server.latest_event("drill/start"), max_calls=2)
                )
                if config.get("drain"):
                    for run in runs[:-1]:
                        if run.running:
                            server.resume(app.url, run)
        final_client, final_journey = deployment(server, plan[-1], seen)
        with serve_flask(final_client, [final_journey]) as app:
            for run in runs:
                if run.running:
                    server.resume(app.url, run)
    for index, run in enumerate(runs):
        assert run.completed, run.error
        final_keys = Encryptor(plan[-1]["secret_key"], fallback_keys=[CURRENT])
        assert final_keys.decrypt(run.output) == {"who": f"patient {index}", "steps": [0, 1, 2, 3]}
    count("runs carried across deployments", len(runs))


def test_signing_key_rotation_through_the_fallback_signing_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_signing = "signkey-test-" + "11" * 32
    new_signing = "signkey-test-" + "22" * 32
    with StandIn(signing_key=old_signing) as server:
        # The SDK takes its fallback signing key from the environment only.
        monkeypatch.setenv("INNGEST_SIGNING_KEY_FALLBACK", old_signing)
        options = {**server.client_options(), "signing_key": new_signing}
        client = inngest.Inngest(
            app_id="signing", middleware=[EncryptionMiddleware.factory(CURRENT)], **options
        )

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="s/e"))
        def fn(ctx: inngest.ContextSync) -> str:
            return "ran"

        payload = call_request({"name": "s/e", "data": {}, "id": "e", "ts": 1})
        with serve_flask(client, [fn]) as app:
            by_old = server.call(app.url, fn.id, payload, signing_key=old_signing)
            by_new = server.call(app.url, fn.id, payload, signing_key=new_signing)
            by_other = server.call(app.url, fn.id, payload, signing_key="signkey-test-" + "33" * 32)
            stale = server.call(app.url, fn.id, payload, timestamp=int(time.time()) - 600)
            unsigned = server.call(app.url, fn.id, payload, signed=False)
    assert by_old.status_code == 200 and by_new.status_code == 200
    assert Encryptor(CURRENT).decrypt(by_old.json()) == "ran"
    for refused in (by_other, stale, unsigned):
        assert refused.status_code >= 400
    count("signing checks", 5)
