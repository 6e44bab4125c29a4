"""A generic partner platform: availability pushed by signed webhooks, offers pulled back,
and tickets the partner issued checked on its side. Only `core` (the plugin API) is used."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
import httpx

from core.partners import AvailabilityUpdate, PartnerOffer, PluginContext, jsonld
from core.shared.signatures import SIGNATURE_HEADER, sign
from core.tickets.authenticity import Authenticity, TicketClaim, Verdict

NAME = "partner-webhook"
TIMEOUT = 10.0


class PartnerRefused(Exception):
    """The partner answered, but not with a 2xx: the push is retried later."""


@attrs.frozen
class Signed:
    """Signed JSON requests to the partner."""

    secret: str
    timeout: float = TIMEOUT

    async def post(
        self, url: str, payload: dict[str, Any], now: datetime, **extra: str
    ) -> httpx.Response:
        """POST `payload` signed at `now`; `extra` adds headers."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body, int(now.timestamp())),
            **extra,
        }
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            return await client.post(url, content=body, headers=headers)


@attrs.frozen
class WebhookExchange:
    """The AvailabilityExchange of one partner platform."""

    url: str
    offers_url: str | None
    public_url: str
    signed: Signed

    async def push(self, update: AvailabilityUpdate) -> None:
        payload = {
            "type": "availability.changed",
            "delivery_id": str(update.delivery_id),
            "revision": update.revision,
            "sent_at": update.sent_at.isoformat(),
            "event": jsonld.document(update.snapshot, self.public_url),
        }
        key = f"{update.delivery_id}:{update.revision}"
        response = await self.signed.post(
            self.url, payload, update.sent_at, **{"Idempotency-Key": key}
        )
        if not 200 <= response.status_code < 300:
            raise PartnerRefused(f"the partner answered HTTP {response.status_code}")

    async def pull(self, organiser_id: UUID) -> Sequence[PartnerOffer]:
        """What the partner lists for the organiser, read from its schema.org ItemList."""
        if self.offers_url is None:
            return []
        async with httpx.AsyncClient(timeout=self.signed.timeout) as client:
            response = await client.get(self.offers_url, params={"organiser": str(organiser_id)})
        if response.status_code != 200:
            raise PartnerRefused(f"the partner answered HTTP {response.status_code}")
        return [
            _offer(item.get("item", item)) for item in response.json().get("itemListElement", [])
        ]


def _offer(item: dict[str, Any]) -> PartnerOffer:
    offer = item.get("offers") or {}
    level = (offer.get("inventoryLevel") or {}).get("value")
    starts = item.get("startDate")
    return PartnerOffer(
        name=str(item.get("name", "")),
        url=str(offer.get("url") or item.get("url") or ""),
        starts_at=datetime.fromisoformat(starts) if starts else None,
        seats_left=int(level) if level is not None else None,
        availability=str(offer.get("availability", "")).rsplit("/", 1)[-1],
    )


@attrs.frozen
class PartnerTickets:
    """Checks tickets the partner issued by asking it (for resale listings)."""

    issuer: str
    verify_url: str
    signed: Signed

    async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
        payload = {
            "barcode": claim.barcode,
            "seller_id": str(claim.seller_id),
            "event_name": claim.event_name,
            "starts_at": claim.starts_at.isoformat() if claim.starts_at else None,
        }
        response = await self.signed.post(self.verify_url, payload, now)
        if response.status_code != 200:
            raise PartnerRefused(f"the partner answered HTTP {response.status_code}")
        answer = response.json()
        genuine = answer.get("valid") is True
        return Verdict(
            Authenticity.GENUINE if genuine else Authenticity.REFUSED,
            checker=self.issuer,
            reason=str(answer.get("reason", "")),
        )


@attrs.frozen
class PartnerWebhookPlugin:
    name: str = NAME
    version: str = "1.0.0"
    requires_api: str = ">=1.0,<2"

    def setup(self, ctx: PluginContext) -> None:
        signed = Signed(ctx.require_setting("secret"), float(ctx.setting("timeout") or TIMEOUT))
        ctx.set_availability_exchange(
            WebhookExchange(
                url=ctx.require_setting("url"),
                offers_url=ctx.setting("offers_url"),
                public_url=ctx.public_url,
                signed=signed,
            )
        )
        issuer = ctx.setting("issuer")
        if issuer:
            ctx.add_authenticity_checker(
                PartnerTickets(issuer, ctx.require_setting("verify_url"), signed)
            )


plugin = PartnerWebhookPlugin()
