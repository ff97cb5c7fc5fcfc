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
        tenant = ctx.event.data["tenant"]
        ctx.step.send_event(
            "notify",
            inngest.Event(name="saas/notified", data={"tenant": tenant, "encrypted": record}),
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
    assert notified["data"]["tenant"] == "globex", "the tenant field stays readable"
    assert ("globex", {"who": names["globex"]}) in seen
    assert_no_plaintext(server.recorder, *names.values())


CARD = "4111-acme-card"


def tenant_client(server: StandIn) -> inngest.Inngest:
    factory = EncryptionMiddleware.factory(
        DEFAULT, tenant_keys={"acme": ACME}, tenant_from="data.tenant", encrypt_errors=True
    )
    return inngest.Inngest(app_id="saas", middleware=[factory], **server.client_options())


def test_an_on_failure_handler_runs_under_the_failed_runs_tenant() -> None:
    seen: list[Any] = []
    with StandIn() as server:
        client = tenant_client(server)

        def on_failure(ctx: inngest.ContextSync) -> str:
            original = ctx.event.data["event"]["data"]
            seen.append((original["encrypted"], ctx.event.data["error"]["message"]))
            return "handled"

        @client.create_function(
            fn_id="charge",
            trigger=inngest.TriggerEvent(event="saas/charge"),
            retries=0,
            on_failure=on_failure,
        )
        def charge(ctx: inngest.ContextSync) -> None:
            raise inngest.NonRetriableError(f"declined {ctx.event.data['encrypted']['card']}")

        data = {"tenant": "acme", "encrypted": {"card": CARD}}
        with serve_flask(client, [charge]) as app:
            client.send_sync(inngest.Event(name="saas/charge", data=data))
            failed = server.run(app.url, charge.id, server.latest_event("saas/charge") or {})
            failure = server.run_on_failure(app.url, charge.on_failure_fn_id or "", failed)

    assert failed.status == "failed"
    assert failure.completed, failure.error
    assert seen == [({"card": CARD}, f"declined {CARD}")]
    assert Encryptor(ACME).decrypt(failure.output) == "handled"
    assert_no_plaintext(server.recorder, CARD)


def test_an_invoked_function_runs_under_its_callers_tenant() -> None:
    seen: list[Any] = []
    with StandIn() as server:
        client = tenant_client(server)

        @client.create_function(fn_id="receipt", trigger=inngest.TriggerEvent(event="saas/r"))
        def receipt(ctx: inngest.ContextSync) -> dict[str, Any]:
            seen.append(ctx.event.data)
            return {"sent": ctx.event.data["encrypted"]["card"]}

        @client.create_function(fn_id="checkout", trigger=inngest.TriggerEvent(event="saas/buy"))
        def checkout(ctx: inngest.ContextSync) -> Any:
            payload = {"encrypted": ctx.event.data["encrypted"]}  # names no tenant
            return ctx.step.invoke("receipt", function=receipt, data=payload)

        data = {"tenant": "acme", "encrypted": {"card": CARD}}
        with serve_flask(client, [receipt, checkout]) as app:
            client.send_sync(inngest.Event(name="saas/buy", data=data))
            bought = server.run(app.url, checkout.id, server.latest_event("saas/buy") or {})

    assert bought.completed, bought.error
    assert seen == [{"encrypted": {"card": CARD}}], "the carried tenant is taken out"
    assert Encryptor(ACME).decrypt(bought.output) == {"sent": CARD}
    assert_no_plaintext(server.recorder, CARD)
