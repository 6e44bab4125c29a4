"""The plugin's HTTP routes, served under /plugins/telegram/.

POST   /plugins/telegram/link      a signed-in person gets a one-time t.me link
DELETE /plugins/telegram/link      ...or unlinks their chat
POST   /plugins/telegram/updates   Telegram's webhook (setWebhook with secret_token)
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, delete, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler

from core.partners import Caller
from core.shared.errors import Unauthenticated
from stagedoor_telegram.chats import TelegramService

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def routes(service: TelegramService, webhook_secret: str) -> list[HTTPRouteHandler]:
    @post("/link", status_code=201)
    async def new_link(caller: NamedDependency[Caller]) -> dict[str, Any]:
        """A one-time link to the bot; opening it links the chat to the caller's account."""
        code, url = await service.new_link(caller.require())
        return {"code": code, "url": url, "expires_in": int(service.link_ttl.total_seconds())}

    @delete("/link", status_code=200)
    async def unlink(caller: NamedDependency[Caller]) -> dict[str, Any]:
        return {"unlinked": await service.unlink_account(caller.require())}

    @post("/updates", status_code=200)
    async def updates(request: Request[Any, Any, Any]) -> dict[str, Any]:
        """What Telegram posts for each message to the bot; checked by the shared secret."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), webhook_secret.encode()):
            raise Unauthenticated(f"the {SECRET_HEADER} header does not match")
        update = await request.json()
        if isinstance(update, dict):
            await service.on_update(update)
        return {"ok": True}

    return [new_link, unlink, updates]
