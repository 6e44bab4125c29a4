"""One Notifier made of several: the email side first, then every channel plugins added.

The email side decides delivery: if it raises, the message counts as not sent and the whole
delivery is retried later (no channel has been told yet, so nobody gets it twice). A plugin's
channel (a messenger) is best effort on top: its failure is logged and counted for the admin
report, and never undoes or repeats what the email side did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import structlog

from core.notifications.model import Message
from core.notifications.ports import Notifier

log = structlog.get_logger("stagedoor.notify")

Report = Callable[[str, str, BaseException], Awaitable[None]]
"""Count a plugin's failure: (plugin, kind, error)."""


class FanOutNotifier:
    def __init__(
        self,
        primary: Notifier,
        channels: Sequence[tuple[str, Notifier]] = (),
        *,
        report: Report | None = None,
    ) -> None:
        self.primary = primary
        self.channels = list(channels)
        self._report = report

    async def send(self, message: Message) -> None:
        await self.primary.send(message)
        for plugin, channel in self.channels:
            try:
                await channel.send(message)
            except Exception as exc:  # a channel's outage never fails the email side
                log.warning(
                    "notification.channel_failed",
                    plugin=plugin,
                    dedupe_key=message.dedupe_key,
                    error=type(exc).__name__,
                )
                if self._report is not None:
                    await self._report(plugin, "notifier", exc)
