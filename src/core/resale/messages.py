"""Buyer-seller messages on a listing: one thread per interested buyer, contacts masked.

People agree on details here without learning each other's phone numbers or emails: text
that looks like one is masked before it is stored, so it is never shown (nor kept).
"""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

import attrs

from core.shared.errors import ValidationFailed
from core.shared.ids import uuid7

BODY_MAX = 2000
MASK = "[hidden]"

_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+"
)
_PHONE = re.compile(r"(?<!\w)\+?\d(?:[\s().-]*\d){6,}")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][\w.]{3,}")  # messenger handles reach people too


def mask_contacts(text: str) -> str:
    """The text with anything that looks like an email, a phone number (7 digits or more,
    in any spacing) or a messenger handle replaced by MASK."""
    for pattern in (_EMAIL, _PHONE, _HANDLE):
        text = pattern.sub(MASK, text)
    return text


@attrs.frozen
class Message:
    """One message in the thread between a listing's seller and one buyer."""

    id: UUID
    listing_id: UUID
    buyer_id: UUID
    author_id: UUID
    body: str
    created_at: datetime

    @classmethod
    def write(
        cls, listing_id: UUID, buyer_id: UUID, author_id: UUID, body: str, now: datetime
    ) -> Message:
        text = body.strip()
        if not text:
            raise ValidationFailed("a message must not be empty", field="body")
        if len(text) > BODY_MAX:
            raise ValidationFailed(f"a message is at most {BODY_MAX} characters", field="body")
        return cls(uuid7(now), listing_id, buyer_id, author_id, mask_contacts(text), now)


@attrs.frozen
class Thread:
    """A buyer's conversation about a listing, as its seller sees it in a list."""

    listing_id: UUID
    buyer_id: UUID
    last_at: datetime
    count: int
