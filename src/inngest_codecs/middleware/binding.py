"""From settings to what ``inngest.Inngest(middleware=[...])`` takes: a factory.

The factory checks the settings and builds the Encryptor once, at start-up;
it then makes one middleware per request. When it is registered on a function
rather than on the client, the SDK runs ``client.send`` without it, so the
first such run adds `RunSends` to the client: it encrypts what a run
registered per function sends, and does nothing outside such runs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import weakref
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

import inngest

from ..config import ENV_KEY, EncryptionSettings
from ..config_env import env_secret
from ..encryptor import DEFAULT_EVENT_FIELD
from ..errors import KeyConfigError
from ..keycheck import findings
from ..keys import KeyInput
from . import forwarding, indexing, offloading

logger = logging.getLogger("inngest_codecs")


class Factory:
    """Builds an [`EncryptionMiddleware`][] per request from checked settings."""

    def __init__(
        self,
        middleware_class: Callable[..., inngest.MiddlewareSync],
        settings: EncryptionSettings,
    ) -> None:
        self.settings = settings
        self.tenants = settings.tenants()
        for finding in findings(settings.key, settings.fallback_keys, settings.codec):
            logger.warning("inngest-codecs: %s", finding.message)
        self.does_io = self.tenants.does_io
        self.indexer = settings.indexer(self.tenants)
        self.guard = settings.size_guard()
        self.plain_fields = frozenset(settings.plain_fields)
        self.uncompressed = frozenset(settings.uncompressed)
        self._middleware_class = middleware_class
        self._served_clients: weakref.WeakKeyDictionary[inngest.Inngest, bool] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self, client: inngest.Inngest, raw_request: object) -> inngest.MiddlewareSync:
        return self._middleware_class(client, raw_request, factory=self)

    def add_run_sends_if_function_level(self, client: inngest.Inngest) -> bool:
        """Whether this factory serves a function, not its client; if so, the first time,
        adds [`RunSends`][] to the client, since its sends would otherwise go unencrypted."""
        known = self._served_clients.get(client)
        if known is None:
            known = not any(registered is self for registered in client.middleware)
            if known:
                _add_run_sends(client)
            self._served_clients[client] = known
        return known

    def __repr__(self) -> str:
        return f"<EncryptionMiddleware factory {self.settings!r}>"


class RunSends(inngest.MiddlewareSync):
    """Encrypts, in ``client.send``, what a run whose encryption is per function sends."""

    def before_send_events(  # type: ignore[override]
        self, events: list[inngest.Event]
    ) -> Coroutine[Any, Any, None] | None:
        states = [state for state in forwarding.active() if state.function_level]
        if not states:
            return None
        if any(state.encryptor.does_io for state in states) and offloading.awaited():
            return asyncio.to_thread(_seal_sent, events, states)  # see `offloading`
        _seal_sent(events, states)
        return None


def _seal_sent(events: list[inngest.Event], states: list[forwarding.RunState]) -> None:
    places = states[-1].event_places
    for event in events:
        place = None if places is None else places(event)
        sealed = forwarding.seal_event_data(event.data, states, place=place)
        event.data = indexing.write_tags(sealed, event.data, states)


_adding = threading.Lock()


def _add_run_sends(client: inngest.Inngest) -> None:
    with _adding:
        if not any(
            isinstance(registered, Factory) or registered is RunSends
            for registered in client.middleware
        ):
            client.add_middleware(RunSends)


class FactoryMethods:
    """The ways to make a middleware factory; all go through [`EncryptionSettings`][]."""

    @classmethod
    def factory(
        cls,
        secret_key: KeyInput | Sequence[KeyInput] | None = None,
        *,
        decrypt_only: bool = False,
        event_encryption_field: str | Sequence[str] | bool | Callable[[str], bool] = (
            DEFAULT_EVENT_FIELD
        ),
        fallback_decryption_keys: KeyInput | Sequence[KeyInput] | None = None,
        **settings: Any,
    ) -> Factory:
        """A middleware factory to pass to ``inngest.Inngest(middleware=[...])``.

        Takes what ``inngest_encryption.EncryptionMiddleware.factory`` takes
        (``secret_key``, ``decrypt_only``, ``event_encryption_field``,
        ``fallback_decryption_keys``), plus every other setting of
        [`EncryptionSettings`][inngest_codecs.config.EncryptionSettings] under its
        name. Without ``secret_key``, the key comes from ``INNGEST_ENCRYPTION_KEY``.
        A misspelled argument is a [`ConfigError`][inngest_codecs.ConfigError]
        naming the closest one.
        """
        values = {
            **settings,
            "decrypt_only": decrypt_only,
            "event_encryption_field": event_encryption_field,
        }
        if fallback_decryption_keys is not None:
            values["fallback_decryption_keys"] = fallback_decryption_keys
        key = secret_key if secret_key is not None else settings.get("key")
        values.pop("key", None)
        values["key"] = key if key is not None else env_secret(os.environ, ENV_KEY)
        if values["key"] is None:
            raise KeyConfigError(f"no key: pass secret_key, or set {ENV_KEY} (or {ENV_KEY}_FILE)")
        return cls.from_settings(EncryptionSettings(values))

    @classmethod
    def from_settings(cls, settings: EncryptionSettings) -> Factory:
        return Factory(cls, settings)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Factory:
        """A factory configured by the ``INNGEST_ENCRYPTION_*`` environment variables."""
        return cls.from_settings(EncryptionSettings.from_env(environ))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Factory:
        """A factory configured by a mapping, as loaded from TOML, YAML or JSON."""
        return cls.from_settings(EncryptionSettings.from_mapping(config))
