"""Per-tenant keys through the middleware, over HTTP: isolation and crypto-shredding."""

from __future__ import annotations

from typing import Any

import inngest
import pytest

from inngest_codecs import DecryptionError, EncryptionMiddleware, Encryptor, UnknownTenantError
from inngest_codecs.envelope import KEY_ID
from inngest_codecs.testing import StandIn, assert_no_plaintext, serve_flask

pytestmark = pytest.mark.slow

DEFAULT, ACME, GLOBEX = "default-key", "acme-key", "globex-key"
ACME_ID = Encryptor(ACME).codec.key_ids[0]


def deploy(server: StandIn, seen: list[Any], **options: Any) -> tuple[Any, Any]:
    client = inngest.Inngest(
        app_id="saas",
        middleware=[EncryptionMiddleware.factory(DEFAULT, tenant_from="data.tenant", **options)],
        **server.client_options(),
    )

    @client.create_function(fn_id="onboard", trigger=inngest.TriggerEvent(event="saas/onboard"))
    def onboard(ctx: inngest.ContextSync) -> dict[str, Any]:
        record = ctx.step.run("record", lambda: {"who": ctx.event.data["encrypted"]["name"]})
        ctx.step.send_event(
            "notify", inngest.Event(name="saas/notified", data={"encrypted": record})
        )
        seen.append((ctx.event.data["tenant"], record))
        return {"welcomed": record["who"]}

    return client, onboard


def test_each_run_writes_under_its_tenants_key_and_shredding_one_spares_the_other() -> None:
    seen: list[Any] = []
    names = {"acme": "Ada of Acme", "globex": "Grace of Globex"}
    with StandIn() as server:
        client, onboard = deploy(server, seen, tenant_keys={"acme": ACME, "globex": GLOBEX})
        runs = {}
        with serve_flask(client, [onboard]) as app:
            for tenant, name in names.items():
                data = {"tenant": tenant, "encrypted": {"name": name}}
                client.send_sync(inngest.Event(name="saas/onboard", data=data))
                event = server.latest_event("saas/onboard")
                runs[tenant] = server.run(app.url, onboard.id, event, max_calls=1)

        acme_record = runs["acme"].steps
        (stored,) = acme_record.values()
        assert stored["data"][KEY_ID] == ACME_ID
        assert Encryptor(ACME).decrypt(stored["data"]) == {"who": names["acme"]}
        for other in (GLOBEX, DEFAULT):
            with pytest.raises(DecryptionError):
                Encryptor(other).decrypt(stored["data"])

        # Acme leaves: its key is removed from the configuration and the tenant revoked.
        shredded, onboard_again = deploy(
            server, seen, tenant_keys={"globex": GLOBEX}, revoked_tenants=["acme"]
        )
        with serve_flask(shredded, [onboard_again]) as app:
            for run in runs.values():
                server.resume(app.url, run)
        # A deploy that merely lacks the tenant writes nothing for it under the default key.
        forgotten, _ = deploy(server, seen, tenant_keys={"globex": GLOBEX})
        late = inngest.Event(name="saas/onboard", data={"tenant": "acme", "encrypted": {"n": 1}})
        with pytest.raises(UnknownTenantError):
            forgotten.send_sync(late)

    acme, globex = runs["acme"], runs["globex"]
    assert acme.status == "failed" and "TenantRevokedError" in str(acme.error)
    assert ACME not in str(acme.error)
    assert globex.completed, globex.error
    assert Encryptor(GLOBEX).decrypt(globex.output) == {"welcomed": names["globex"]}
    notified = server.latest_event("saas/notified")
    assert notified is not None
    assert Encryptor(GLOBEX).decrypt(notified["data"]["encrypted"]) == {"who": names["globex"]}
    assert ("globex", {"who": names["globex"]}) in seen
    assert_no_plaintext(server.recorder, *names.values())
