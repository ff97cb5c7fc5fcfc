"""A local KMS for tests: moto's server on 127.0.0.1, counting requests as they arrive.

Needs the ``testing`` extra (``moto[server]``)::

    with LocalKms() as kms, kms.environment():
        key_arn = kms.create_key()
        box = Encryptor(key_arn, codec="aws-kms")
        ...
        assert kms.requests["GenerateDataKey"] == 1

It serves moto's own WSGI application with werkzeug, as moto's
``ThreadedMotoServer`` does, wrapped in two layers of its own:

- every request is counted by its KMS operation (``requests``), at the server,
  whatever client sent it, and recorded with the region it was signed for and
  the ``KeyId`` it names (``calls``);
- a request chosen with :meth:`LocalKms.hold` is left unanswered until the test
  releases it: a KMS that hangs, for one call, while the others are answered;
- a KMS key that is disabled or pending deletion refuses cryptographic
  operations with the error AWS KMS returns (``DisabledException``,
  ``KMSInvalidStateException``). moto records a key's state but does not
  enforce it, and the codec's handling of those answers needs testing.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from moto.kms.models import kms_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

REGION = "us-east-1"
_TARGET_PREFIX = "TrentService."
_CRYPTOGRAPHIC = {"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"}
_REFUSED_STATES = {
    "Disabled": ("DisabledException", "{arn} is disabled."),
    "PendingDeletion": ("KMSInvalidStateException", "{arn} is pending deletion."),
}

_SIGNED_REGION = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/")

StartResponse = Callable[..., Any]


class Call(NamedTuple):
    """A request as the server received it: its operation, signed region and ``KeyId``."""

    operation: str
    region: str
    key_id: str | None


class Hold:
    """Requests the server leaves unanswered until :meth:`release`: a KMS that hangs."""

    def __init__(self, operation: str, matches: Callable[[dict[str, Any]], bool]) -> None:
        self.operation, self.matches = operation, matches
        self.arrived = threading.Event()
        """Set when a held request has arrived."""
        self._released = threading.Event()

    def release(self) -> None:
        """Let the held requests (and later ones) through to KMS."""
        self._released.set()

    def wait(self) -> None:
        self.arrived.set()
        self._released.wait()


def _key_state(key_arn: str) -> str | None:
    """The state moto holds for a key ARN (``arn:aws:kms:REGION:ACCOUNT:key/ID``)."""
    try:
        _, _, _, region, account, resource = key_arn.split(":", 5)
        return str(kms_backends[account][region].keys[resource.split("/", 1)[1]].key_state)
    except (KeyError, ValueError, IndexError):
        return None


class _KmsRules:
    """Counts requests by operation; refuses cryptographic operations on unusable keys."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.requests: Counter[str] = Counter()
        self.calls: list[Call] = []
        self.holds: list[Hold] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation = target[len(_TARGET_PREFIX) :] if target.startswith(_TARGET_PREFIX) else ""
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body) if operation else {}
        except ValueError:
            request = {}
        signed = _SIGNED_REGION.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        with self.lock:
            self.requests[operation or "other"] += 1
            if operation:
                key_id = request.get("KeyId")
                self.calls.append(Call(operation, signed[1] if signed else "", key_id))
            holds = [h for h in self.holds if h.operation == operation and h.matches(request)]
        for hold in holds:
            hold.wait()
        if operation not in _CRYPTOGRAPHIC:
            return self.app(environ, start_response)
        answer: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> None:
            answer.update(status=status, headers=headers)

        body = b"".join(self.app(environ, keep))
        refusal = None
        if answer["status"].startswith("200"):
            key_arn = str(json.loads(body).get("KeyId", ""))
            refusal = _REFUSED_STATES.get(_key_state(key_arn) or "")
        if refusal is None:
            start_response(answer["status"], answer["headers"])
            return [body]
        code, message = refusal
        body = json.dumps({"__type": code, "message": message.format(arn=key_arn)}).encode()
        start_response(
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))],
        )
        return [body]


class _QuietRequestHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # one line per request would bury a test's own output


class LocalKms:
    """moto's KMS served over HTTP on 127.0.0.1 (a free port), in a background thread."""

    def __init__(self) -> None:
        self._rules = _KmsRules(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalKms:
        self._server = make_server(
            "127.0.0.1", 0, self._rules, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> LocalKms:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalKms is not running: call start() or use it in a with block")
        return f"http://127.0.0.1:{self._server.server_port}"

    def environment_variables(self) -> dict[str, str]:
        """What points boto3's default chain at this server, with dummy credentials."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        """Set :meth:`environment_variables` (and unset ``AWS_PROFILE``) while inside."""
        saved = dict(os.environ)
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(self.environment_variables())
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def client(self) -> Any:
        """A boto3 KMS client for this server, to create, disable or delete keys."""
        import boto3

        variables = self.environment_variables()
        return boto3.session.Session(
            aws_access_key_id=variables["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=variables["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=variables["AWS_SESSION_TOKEN"],
            region_name=REGION,
        ).client("kms", endpoint_url=self.endpoint_url)

    def create_key(self, description: str = "inngest-codecs test key") -> str:
        """A new symmetric KMS key; its ARN."""
        metadata = self.client().create_key(Description=description)["KeyMetadata"]
        return str(metadata["Arn"])

    def disable_key(self, key_arn: str) -> None:
        self.client().disable_key(KeyId=key_arn.rsplit("/", 1)[1])

    def enable_key(self, key_arn: str) -> None:
        self.client().enable_key(KeyId=key_arn.rsplit("/", 1)[1])

    @property
    def requests(self) -> Counter[str]:
        """Requests received so far, by KMS operation (``GenerateDataKey``, ``Decrypt``...)."""
        with self._rules.lock:
            return Counter(self._rules.requests)

    @property
    def calls(self) -> list[Call]:
        """Requests received so far, in order, each with its region and ``KeyId``."""
        with self._rules.lock:
            return list(self._rules.calls)

    def reset_counts(self) -> None:
        with self._rules.lock:
            self._rules.requests.clear()
            self._rules.calls.clear()

    @contextlib.contextmanager
    def hold(
        self, operation: str, matches: Callable[[dict[str, Any]], bool] = lambda request: True
    ) -> Iterator[Hold]:
        """Leave ``operation`` requests for which ``matches(request JSON)`` is true unanswered.

        They wait until :meth:`Hold.release`, at the latest when the block ends,
        while every other request is answered::

            with kms.hold("Decrypt") as stalled:
                ...  # a thread decrypts; stalled.arrived.wait() says its request is in
                stalled.release()
        """
        held = Hold(operation, matches)
        with self._rules.lock:
            self._rules.holds.append(held)
        try:
            yield held
        finally:
            held.release()
            with self._rules.lock:
                self._rules.holds.remove(held)
