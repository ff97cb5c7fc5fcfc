"""Serve an Inngest app on a free loopback port in a background thread, for tests."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import inngest

SERVE_PATH = "/api/inngest"
POLL_INTERVAL = 0.02
"""Seconds between a server thread's checks for a shutdown: how long stopping it waits."""


@dataclass(frozen=True)
class ServedApp:
    """An app being served; ``url`` is its Inngest serve endpoint."""

    url: str
    client: inngest.Inngest


def _listening_socket() -> socket.socket:
    """A socket listening on a port the system picked, so no other process can take it.

    Made with the protocol named (``IPPROTO_TCP``): asyncio turns Nagle's algorithm
    off only on sockets that say so, and with it on, a response written in two parts
    waits for the client's delayed acknowledgement (40 ms) before its second part.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextlib.contextmanager
def serve_flask(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve ``functions`` with Flask (werkzeug's threaded server)."""
    import flask
    import inngest.flask

    app = flask.Flask("inngest_codecs_test_app")
    inngest.flask.serve(app, client, list(functions))
    with _serve_wsgi(app, client) as served:
        yield served


@contextlib.contextmanager
def _serve_wsgi(app: Any, client: inngest.Inngest) -> Iterator[ServedApp]:
    """A WSGI app on werkzeug's threaded server, on a free loopback port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
    thread.start()
    try:
        yield ServedApp(f"http://127.0.0.1:{server.server_port}{SERVE_PATH}", client)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_django(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve sync ``functions`` with Django's WSGI handler (on werkzeug's threaded server).

    Configures Django settings for this process if nothing configured them yet.
    """
    import django
    import inngest.django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    urls = types.ModuleType("inngest_codecs_test_urls")
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=urls.__name__, ALLOWED_HOSTS=["127.0.0.1"], DEBUG=False, SECRET_KEY="test"
        )
        django.setup()
    urls.urlpatterns = [inngest.django.serve(client, list(functions))]  # type: ignore[attr-defined]
    sys.modules[urls.__name__] = urls
    from django.urls import clear_url_caches, set_urlconf

    clear_url_caches()
    set_urlconf(urls.__name__)
    with _serve_wsgi(WSGIHandler(), client) as served:
        yield served


@contextlib.contextmanager
def serve_fastapi(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve ``functions`` with FastAPI under uvicorn."""
    import fastapi
    import inngest.fast_api

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, list(functions))
    with serve_asgi(app) as url:
        yield ServedApp(url + SERVE_PATH, client)


@contextlib.contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Any ASGI app under uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    sock = _listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def serve_tornado(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve ``functions`` with Tornado, on its own event loop in a background thread."""
    import asyncio

    import inngest.tornado
    import tornado.httpserver
    import tornado.web

    app = tornado.web.Application()
    inngest.tornado.serve(app, client, list(functions))
    sock = _listening_socket()
    sock.setblocking(False)
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets([sock])
        loop.call_soon(started.set)
        loop.run_forever()
        server.stop()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("tornado did not start")
    try:
        yield ServedApp(f"http://127.0.0.1:{port}{SERVE_PATH}", client)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_digital_ocean(
    client: inngest.Inngest, functions: Sequence[inngest.Function[Any]]
) -> Iterator[ServedApp]:
    """Serve ``functions`` as a DigitalOcean Function, through the SDK's own simulator."""
    import inngest.digital_ocean
    from inngest.experimental.digital_ocean_simulator import FULL_PATH, DigitalOceanSimulator

    main = inngest.digital_ocean.serve(client, list(functions))
    with _serve_wsgi(DigitalOceanSimulator(main).app, client) as served:
        base = served.url.removesuffix(SERVE_PATH)
        yield ServedApp(base + FULL_PATH, client)
