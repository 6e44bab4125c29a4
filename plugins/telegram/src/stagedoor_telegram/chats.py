"""What the bot does: links chats to accounts, watches events for seats, and tells people.

Everything it remembers lives in the plugin's own store:

    code:<code>                 -> {"account": id, "expires": instant}   one-time link codes
    chat:<account id>           -> chat id                              where to reach a person
    account:<chat id>           -> account id
    watch:<event id>:<chat id>  -> the last state the chat was told     availability alerts

Alerts are sent on changes of state only (sold out, seats back, over), so a busy event
does not flood anyone.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from core.booking.events import AvailabilityChanged, BookingConfirmed
from core.notifications.model import Message
from core.partners import AvailabilitySnapshot, PluginContext
from core.partners.events import PartnerHoldConfirmed
from core.shared.errors import NotFound
from core.shared.events import DomainEvent
from stagedoor_telegram.bot import BotApi, ChatGone

ON_SALE, SOLD_OUT, OVER = "on_sale", "sold_out", "over"
HELP = (
    "I send your Stagedoor notifications here and tell you when seats come back.\n"
    "/watch <event id> — tell me when an event has seats\n"
    "/unwatch <event id> — stop that\n"
    "/stop — unlink this chat"
)


def state_of(snapshot: AvailabilitySnapshot) -> str:
    if not snapshot.on_sale:
        return OVER
    return ON_SALE if snapshot.seats_left > 0 else SOLD_OUT


def _when(moment: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@attrs.frozen
class TelegramService:
    ctx: PluginContext
    bot: BotApi
    username: str
    link_ttl: timedelta

    # -- linking -------------------------------------------------------------------------

    async def new_link(self, account_id: UUID) -> tuple[str, str]:
        """A one-time code and the t.me link that sends `/start <code>` to the bot."""
        code = secrets.token_urlsafe(12)
        expires = self.ctx.clock.now() + self.link_ttl
        record = {"account": str(account_id), "expires": expires.isoformat()}
        await self.ctx.store.put(f"code:{code}", json.dumps(record))
        return code, f"https://t.me/{self.username}?start={code}"

    async def link(self, chat: int, code: str) -> str:
        raw = await self.ctx.store.take(f"code:{code}") if code else None
        if raw is None:
            return "This link is not valid (any more). Get a new one on Stagedoor."
        record = json.loads(raw)
        if datetime.fromisoformat(record["expires"]) <= self.ctx.clock.now():
            return "This link has expired. Get a new one on Stagedoor."
        account = record["account"]
        previous = await self.ctx.store.get(f"chat:{account}")
        if previous is not None:
            await self.ctx.store.delete(f"account:{previous}")
        await self.ctx.store.put(f"chat:{account}", str(chat))
        await self.ctx.store.put(f"account:{chat}", account)
        return "Linked: your Stagedoor notifications will come here. /stop to unlink."

    async def unlink_account(self, account_id: UUID) -> bool:
        chat = await self.ctx.store.take(f"chat:{account_id}")
        if chat is not None:
            await self.ctx.store.delete(f"account:{chat}")
        return chat is not None

    async def unlink_chat(self, chat: int) -> str:
        account = await self.ctx.store.take(f"account:{chat}")
        if account is not None:
            await self.ctx.store.delete(f"chat:{account}")
        return "Unlinked. Alerts you asked for with /watch keep coming; /unwatch stops them."

    # -- what people send the bot ------------------------------------------------------------

    async def on_update(self, update: dict[str, Any]) -> None:
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            return
        chat = int(message["chat"]["id"])
        command, _, argument = str(message.get("text") or "").strip().partition(" ")
        command, argument = command.split("@")[0], argument.strip()
        if command == "/start":
            reply = await self.link(chat, argument) if argument else HELP
        elif command == "/watch":
            reply = await self.watch(chat, argument)
        elif command == "/unwatch":
            reply = await self.unwatch(chat, argument)
        elif command == "/stop":
            reply = await self.unlink_chat(chat)
        else:
            reply = HELP
        await self._tell(chat, reply)

    async def watch(self, chat: int, argument: str) -> str:
        try:
            snapshot = await self.ctx.platform.snapshot(UUID(argument))
        except (ValueError, NotFound):
            return "I know no such event. Send /watch followed by the event's id."
        if not await self.ctx.platform.is_active(snapshot.organiser_id):
            return f"Alerts are not available for {snapshot.title}."
        state = state_of(snapshot)
        if state == OVER:
            return f"{snapshot.title} is not on sale any more."
        await self.ctx.store.put(f"watch:{snapshot.event_id}:{chat}", state)
        if state == SOLD_OUT:
            return f"{snapshot.title} is sold out. I'll tell you when seats come back."
        return f"Watching {snapshot.title}: {snapshot.seats_left} seats left."

    async def unwatch(self, chat: int, argument: str) -> str:
        deleted = await self.ctx.store.delete(f"watch:{argument}:{chat}")
        return "Stopped." if deleted else "You were not watching that event."

    # -- what the platform tells people ------------------------------------------------------

    async def send(self, message: Message) -> None:
        """The notifier channel: people who linked a chat also get their messages here."""
        chat = await self.ctx.store.get(f"chat:{message.recipient_id}")
        if chat is not None:
            await self._tell(int(chat), f"{message.subject}\n\n{message.body}")

    async def on_event(self, event: DomainEvent, organiser: UUID) -> None:
        """Subscribed hooks (they fire only for organisers who switched the plugin on)."""
        if isinstance(event, AvailabilityChanged):
            await self.alert_watchers(event.live_event_id)
        elif isinstance(event, BookingConfirmed):
            when = event.starts_at.strftime("%Y-%m-%d %H:%M")
            text = f"New booking: {event.seats} seat(s) for {event.title} on {when}."
            await self._tell_account(organiser, text)
        elif isinstance(event, PartnerHoldConfirmed):
            text = f"{event.partner} sold {event.seats} seat(s) (their order {event.reference})."
            await self._tell_account(organiser, text)

    async def alert_watchers(self, event_id: UUID) -> int:
        try:
            snapshot = await self.ctx.platform.snapshot(event_id)
        except NotFound:
            return 0
        state, told = state_of(snapshot), 0
        for key, last in await self.ctx.store.items(f"watch:{event_id}:", limit=1000):
            if last == state:
                continue
            chat = int(key.rsplit(":", 1)[1])
            reached = await self._tell(chat, self._alert(snapshot, state))
            if state == OVER or not reached:
                await self.ctx.store.delete(key)
            else:
                await self.ctx.store.put(key, state)
            told += 1
        return told

    def _alert(self, snapshot: AvailabilitySnapshot, state: str) -> str:
        title = snapshot.title
        if state == ON_SALE:
            url = f"{self.ctx.public_url}/events/{snapshot.event_id}"
            return f"Seats are back for {title}: {snapshot.seats_left} left. {url}"
        if state == SOLD_OUT:
            return f"{title} is sold out again. I'll tell you when seats come back."
        if snapshot.cancelled:
            return f"{title} was cancelled."
        return f"{title} has started ({_when(snapshot.starts_at, snapshot.time_zone)})."

    async def _tell_account(self, account_id: UUID, text: str) -> None:
        chat = await self.ctx.store.get(f"chat:{account_id}")
        if chat is not None:
            await self._tell(int(chat), text)

    async def _tell(self, chat: int, text: str) -> bool:
        """Send; a chat that blocked the bot is forgotten instead of retried forever."""
        try:
            await self.bot.send_message(chat, text)
        except ChatGone:
            await self.unlink_chat(chat)
            return False
        return True
