"""Message texts, keyed by template name; `data` fills the placeholders."""

from __future__ import annotations

from collections.abc import Mapping

from core.shared.errors import ValidationFailed

TEMPLATES: dict[str, tuple[str, str]] = {
    "booking_confirmed": (
        "Booked: {title}",
        "Your {seats} seat(s) for {title} on {starts_at} are confirmed.",
    ),
    "booking_cancelled": (
        "Booking cancelled: {title}",
        "Your booking for {title} was cancelled and the seats released.",
    ),
    "event_changed": (
        "Changed: {title}",
        "The host changed {title}: {changes}.",
    ),
    "event_cancelled": (
        "Cancelled: {title}",
        "The host cancelled {title} planned for {starts_at}. {reason}",
    ),
    "booking_expired": (
        "Not booked: {title}",
        "Your seats for {title} on {starts_at} were held for you, but the payment did not come "
        "through in time, so they were released. You can book again if seats are left.",
    ),
    "refund_succeeded": (
        "Refund of {amount}",
        "We refunded {amount} to you ({reason}). Depending on your bank it may take a few "
        "days to appear.",
    ),
    "resale_sold": (
        "Sold: {event_name}",
        "Your ticket for {event_name} sold for {price}. You receive {proceeds} (the price less "
        "the platform fee) once the transfer is safe.",
    ),
    "resale_bought": (
        "Your ticket: {event_name}",
        "You bought a ticket for {event_name} for {price}. Open it under My tickets on "
        "Stagedoor; only you can see its barcode.",
    ),
    "registration_attempted": (
        "Someone tried to register with your email",
        "Somebody tried to create a new Stagedoor account with your email. If it was you, "
        "log in or reset your password instead; otherwise you can ignore this message.",
    ),
}


def render(template: str, data: Mapping[str, str]) -> tuple[str, str]:
    """Subject and body for a template, or ValidationFailed for an unknown one."""
    try:
        subject, body = TEMPLATES[template]
    except KeyError:
        raise ValidationFailed(f"no notification template named {template!r}") from None
    fields = dict(data)
    return subject.format_map(_Missing(fields)), body.format_map(_Missing(fields)).strip()


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
