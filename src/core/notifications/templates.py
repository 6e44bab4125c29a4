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
    "subscription_activated": (
        "Welcome to {plan}",
        "Your {plan} subscription is active. {until}. Your perks apply from now on.",
    ),
    "subscription_receipt": (
        "Receipt: {amount} for {plan}",
        "We charged {amount} for {plan} ({kind}), for {period}. Payment reference: {payment}.",
    ),
    "renewal_failed": (
        "Payment for {plan} did not go through",
        "We could not charge {amount} to renew {plan} ({reason}). We will try again on "
        "{retry_at}; your perks stay meanwhile. You can also pay now, with another card if "
        "need be, on your subscriptions page.",
    ),
    "subscription_past_due": (
        "{plan}: payment needed",
        "We tried several times but could not charge {amount} to renew {plan}. Your perks are "
        "paused. Pay on your subscriptions page before {cancel_at}, or the subscription will be "
        "cancelled then.",
    ),
    "subscription_cancelled": (
        "{plan} cancelled",
        "Your {plan} subscription was cancelled ({reason}). {refund}",
    ),
    "subscription_ending": (
        "{plan} will end on {date}",
        "As you asked, {plan} will not renew: your perks last until {date}, then it ends. "
        "Changed your mind? Resume it on your subscriptions page before then.",
    ),
    "subscription_resumed": (
        "{plan} will renew",
        "{plan} will renew on {date} as before.",
    ),
    "subscription_ended": (
        "{plan} has ended",
        "Your {plan} subscription has ended. You can subscribe again at any time.",
    ),
    "plan_changed": (
        "You moved to {plan}",
        "Your subscription moved from {previous} to {plan}. {money}",
    ),
    "plan_change_declined": (
        "Could not move to {wanted}",
        "We could not charge the difference to move to {wanted} ({reason}); you stay on {plan}.",
    ),
    "invoice_issued": (
        "Invoice for {conference}: {amount}",
        "{conference} now lists {participants} participants, which needs the {tier} tier. "
        "Please pay {amount} on your billing page. Nothing stops meanwhile.",
    ),
    "invoice_paid": (
        "Receipt: {amount} for {conference}",
        "Thank you: we received {amount} for the {tier} tier of {conference}.",
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
