"""The Clock port: the only way the core learns what time it is."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.shared.errors import ValidationFailed


class Clock(Protocol):
    """Tells the current time as a timezone-aware UTC datetime."""

    def now(self) -> datetime: ...


def require_aware(value: datetime, field: str) -> datetime:
    """Refuse naive datetimes: every instant in Stagedoor carries its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(f"{field} must include a time zone offset", field=field)
    return value
