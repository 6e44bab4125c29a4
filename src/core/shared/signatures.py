"""Signed webhooks: one HMAC scheme for every webhook Stagedoor sends or checks.

    Stagedoor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

The sandbox payment provider signs its webhooks this way, and so does every availability
push to a partner; a receiver checks the signature on the raw body before reading it and
refuses timestamps too far from its own clock, so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "Stagedoor-Signature"
TOLERANCE = timedelta(seconds=300)


class SignatureInvalid(ValueError):
    """Raised when a signature header is missing, malformed, stale or does not match."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for `body` signed at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str | None, now: datetime, tolerance: timedelta = TOLERANCE
) -> None:
    """Check a signature header against the raw body; SignatureInvalid says what is wrong."""
    if not header:
        raise SignatureInvalid(f"the {SIGNATURE_HEADER} header is missing")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureInvalid(f"the {SIGNATURE_HEADER} header has no timestamp") from None
    seconds = int(tolerance.total_seconds())
    if abs(now.timestamp() - timestamp) > seconds:
        raise SignatureInvalid(
            f"the webhook's timestamp is more than {seconds} s from now; replay refused"
        )
    expected = sign(secret, body, timestamp).partition("v1=")[2]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureInvalid("the webhook's signature does not match its body")
