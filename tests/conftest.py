"""Shared test parts: a real HTTP server and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scraper.fetching import sessions

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    """A canned response; `handler`, when set, writes the whole response itself."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    handler: Handler | None = None


class PageServer:
    """A threaded HTTP server on 127.0.0.1 serving fixtures/pages and routes set by tests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    route = server._file_route(self.path.split("?")[0])
                if route.handler is not None:
                    route.handler(self)
                    return
                self.send_response(route.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
                headers.setdefault("Content-Length", str(len(route.body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(route.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        # A short poll interval so shutdown() at teardown takes ms, not the default 0.5 s.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _file_route(self, path: str) -> Route:
        target = (PAGES / path.lstrip("/")).resolve()
        if PAGES in target.parents and target.is_file():
            kind = "text/html" if target.suffix in (".html", ".htm") else "text/plain"
            return Route(target.read_bytes(), headers={"Content-Type": f"{kind}; charset=utf-8"})
        return Route(b"<h1>Not found</h1>", status=404)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def set(self, path: str, body: bytes | str = b"", **kwargs: Any) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes["/" + path.lstrip("/")] = Route(data, **kwargs)
        return self.url(path)


@pytest.fixture
def page_server(settings: Any) -> Iterator[PageServer]:
    """Serves pages on 127.0.0.1, with the SSRF guard's allow-list opened for it only."""
    server = PageServer()
    server.thread.start()
    settings.SCRAPER_ALLOWED_HOSTS = ["127.0.0.1"]
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        # This thread's kept-alive connections die with the server (a later one may get its port).
        sessions.close()


class SMTPSink:
    """Collects every message a real aiosmtpd server accepted."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 Try again later"
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPSink]:
    """A real SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    sink = SMTPSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    sink.controller = controller  # type: ignore[attr-defined]
    try:
        yield sink
    finally:
        controller.stop()
