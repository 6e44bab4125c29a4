"""Telegram for Stagedoor: people get their notifications in a chat they link, organisers
hear of bookings and partner sales, and anyone can ask to be told when seats come back.

Settings (STAGEDOOR_PLUGIN_TELEGRAM__<KEY>): BOT_TOKEN and WEBHOOK_SECRET (required),
BOT_USERNAME (for t.me links), API_URL (a Bot API server; Telegram's by default),
LINK_TTL_SECONDS (600).
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from core.booking.events import AvailabilityChanged, BookingConfirmed
from core.partners import PluginContext
from core.partners.events import PartnerHoldConfirmed
from stagedoor_telegram.bot import DEFAULT_API, BotApi
from stagedoor_telegram.chats import TelegramService
from stagedoor_telegram.routes import routes

NAME = "telegram"


@attrs.frozen
class TelegramPlugin:
    name: str = NAME
    version: str = "1.0.0"
    requires_api: str = ">=1.0,<2"

    def setup(self, ctx: PluginContext) -> None:
        bot = BotApi(ctx.require_setting("bot_token"), ctx.setting("api_url") or DEFAULT_API)
        service = TelegramService(
            ctx=ctx,
            bot=bot,
            username=ctx.setting("bot_username") or "stagedoor_bot",
            link_ttl=timedelta(seconds=int(ctx.setting("link_ttl_seconds") or 600)),
        )
        ctx.add_notifier(service)
        for event in (AvailabilityChanged, BookingConfirmed, PartnerHoldConfirmed):
            ctx.subscribe(event, service.on_event)
        ctx.add_routes(*routes(service, ctx.require_setting("webhook_secret")))


plugin = TelegramPlugin()
