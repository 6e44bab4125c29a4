"""Idempotency keys: a retried write returns the first result and creates nothing new."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import attrs

from core.shared.errors import ValidationFailed

MAX_KEY_LENGTH = 255


@attrs.frozen
class IdempotencyRecord:
    """A write done once under `key` by `scope` (an account), with what it produced."""

    scope: str
    key: str
    fingerprint: str
    resource_id: UUID
    created_at: datetime


class IdempotencyStore(Protocol):
    """Remembers keys inside the same transaction as the write they protect."""

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Store the record unless its (scope, key) is taken; None when stored, else the
        record that holds the key. A twin still in flight is waited for, so two concurrent
        requests with one key never both go on to write."""
        ...


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
        )
    return key


def fingerprint(payload: dict[str, Any]) -> str:
    """A stable digest of what was asked, to tell a retry from a different request."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replayed(record: IdempotencyRecord | None, expected: str) -> UUID | None:
    """The id made by an earlier request with this key, or None if the key is new.

    Raises ValidationFailed when the key was used for a different request.
    """
    if record is None:
        return None
    if record.fingerprint != expected:
        raise ValidationFailed(
            "this Idempotency-Key was already used with a different request; use a new key",
            field="Idempotency-Key",
        )
    return record.resource_id
