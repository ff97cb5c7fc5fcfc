"""Serve an Inngest app on a free loopback port in a background thread, for tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import inngest

SERVE_PATH = "/api/inngest"


@dataclass(frozen=True)
class ServedApp:
    """An app being served; ``url`` is its Inngest serve endpoint."""

    url: str
    client: inngest.Inngest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve_flask(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve ``functions`` with Flask (werkzeug's threaded server)."""
    import flask
    import inngest.flask
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    app = flask.Flask("inngest_codecs_test_app")
    inngest.flask.serve(app, client, list(functions))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ServedApp(f"http://127.0.0.1:{server.server_port}{SERVE_PATH}", client)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_fastapi(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve ``functions`` with FastAPI under uvicorn."""
    import fastapi
    import inngest.fast_api
    import uvicorn

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, list(functions))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield ServedApp(f"http://127.0.0.1:{port}{SERVE_PATH}", client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
