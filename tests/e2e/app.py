"""A small app used by the end-to-end tests: checkout -> steps, invoke, wait, result."""

from __future__ import annotations

from typing import Any

import inngest

SECRETS = {
    "card": "4111-1111-1111-1111",
    "name": "Ada Lovelace",
    "child": "child-payload-secret",
    "approval": "approved-by-Grace",
    "child_out": "child-output-secret",
}


def build(
    client: inngest.Inngest, *, is_async: bool, seen: list[Any]
) -> list[inngest.Function[Any]]:
    """The checkout function (sync or async) and the child it invokes."""
    trigger = inngest.TriggerEvent(event="shop/checkout")

    @client.create_function(fn_id="receipt", trigger=inngest.TriggerEvent(event="shop/receipt"))
    def receipt(ctx: inngest.ContextSync) -> dict[str, Any]:
        seen.append(("child event", ctx.event.data))
        return {
            "receipt_for": ctx.event.data["encrypted"]["customer"],
            "note": SECRETS["child_out"],
        }

    if is_async:

        @client.create_function(fn_id="checkout", trigger=trigger)
        async def checkout(ctx: inngest.Context) -> dict[str, Any]:
            seen.append(("event", ctx.event.data))

            async def charge() -> dict[str, Any]:
                card = ctx.event.data["encrypted"]["card"]
                return {"charged": card[-4:], "card": card}

            charged = await ctx.step.run("charge", charge)
            seen.append(("step", charged))
            child = await ctx.step.invoke(
                "receipt",
                function=receipt,
                data={"encrypted": {"customer": SECRETS["child"]}, "order": "o-1"},
            )
            seen.append(("invoke", child))
            approval = await ctx.step.wait_for_event(
                "approval", event="shop/approved", timeout=60_000
            )
            seen.append(("wait", approval.data if approval else None))
            return {"charged": charged, "child": child, "name": ctx.event.data["encrypted"]["name"]}

    else:

        @client.create_function(fn_id="checkout", trigger=trigger)
        def checkout(ctx: inngest.ContextSync) -> dict[str, Any]:  # type: ignore[misc]
            seen.append(("event", ctx.event.data))

            def charge() -> dict[str, Any]:
                card = ctx.event.data["encrypted"]["card"]
                return {"charged": card[-4:], "card": card}

            charged = ctx.step.run("charge", charge)
            seen.append(("step", charged))
            child = ctx.step.invoke(
                "receipt",
                function=receipt,
                data={"encrypted": {"customer": SECRETS["child"]}, "order": "o-1"},
            )
            seen.append(("invoke", child))
            approval = ctx.step.wait_for_event("approval", event="shop/approved", timeout=60_000)
            seen.append(("wait", approval.data if approval else None))
            return {"charged": charged, "child": child, "name": ctx.event.data["encrypted"]["name"]}

    return [checkout, receipt]
