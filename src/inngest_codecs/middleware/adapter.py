"""The Inngest adapter: a thin map of the SDK's middleware hooks onto an [`Encryptor`][].

A drop-in for ``inngest_encryption.EncryptionMiddleware``:

```python
client = inngest.Inngest(
    app_id="my-app",
    middleware=[EncryptionMiddleware.factory(key, codec="aes-gcm")],
)
```

The rules live beside it: `requests` (replayed requests), `opening`
and `failures` (what comes in, and what a failure does to the run),
`forwarding` (what arrived encrypted leaves encrypted), `tenancy` (the
tenant of a run), `steps` (the guard every step passes), `sealing`
(encrypted errors), `sizes` (Inngest's size limits), `indexing`
(blind-index tags on what runs send), `realtime` and `remote_state` (the
SDK's paths no hook sees) and `binding` (settings to factories).

One class serves sync and async functions alike. In an async run, when the
codec or store waits on I/O, the hooks hand that part to a worker thread
(see `offloading`), so a slow key service delays only the run that needs it.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import inngest
from inngest._internal.server_lib import Opcode

from .. import telemetry
from ..encryptor import Encryptor
from ..errors import CodecError
from ..place import Place
from ..tenants import tenant_of
from . import forwarding, offloading, places, realtime, remote_state, steps, tenancy
from .binding import Factory, FactoryMethods
from .failures import run_error
from .indexing import IndexedRunState
from .opening import RunOpener
from .requests import SignedRequest
from .sizes import INVOKED_EVENT, RunSizes


class EncryptionMiddleware(FactoryMethods, inngest.MiddlewareSync):
    """Encrypts what the SDK sends to Inngest and decrypts what comes back.

    Create it with [`factory`][inngest_codecs.middleware.EncryptionMiddleware.factory],
    [`from_env`][inngest_codecs.middleware.EncryptionMiddleware.from_env] or
    [`from_config`][inngest_codecs.middleware.EncryptionMiddleware.from_config]; they check
    the settings and build the codec once, at start-up.
    """

    def __init__(self, client: inngest.Inngest, raw_request: object, *, factory: Factory) -> None:
        super().__init__(client, raw_request)
        self._factory = factory
        self._settings = settings = factory.settings
        self._tenants = factory.tenants
        self._indexer = factory.indexer
        self._run_encryptor = factory.tenants.default
        self._does_io = factory.does_io
        self._fields = settings.event_encryption_field
        # The names known before any event is seen (none when a function chooses them).
        self._named = self._fields if isinstance(self._fields, tuple) else ()
        if not settings.decrypt_only:
            realtime.guard(client)
        self._uncompressed = factory.uncompressed
        # Read now, when the checks apply: a framework request proxy (Flask's)
        # may be gone by the time the hooks run in another task.
        checked = settings.max_signature_age is not None and client.is_production
        self._request = SignedRequest(raw_request) if checked else None
        self._sizes = RunSizes(factory.guard)
        self._tenant: str | None = None
        self._function_id = ""
        self._traced_id: str | None = None  # the function's full id, for spans
        self._entry: object | None = None
        self._places: places.RunPlaces | None = None

    # Each hook returns a coroutine (which the SDK's async manager awaits) only
    # when its I/O should leave the event loop; otherwise it does the work inline.

    def before_send_events(  # type: ignore[override]
        self, events: list[inngest.Event]
    ) -> Coroutine[Any, Any, None] | None:
        if self._settings.decrypt_only:
            return None
        if self._does_io and offloading.awaited():
            return self._off_loop("before_send_events", None, self._seal_events, events)
        with telemetry.span("before_send_events", self._traced_id, tenant=self._tenant):
            self._seal_events(events)
        return None

    def transform_input(  # type: ignore[override]
        self,
        ctx: inngest.Context | inngest.ContextSync,
        function: inngest.Function[typing.Any],
        memos: inngest.StepMemos,
    ) -> Coroutine[Any, Any, None] | None:
        self._tenant = tenancy.run_tenant(ctx.event, self._settings.tenant_from)
        if self._does_io and offloading.awaited():
            return self._transform_input_off_loop(ctx, function, memos)
        with telemetry.span("transform_input", function.id, tenant=self._tenant):
            opener = self._arrive(ctx, function, memos)
            self._open(opener, memos, ctx)
            self._enter(ctx, function, opener)
        return None

    async def _transform_input_off_loop(
        self,
        ctx: inngest.Context | inngest.ContextSync,
        function: inngest.Function[typing.Any],
        memos: inngest.StepMemos,
    ) -> None:
        with telemetry.span("transform_input", function.id, tenant=self._tenant):
            opener = self._arrive(ctx, function, memos)
            await asyncio.to_thread(self._open, opener, memos, ctx)
            self._enter(ctx, function, opener)  # on the loop: the run's context holds its state

    def transform_output(  # type: ignore[override]
        self, result: inngest.TransformOutputResult
    ) -> Coroutine[Any, Any, None] | None:
        if self._settings.decrypt_only:
            return None
        step = result.step.id if result.step is not None else None
        if self._does_io and offloading.awaited():
            return self._off_loop("transform_output", step, self._seal_output, result)
        with telemetry.span("transform_output", self._traced_id, step, self._tenant):
            self._seal_output(result)
        return None

    async def _off_loop(
        self, hook: str, step: str | None, work: Callable[..., None], *args: Any
    ) -> None:
        with telemetry.span(hook, self._traced_id, step, self._tenant):
            await asyncio.to_thread(work, *args)

    def _seal_events(self, events: list[inngest.Event]) -> None:
        states = forwarding.active()
        try:
            for event in events:
                plain = event.data
                event.data = self._seal(plain, states, event)
                self._sizes.event(event.name, {"name": event.name, "data": event.data}, plain)
        except CodecError as error:
            raise (run_error(error) if states else error) from None

    def _arrive(
        self,
        ctx: inngest.Context | inngest.ContextSync,
        function: inngest.Function[typing.Any],
        memos: inngest.StepMemos,
    ) -> RunOpener:
        """Check the request and choose the run's keys; the opener of what it brought."""
        settings = self._settings
        if self._request is not None and settings.max_signature_age is not None:
            self._request.check(
                max_age=settings.max_signature_age, max_skew=settings.max_clock_skew
            )
        if not settings.decrypt_only:
            remote_state.check_order(self._factory, self.client.middleware, function._middleware)
        self._sizes.arrived(function.id, memos, ctx.events)
        self._function_id = function.local_id
        self._traced_id = function.id
        try:
            self._run_encryptor = encryptor = self._encryptor_of(self._tenant, "open")
        except CodecError as error:
            raise run_error(error) from None
        execution = getattr(getattr(ctx, "step", None), "_execution", None)
        self._places = run_places = places.RunPlaces(
            function.id,
            self._tenant,
            bind=settings.bind_to_place,
            target=getattr(execution, "_target_hashed_id", None),
        )
        state = IndexedRunState(
            encryptor,
            self._fields,
            function_level=self._factory.add_run_sends_if_function_level(self.client),
            plain=self._factory.plain_fields,
            tenant_field=tenancy.tenant_field(settings.tenant_from),
            indexer=self._indexer,
            event_places=self._written_places,
        )
        return RunOpener(
            encryptor,
            settings.on_decryption_failure,  # type: ignore[arg-type]
            state,
            run_places,
            lambda event: self._event_places(event, invoked=function.id),
        )

    @staticmethod
    def _open(
        opener: RunOpener, memos: inngest.StepMemos, ctx: inngest.Context | inngest.ContextSync
    ) -> None:
        opener.memos(memos)
        opener.events(ctx)

    def _enter(
        self,
        ctx: inngest.Context | inngest.ContextSync,
        function: inngest.Function[typing.Any],
        opener: RunOpener,
    ) -> None:
        """Guard the run's steps and make its state visible to what it sends."""
        settings = self._settings
        run_places = self._places
        assert run_places is not None  # set by _arrive
        tenancy.uncarry(ctx.event)
        if settings.decrypt_only:
            steps.install(ctx, _checking(run_places, None))
            return
        steps.warn_about_expressions(function, self._named)
        guard = steps.StepGuard(
            self._seal_payload,
            allow_plaintext_ai_infer=settings.allow_plaintext_ai_infer,
            fields=self._named,
        )
        steps.install(ctx, _checking(run_places, guard), off_loop=self._does_io)
        self._entry = forwarding.enter(opener.state)

    def _seal_output(self, result: inngest.TransformOutputResult) -> None:
        # Step outputs, function outputs and errors follow one opt-out, by step or function id.
        compress = (self._function_id if result.step is None else result.step.id) not in (
            self._uncompressed
        )
        try:
            # None carries nothing, and is what planned, sleeping and waiting steps report.
            place = self._output_place(result.step)
            if result.has_output() and result.output is not None:
                plain = result.output
                remote_state.check_output(plain)
                result.output = self._run_encryptor.encrypt(plain, compress=compress, place=place)
                self._sizes.output(result.step, result.output, plain)
            if result.error is not None and self._settings.encrypt_errors:
                from .sealing import seal  # only when errors are encrypted

                result.error = seal(
                    result.error, self._run_encryptor, compress=compress, place=place
                )
        except CodecError as error:
            raise run_error(error) from None

    def before_response(self) -> None:
        if self._entry is not None:  # skipped when a hook failed: the SDK hides the state then
            forwarding.leave(self._entry)
            self._entry = None

    def _seal(
        self,
        data: Any,
        states: tuple[forwarding.RunState, ...],
        event: object,
        invoked: str | None = None,
    ) -> dict[str, Any]:
        """Seal event data under the key of the tenant the event names, else of the run, and
        add the tags of its blind indexes (plain by design)."""
        tenant = tenant_of(event, self._settings.tenant_from)
        if tenant is not None:
            encryptor = self._encryptor_of(tenant, "seal")
        else:
            encryptor = states[-1].encryptor if states else self._tenants.default
        place = self._written_places(event, invoked)
        sealed = forwarding.seal_event_data(
            data, states, encryptor, self._fields, self._uncompressed, place
        )
        return self._indexer.write(sealed, data, encryptor)

    def _encryptor_of(self, tenant: str | None, operation: str) -> Encryptor:
        try:
            return self._tenants.for_tenant(tenant)
        except CodecError as error:  # an unknown or revoked tenant: counted here, not below
            telemetry.failed(error, operation)
            raise

    def _event_places(
        self, event: object, invoked: str | None = None
    ) -> Callable[[str | None], Place]:
        """The place of each field of ``event`` (``invoked``: the function an invoke calls)."""
        name = event.get("name") if isinstance(event, Mapping) else getattr(event, "name", None)
        return places.of_event(name, tenant_of(event, self._settings.tenant_from), invoked)

    def _written_places(
        self, event: object, invoked: str | None = None
    ) -> Callable[[str], Place | None] | None:
        """`_event_places` for sending, ``None`` when values are not bound on writing."""
        return self._event_places(event, invoked) if self._settings.bind_to_place else None

    def _output_place(self, step: Any) -> Place | None:
        if self._places is None or not self._settings.bind_to_place:
            return None
        return self._places.output_of(None if step is None else step.id)

    def _seal_payload(self, data: Any, invoked: str | None) -> dict[str, Any]:
        try:
            named = tenant_of({"data": data}, self._settings.tenant_from)
            event = {"name": INVOKED_EVENT, "data": data}
            sealed = self._seal(data, forwarding.active(), event, invoked)
            sealed = tenancy.carry(sealed, named or self._tenant)
            self._sizes.event(INVOKED_EVENT, {"name": INVOKED_EVENT, "data": sealed}, data)
        except CodecError as error:
            raise run_error(error) from None
        return sealed

    def __repr__(self) -> str:
        return f"<EncryptionMiddleware {self._settings!r}>"


def _checking(run_places: places.RunPlaces, guard: steps.StepGuard | None) -> Callable[[Any], None]:
    """The step guard: the places check (a moved invoke result ends the run), then ``guard``
    for every step but a run step (whose output is sealed in ``transform_output``)."""
    check_step, step_run = run_places.check_step, Opcode.STEP_RUN

    def check(step_info: Any) -> None:
        try:
            check_step(step_info)
        except CodecError as error:
            raise run_error(error) from None
        if guard is not None and step_info.op is not step_run:
            guard(step_info)

    return check
