"""A small Telegram Bot API client: only what the plugin says (sendMessage).

Errors never carry the request's URL: it holds the bot's token.
"""

from __future__ import annotations

from typing import Any

import attrs
import httpx

DEFAULT_API = "https://api.telegram.org"


class TelegramUnavailable(Exception):
    """The Bot API could not be reached or refused for now (rate limit, outage): retry."""


class ChatGone(Exception):
    """The chat cannot be written to any more (the person blocked the bot, or left)."""


@attrs.frozen
class BotApi:
    token: str = attrs.field(repr=False)
    api_url: str = DEFAULT_API
    timeout: float = 10.0

    async def send_message(self, chat_id: int, text: str) -> None:
        await self._call("sendMessage", {"chat_id": chat_id, "text": text[:4096]})

    async def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.api_url.rstrip('/')}/bot{self.token}/{method}"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(url, json=payload)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TelegramUnavailable(
                f"the Bot API did not answer ({type(exc).__name__})"
            ) from None
        if answer.get("ok") is True:
            return answer
        code = int(answer.get("error_code") or response.status_code)
        description = str(answer.get("description", ""))
        if code == 403 or (code == 400 and "chat not found" in description):
            raise ChatGone(description)
        if code == 429:
            wait = (answer.get("parameters") or {}).get("retry_after", "?")
            raise TelegramUnavailable(f"the Bot API asks to wait {wait} s")
        raise TelegramUnavailable(f"the Bot API refused {method}: {code} {description}")
