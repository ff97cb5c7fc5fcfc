"""Realtime messages: refused in plaintext, offered encrypted.

``inngest.experimental.realtime.publish`` (and ``publish_sync``) post a
message straight to Inngest; no middleware hook sees it. So once this
middleware serves a client (its first request or send), the client's publishing
is guarded: a message that is not an envelope is refused with
`PlaintextRefusedError` and nothing is sent, unless the call runs inside
`plaintext_allowed()`.

`publish` and `publish_sync` here send the message as one envelope, under the
key of the run that publishes (its tenant's) or, outside a run, the client's
middleware key. Subscribers receive the envelope as the message's data and
open it where the key is: ``Encryptor(key).decrypt(message_data)`` in Python,
``inngest-codecs decrypt`` on the command line, or the codec server.
"""

from __future__ import annotations

import contextlib
import contextvars
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import inngest

from .. import envelope
from ..encryptor import Encryptor
from ..errors import PlaintextRefusedError
from . import forwarding
from .binding import Factory

PUBLISH_PATH = "/v1/realtime/publish"
_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inngest_codecs_plaintext_publish", default=False
)


@contextlib.contextmanager
def plaintext_allowed() -> Iterator[None]:
    """Let ``inngest.experimental.realtime.publish`` send plaintext within this block."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def _check(url: str, body: object) -> None:
    if urllib.parse.urlsplit(url).path.rstrip("/") != PUBLISH_PATH:
        return
    if envelope.is_envelope(body) or _allowed.get():
        return
    raise PlaintextRefusedError(
        "a realtime message would reach Inngest in plaintext: refused, nothing was sent; "
        "publish it encrypted with inngest_codecs.middleware.realtime.publish (or "
        "publish_sync), or wrap the call in realtime.plaintext_allowed()"
    )


def guard(client: inngest.Inngest) -> None:
    """Check every realtime message ``client`` publishes (once per client)."""
    http: Any = client._http_client
    if getattr(http, "inngest_codecs_guarded", False):
        return
    post: Callable[..., Any] = http.post
    post_sync: Callable[..., Any] = http.post_sync

    async def guarded_post(url: str, body: object) -> Any:
        _check(url, body)
        return await post(url, body)

    def guarded_post_sync(url: str, body: object) -> Any:
        _check(url, body)
        return post_sync(url, body)

    http.post, http.post_sync = guarded_post, guarded_post_sync
    http.inngest_codecs_guarded = True


def _sealed(
    client: inngest.Inngest, data: Mapping[str, object], encryptor: Encryptor | None
) -> dict[str, Any]:
    if encryptor is None:
        states = forwarding.active()
        if states:
            encryptor = states[-1].encryptor
        else:  # the default key of the client's own middleware
            found = (f.tenants.default for f in client.middleware if isinstance(f, Factory))
            encryptor = next(found, None)
    if encryptor is None:
        raise PlaintextRefusedError(
            "no key to encrypt this realtime message: publish it from a run, from a client "
            "with EncryptionMiddleware, or pass encryptor="
        )
    return encryptor.encrypt(dict(data))


async def publish(
    client: inngest.Inngest,
    channel: str,
    topic: str,
    data: Mapping[str, object],
    *,
    encryptor: Encryptor | None = None,
) -> None:
    """Publish ``data`` to a realtime channel as one envelope."""
    from inngest.experimental import realtime

    await realtime.publish(client, channel, topic, _sealed(client, data, encryptor))


def publish_sync(
    client: inngest.Inngest,
    channel: str,
    topic: str,
    data: Mapping[str, object],
    *,
    encryptor: Encryptor | None = None,
) -> None:
    """Publish ``data`` to a realtime channel as one envelope (synchronously)."""
    from inngest.experimental import realtime

    realtime.publish_sync(client, channel, topic, _sealed(client, data, encryptor))
