"""Test your functions for leaks: a stand-in Inngest server that records what the SDK sends.

This is a test double, not an Inngest server (which cannot be installed
everywhere tests run). It drives the real ``inngest`` SDK over real HTTP on
loopback:

```python
with StandIn() as server:
    client = inngest.Inngest(app_id="shop", middleware=[...], **server.client_options())
    with serve_fastapi(client, [checkout]) as app:
        client.send_sync(inngest.Event(name="shop/checkout", data={"encrypted": card}))
        run = server.run(app.url, checkout.id, server.latest_event("shop/checkout"))
    assert run.completed
    assert_no_plaintext(server.recorder, card["number"])
```
"""

from .recorder import Exchange, Recorder, assert_no_plaintext
from .runner import Run
from .serving import (
    ServedApp,
    serve_asgi,
    serve_digital_ocean,
    serve_django,
    serve_fastapi,
    serve_flask,
    serve_tornado,
)
from .signing import call_request, sign
from .standin import StandIn
from .storage import stored_step_id
from .stores import GatedStore

__all__ = [
    "Exchange",
    "GatedStore",
    "Recorder",
    "Run",
    "ServedApp",
    "StandIn",
    "assert_no_plaintext",
    "call_request",
    "serve_asgi",
    "serve_digital_ocean",
    "serve_django",
    "serve_fastapi",
    "serve_flask",
    "serve_tornado",
    "sign",
    "stored_step_id",
]
