"""The Inngest adapter: maps the SDK's middleware hooks onto an :class:`Encryptor`.

A drop-in for ``inngest_encryption.EncryptionMiddleware``::

    client = inngest.Inngest(
        app_id="my-app",
        middleware=[EncryptionMiddleware.factory(key, codec="aes-gcm")],
    )

What is encrypted on the way to Inngest: ``data[event_encryption_field]`` of every
event sent (``client.send``, ``client.send_sync``, ``step.send_event``), every step
output and the function's output (``None`` stays plain), and the field in the data of
``step.invoke`` payloads. What is decrypted on the way back: every envelope in
the triggering events' data (any field, or the whole data), memoized step
output, an invoked function's output, and the data of the event that
``step.wait_for_event`` returns.
"""

from __future__ import annotations

import contextlib
import time
import typing
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import inngest
from inngest._internal import server_lib

from . import envelope
from .config import EncryptionSettings
from .encryptor import DEFAULT_EVENT_FIELD, Encryptor
from .errors import CodecError, KeyConfigError
from .keys import KeyInput

Factory = Callable[[inngest.Inngest, object], "EncryptionMiddleware"]

DEFAULT_MAX_SIGNATURE_AGE = 300.0
"""Seconds a signed request stays acceptable; the SDK itself checks no age."""
DEFAULT_CACHE_SIZE = 512
"""Recently opened values whose plaintext is remembered: Inngest sends every
memoized step output again on every call of a run."""


def _is_event(value: object) -> typing.TypeGuard[dict[str, Any]]:
    """The shape of the event that ``step.wait_for_event`` memoizes."""
    return isinstance(value, dict) and isinstance(value.get("data"), dict) and "name" in value


def _signature_of(raw_request: object) -> str | None:
    """The ``X-Inngest-Signature`` header of a Flask, FastAPI or Django request, if any."""
    try:
        headers = getattr(raw_request, "headers", None)
        value = headers.get("x-inngest-signature") if headers is not None else None
    except RuntimeError:  # a framework request proxy outside its request
        return None
    return value if isinstance(value, str) else None


class EncryptionMiddleware(inngest.MiddlewareSync):
    """Encrypts what the SDK sends to Inngest and decrypts what comes back.

    Create it with :meth:`factory`, :meth:`from_env` or :meth:`from_config`;
    they build the codec and check the keys once, at start-up.
    """

    def __init__(
        self,
        client: inngest.Inngest,
        raw_request: object,
        *,
        encryptor: Encryptor,
        decrypt_only: bool = False,
        event_encryption_field: str = DEFAULT_EVENT_FIELD,
        max_signature_age: float | None = DEFAULT_MAX_SIGNATURE_AGE,
    ) -> None:
        super().__init__(client, raw_request)
        self._encryptor = encryptor
        self._decrypt_only = decrypt_only
        self._field = event_encryption_field
        self._max_signature_age = max_signature_age
        # Read now: framework request proxies (Flask's) may be gone by the time
        # the hooks run in another task.
        self._signature = _signature_of(raw_request)

    @classmethod
    def factory(
        cls,
        secret_key: KeyInput | list[KeyInput] | None = None,
        *,
        codec: str = "secretbox",
        decrypt_only: bool = False,
        event_encryption_field: str = DEFAULT_EVENT_FIELD,
        fallback_decryption_keys: Sequence[KeyInput] | None = None,
        max_signature_age: float | None = DEFAULT_MAX_SIGNATURE_AGE,
        cache_size: int = DEFAULT_CACHE_SIZE,
        **codec_options: Any,
    ) -> Factory:
        """A middleware factory to pass to ``inngest.Inngest(middleware=[...])``.

        Accepts what ``inngest_encryption.EncryptionMiddleware.factory`` accepts,
        plus ``codec`` (any installed codec name) and that codec's options.
        ``secret_key=None`` reads ``INNGEST_ENCRYPTION_KEY`` from the environment.
        In production mode, a request whose signature timestamp is more than
        ``max_signature_age`` seconds away from now is refused before anything
        is decrypted (``None`` turns the check off). ``cache_size`` is passed to
        the :class:`Encryptor` (0 keeps no plaintext between calls).
        """
        if secret_key is None:
            secret_key = EncryptionSettings.from_env().key
        encryptor = Encryptor(
            secret_key,
            codec=codec,
            fallback_keys=fallback_decryption_keys,
            cache_size=cache_size,
            **codec_options,
        )
        return cls._bind(encryptor, decrypt_only, event_encryption_field, max_signature_age)

    @classmethod
    def from_settings(cls, settings: EncryptionSettings) -> Factory:
        return cls._bind(
            settings.encryptor(DEFAULT_CACHE_SIZE),
            settings.decrypt_only,
            settings.event_encryption_field,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Factory:
        """A factory configured by the ``INNGEST_ENCRYPTION_*`` environment variables."""
        return cls.from_settings(EncryptionSettings.from_env(environ))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Factory:
        """A factory configured by a mapping, as loaded from TOML or YAML."""
        return cls.from_settings(EncryptionSettings.from_mapping(config))

    @classmethod
    def _bind(
        cls,
        encryptor: Encryptor,
        decrypt_only: bool,
        field: str,
        max_signature_age: float | None = DEFAULT_MAX_SIGNATURE_AGE,
    ) -> Factory:
        if not field:
            raise KeyConfigError("event_encryption_field must not be empty")

        def build(client: inngest.Inngest, raw_request: object) -> EncryptionMiddleware:
            return cls(
                client,
                raw_request,
                encryptor=encryptor,
                decrypt_only=decrypt_only,
                event_encryption_field=field,
                max_signature_age=max_signature_age,
            )

        return build

    # Hooks -------------------------------------------------------------------

    def before_send_events(self, events: list[inngest.Event]) -> None:
        if self._decrypt_only:
            return
        with _failures_end_the_run():
            for event in events:
                if self._field in event.data:
                    event.data = self._encryptor.encrypt_event_data(event.data, self._field)

    def transform_input(
        self,
        ctx: inngest.Context | inngest.ContextSync,
        function: inngest.Function[typing.Any],
        steps: inngest.StepMemos,
    ) -> None:
        self._refuse_stale_request()
        decrypt, decrypt_data = self._encryptor.decrypt, self._encryptor.decrypt_event_data
        with _failures_end_the_run():
            for step in steps.values():
                data = step.data
                if envelope.is_envelope(data):
                    step.data = decrypt(data)
                elif _is_event(data):
                    step.data = {**data, "data": decrypt_data(data["data"])}
            seen = set()
            for event in (ctx.event, *ctx.events):
                if id(event) not in seen:
                    seen.add(id(event))
                    event.data = decrypt_data(event.data)

    def transform_output(self, result: inngest.TransformOutputResult) -> None:
        if self._decrypt_only:
            return
        with _failures_end_the_run():
            # None carries nothing, and is what planned, sleeping and waiting steps report.
            if result.has_output() and result.output is not None:
                result.output = self._encryptor.encrypt(result.output)
            step = result.step
            if step is not None and step.op is server_lib.Opcode.INVOKE and step.opts:
                payload = step.opts.get("payload")
                if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
                    payload["data"] = self._encryptor.encrypt_event_data(
                        payload["data"], self._field
                    )

    def _refuse_stale_request(self) -> None:
        """Refuse a validly signed request replayed long after it was made."""
        if self._max_signature_age is None or not self.client.is_production:
            return
        if not self._signature:
            return  # the SDK refuses unsigned requests in production before this hook
        stamp = urllib.parse.parse_qs(self._signature).get("t", [""])[0]
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > self._max_signature_age:
            raise inngest.NonRetriableError(
                "request refused: its signature timestamp is missing or older than "
                f"{self._max_signature_age:g} seconds"
            )


@contextlib.contextmanager
def _failures_end_the_run() -> Iterator[None]:
    """A codec failure ends the run: retrying cannot open what no key opens."""
    try:
        yield
    except CodecError as error:
        raise inngest.NonRetriableError(f"{type(error).__name__}: {error}") from None
