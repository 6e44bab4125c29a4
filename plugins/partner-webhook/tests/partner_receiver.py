"""A partner platform's endpoint on 127.0.0.1, for the plugin's tests: it answers the
statuses it is told to, in turn (then 200), and keeps every request it got."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs


@attrs.frozen
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    def json(self) -> Any:
        return json.loads(self.body)


@attrs.define
class Receiver:
    statuses: list[int] = attrs.field(factory=list)
    answers: dict[str, Any] = attrs.field(factory=dict)  # path -> JSON answered to GETs/POSTs
    received: list[Received] = attrs.field(factory=list)
    url: str = ""

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        status = self.statuses.pop(0) if self.statuses else 200
        path = handler.path.split("?")[0]
        self.received.append(
            Received(method, handler.path, dict(handler.headers.items()), body, status)
        )
        payload = json.dumps(self.answers.get(path, {"ok": True})).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @contextlib.contextmanager
    def serving(self) -> Iterator[Receiver]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.answer(self, "POST")

            def do_GET(self) -> None:
                receiver.answer(self, "GET")

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
