"""A partner platform's endpoint on 127.0.0.1, for the plugin's tests: it answers the
statuses it is told to, in turn (then 200), and keeps every request it got."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from entrypoints.testkit import local_http_server


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
    answers: dict[str, Any] = attrs.field(factory=dict)  # path -> the JSON answered there
    received: list[Received] = attrs.field(factory=list)
    url: str = ""

    def respond(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append(Received(method, path, dict(headers), body, status))
        payload = self.answers.get(path.split("?")[0], {"ok": True})
        return status, "application/json", json.dumps(payload).encode()

    @contextlib.contextmanager
    def serving(self) -> Iterator[Receiver]:
        with local_http_server(self.respond) as url:
            self.url = url
            yield self
