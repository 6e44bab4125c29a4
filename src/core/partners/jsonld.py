"""Availability in schema.org's words: `Event` with an `Offer`, as JSON-LD.

Partners (search engines, aggregators, ticket shops) already read this vocabulary:
`offers.availability`, `offers.inventoryLevel` and `offers.price` say what is left and at
what price; `eventStatus` says when an event was cancelled. Plain dicts come out, for any
JSON encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from core.partners.availability import AvailabilitySnapshot
from core.shared.money import Money

CONTEXT = "https://schema.org"
MEDIA_TYPE = "application/ld+json"

_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
"""ISO 4217 minor-unit exponents that are not 2."""


def decimal_price(money: Money) -> str:
    """Minor units as the decimal string schema.org wants: 150000 RUB -> "1500.00"."""
    exponent = _EXPONENTS.get(money.currency, 2)
    sign = "-" if money.amount < 0 else ""
    if exponent == 0:
        return f"{sign}{abs(money.amount)}"
    whole, part = divmod(abs(money.amount), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d}"


def event_url(base_url: str, snapshot: AvailabilitySnapshot) -> str:
    return f"{base_url.rstrip('/')}/events/{snapshot.event_id}"


def offer(snapshot: AvailabilitySnapshot, base_url: str) -> dict[str, Any]:
    price = snapshot.price
    document: dict[str, Any] = {
        "@type": "Offer",
        "url": event_url(base_url, snapshot),
        "availability": f"{CONTEXT}/{snapshot.availability.value}",
        "inventoryLevel": {"@type": "QuantitativeValue", "value": snapshot.seats_left},
        "price": "0" if price is None else decimal_price(price),
    }
    if price is not None:
        document["priceCurrency"] = price.currency
    return document


def event(snapshot: AvailabilitySnapshot, base_url: str) -> dict[str, Any]:
    """One event as a schema.org `Event` (without `@context`: see `document`)."""
    zone = ZoneInfo(snapshot.time_zone)
    status = "EventCancelled" if snapshot.cancelled else "EventScheduled"
    return {
        "@type": "Event",
        "@id": event_url(base_url, snapshot),
        "identifier": str(snapshot.event_id),
        "name": snapshot.title,
        "description": snapshot.description,
        "startDate": snapshot.starts_at.astimezone(zone).isoformat(),
        "endDate": snapshot.ends_at.astimezone(zone).isoformat(),
        "eventStatus": f"{CONTEXT}/{status}",
        "location": {
            "@type": "Place",
            "name": snapshot.address or snapshot.city,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": snapshot.address,
                "addressLocality": snapshot.city,
            },
        },
        "organizer": {"@type": "Organization", "identifier": str(snapshot.organiser_id)},
        "maximumAttendeeCapacity": snapshot.capacity,
        "remainingAttendeeCapacity": snapshot.seats_left,
        "offers": offer(snapshot, base_url),
    }


def document(snapshot: AvailabilitySnapshot, base_url: str) -> dict[str, Any]:
    """A stand-alone JSON-LD document about one event."""
    return {"@context": CONTEXT, **event(snapshot, base_url)}


def item_list(snapshots: Sequence[AvailabilitySnapshot], base_url: str) -> dict[str, Any]:
    """A page of events as a schema.org `ItemList` (the next page is linked by the carrier,
    e.g. an HTTP `Link: <...>; rel="next"` header: the vocabulary has no word for it)."""
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "numberOfItems": len(snapshots),
        "itemListElement": [
            {"@type": "ListItem", "position": n, "item": event(s, base_url)}
            for n, s in enumerate(snapshots, start=1)
        ],
    }
