"""The Inngest adapter: a thin map of the SDK's middleware hooks onto an :class:`Encryptor`.

A drop-in for ``inngest_encryption.EncryptionMiddleware``::

    client = inngest.Inngest(
        app_id="my-app",
        middleware=[EncryptionMiddleware.factory(key, codec="aes-gcm")],
    )

The rules live beside it: :mod:`.requests` (replayed requests), :mod:`.failures`
(retry or end the run), :mod:`.forwarding` (what arrived encrypted leaves
encrypted), :mod:`.steps` (the guard every step passes), :mod:`.sealing`
(encrypted errors) and :mod:`.binding` (settings to factories).
"""

from __future__ import annotations

import contextvars
import typing

import inngest

from ..config import EncryptionSettings
from ..encryptor import Encryptor
from ..errors import CodecError
from . import forwarding, sealing, steps
from .binding import Factory, FactoryMethods
from .failures import run_error
from .opening import Opener
from .requests import SignedRequest


class EncryptionMiddleware(FactoryMethods, inngest.MiddlewareSync):
    """Encrypts what the SDK sends to Inngest and decrypts what comes back.

    Create it with :meth:`factory`, :meth:`from_env` or :meth:`from_config`;
    they check the settings and build the codec once, at start-up.
    """

    def __init__(
        self,
        client: inngest.Inngest,
        raw_request: object,
        *,
        settings: EncryptionSettings,
        encryptor: Encryptor,
        factory: Factory | None = None,
    ) -> None:
        super().__init__(client, raw_request)
        self._settings = settings
        self._encryptor = encryptor
        self._factory = factory
        self._fields = settings.event_encryption_field
        self._request = SignedRequest(raw_request)
        self._token: contextvars.Token[tuple[forwarding.RunState, ...]] | None = None

    def before_send_events(self, events: list[inngest.Event]) -> None:
        if self._settings.decrypt_only:
            return
        states = forwarding.active()
        try:
            for event in events:
                event.data = forwarding.seal_event_data(
                    event.data, states, self._encryptor, self._fields
                )
        except CodecError as error:
            raise run_error(error) from None

    def transform_input(
        self,
        ctx: inngest.Context | inngest.ContextSync,
        function: inngest.Function[typing.Any],
        memos: inngest.StepMemos,
    ) -> None:
        settings = self._settings
        if settings.max_signature_age is not None and self.client.is_production:
            self._request.check(
                max_age=settings.max_signature_age, max_skew=settings.max_clock_skew
            )
        state = forwarding.RunState(
            self._encryptor,
            self._fields,
            owner=ctx,
            function_level=self._factory is not None and self._factory.is_function_level(self),
        )
        opener = Opener(self._encryptor, settings.on_decryption_failure, state)  # type: ignore[arg-type]
        opener.memos(memos)
        opener.events(ctx)
        if settings.decrypt_only:
            return
        steps.warn_about_expressions(function, self._fields)
        steps.install(
            ctx,
            steps.StepGuard(
                lambda data: forwarding.seal_event_data(
                    data, forwarding.active(), self._encryptor, self._fields
                ),
                allow_plaintext_ai_infer=settings.allow_plaintext_ai_infer,
                fields=self._fields,
            ),
        )
        self._token = forwarding.enter(state)

    def transform_output(self, result: inngest.TransformOutputResult) -> None:
        if self._settings.decrypt_only:
            return
        try:
            # None carries nothing, and is what planned, sleeping and waiting steps report.
            if result.has_output() and result.output is not None:
                result.output = self._encryptor.encrypt(result.output)
            if result.error is not None and self._settings.encrypt_errors:
                result.error = sealing.seal(result.error, self._encryptor)
        except CodecError as error:
            raise run_error(error) from None

    def before_response(self) -> None:
        if self._token is not None:
            forwarding.leave(self._token)
            self._token = None

    def __repr__(self) -> str:
        return f"<EncryptionMiddleware {self._settings!r}>"
