"""A notifier that keeps what it sends, for tests and library users."""

from __future__ import annotations

import attrs

from core.notifications.model import Message


@attrs.define
class MemoryNotifier:
    sent: list[Message] = attrs.field(factory=list)
    fail_next: int = 0

    async def send(self, message: Message) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise ConnectionError("notifier is down (simulated)")
        self.sent.append(message)
