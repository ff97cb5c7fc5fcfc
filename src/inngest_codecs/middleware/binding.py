"""From settings to what ``inngest.Inngest(middleware=[...])`` takes: a factory.

The factory checks the settings and builds the Encryptor once, at start-up;
it then makes one middleware per request. When it is registered on a function
rather than on the client, the SDK runs ``client.send`` without it, so the
first such run adds `RunSends` to the client: it encrypts what a run
registered per function sends, and does nothing outside such runs.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import inngest

from ..config import ENV_KEY, EncryptionSettings
from ..errors import KeyConfigError
from ..keys import KeyInput
from ..limits import SizeGuard
from ..tenants import TenantFrom
from . import forwarding

if TYPE_CHECKING:
    from .adapter import EncryptionMiddleware

_NOT_GIVEN: Any = object()


class Factory:
    """Builds an [`EncryptionMiddleware`][] per request from checked settings."""

    def __init__(self, middleware_class: type[EncryptionMiddleware], settings: EncryptionSettings):
        self.settings = settings
        self.encryptor = settings.encryptor()
        self.does_io = self.encryptor.does_io
        self.guard = SizeGuard(settings.size_limits)
        self._middleware_class = middleware_class
        self._served_clients: weakref.WeakKeyDictionary[inngest.Inngest, bool] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self, client: inngest.Inngest, raw_request: object) -> EncryptionMiddleware:
        return self._middleware_class(client, raw_request, factory=self)

    def is_function_level(self, middleware: EncryptionMiddleware) -> bool:
        """Whether this factory serves a function, not its client (then sends need help)."""
        client = middleware.client
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

    def before_send_events(self, events: list[inngest.Event]) -> None:
        states = [state for state in forwarding.active() if state.function_level]
        if states:
            for event in events:
                event.data = forwarding.seal_event_data(event.data, states)


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
        fallback_keys: KeyInput | Sequence[KeyInput] | None = _NOT_GIVEN,
        fallback_decryption_keys: KeyInput | Sequence[KeyInput] | None = _NOT_GIVEN,
        codec: str = _NOT_GIVEN,
        codec_options: Mapping[str, Any] | None = _NOT_GIVEN,
        decrypt_only: bool = _NOT_GIVEN,
        event_encryption_field: str | Sequence[str] = _NOT_GIVEN,
        encrypt_errors: bool = _NOT_GIVEN,
        on_decryption_failure: str = _NOT_GIVEN,
        max_signature_age: float | None = _NOT_GIVEN,
        max_clock_skew: float = _NOT_GIVEN,
        cache_size: int = _NOT_GIVEN,
        compression: str | None = _NOT_GIVEN,
        uncompressed: Sequence[str] = _NOT_GIVEN,
        max_decompressed_bytes: int = _NOT_GIVEN,
        offload_over: int | None = _NOT_GIVEN,
        offload_store: str | None = _NOT_GIVEN,
        max_step_output_bytes: int | None = _NOT_GIVEN,
        max_event_bytes: int | None = _NOT_GIVEN,
        max_run_state_bytes: int | None = _NOT_GIVEN,
        tenant_keys: Mapping[str, object] | None = _NOT_GIVEN,
        tenant_from: TenantFrom | None = _NOT_GIVEN,
        revoked_key_ids: Sequence[str] = _NOT_GIVEN,
        allow_plaintext_ai_infer: bool = _NOT_GIVEN,
        **unknown: Any,
    ) -> Factory:
        """A middleware factory to pass to ``inngest.Inngest(middleware=[...])``.

        Takes what ``inngest_encryption.EncryptionMiddleware.factory`` takes
        (``secret_key``, ``decrypt_only``, ``event_encryption_field``,
        ``fallback_decryption_keys``), plus every other setting of
        `inngest_codecs.config.SETTINGS` under its name. Without
        ``secret_key``, the key comes from ``INNGEST_ENCRYPTION_KEY``. A
        misspelled argument is a [`KeyConfigError`][] naming the closest one.
        """
        given = dict(locals())
        values = {
            name: value
            for name, value in given.items()
            if value is not _NOT_GIVEN and name not in ("cls", "secret_key", "unknown")
        }
        values.update(unknown)
        values["key"] = secret_key if secret_key is not None else os.environ.get(ENV_KEY)
        if values["key"] is None:
            raise KeyConfigError(f"no key: pass secret_key, or set {ENV_KEY}")
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
