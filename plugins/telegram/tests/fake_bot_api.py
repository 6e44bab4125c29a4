"""A fake Telegram Bot API server on 127.0.0.1: it answers `sendMessage` the way Telegram
does (`{"ok": true, "result": ...}`, or `{"ok": false, "error_code": ...}`), keeps what was
sent, and can be told that a chat blocked the bot or that it is down."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from entrypoints.testkit import local_http_server

TOKEN = "123456:TEST-token-never-shown"


@attrs.define
class FakeBotApi:
    token: str = TOKEN
    sent: list[tuple[int, str]] = attrs.field(factory=list)
    blocked: set[int] = attrs.field(factory=set)
    down: int = 0  # answer the next calls with a 502, like a proxy in front of a dead server
    url: str = ""
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def to(self, chat: int) -> list[str]:
        """What was sent to one chat, in order."""
        return [text for to, text in self.sent if to == chat]

    def _answer(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        prefix, _, method = path.lstrip("/").partition("/")
        if prefix != f"bot{self.token}":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._lock:
            if self.down > 0:
                self.down -= 1
                return 502, None
            if method != "sendMessage":
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            chat = int(payload["chat_id"])
            if chat in self.blocked:
                return 403, {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                }
            self.sent.append((chat, str(payload["text"])))
            result = {"message_id": len(self.sent), "chat": {"id": chat}, "text": payload["text"]}
        return 200, {"ok": True, "result": result}

    def respond(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        status, answer = self._answer(path, json.loads(body or b"{}"))
        if answer is None:
            return status, "text/html", b"<html>502 Bad Gateway</html>"
        return status, "application/json", json.dumps(answer).encode()

    @contextlib.contextmanager
    def serving(self) -> Iterator[FakeBotApi]:
        with local_http_server(self.respond) as url:
            self.url = url
            yield self
