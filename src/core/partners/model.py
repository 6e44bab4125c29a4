"""Partner keys, partner holds and plugin activations: the rules of selling through partners.

A partner platform sells an organiser's seats in two phases: it holds seats (taken from the
same counter Stagedoor's own bookings take from, so nothing is ever sold twice), then
confirms the hold when its buyer paid, or releases it; a hold nobody confirms lapses and
gives its seats back. It calls in with a partner key the organiser issued: shown once,
stored as a hash, limited to scopes, revocable.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TypedDict
from uuid import UUID

import attrs

from core.booking.model import Event, EventStatus, Visibility
from core.identity.model import AccountId
from core.partners import events
from core.shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money

KEY_PREFIX = "sdpk_"
KEY_NAME_MAX = 100
REFERENCE_MAX = 100
SEATS_PER_HOLD_MAX = 100
HOLD_TTL_DEFAULT = timedelta(minutes=10)
HOLD_TTL_MIN = timedelta(minutes=1)
HOLD_TTL_MAX = timedelta(minutes=30)


class KeyScope(enum.StrEnum):
    AVAILABILITY_READ = "availability:read"
    """Read the organiser's events and what is left of them."""
    HOLDS_WRITE = "holds:write"
    """Hold, confirm and release seats."""


def hash_key(secret: str) -> str:
    """Keys are long random strings: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _key_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > KEY_NAME_MAX or not name.isprintable():
        raise ValidationFailed(
            f"name the key after its partner: 1 to {KEY_NAME_MAX} characters", field="name"
        )
    return name


@attrs.define
class PartnerKey:
    """A partner's credential for one organiser's events; `hint` identifies it in lists."""

    id: UUID
    organiser_id: AccountId
    name: str
    scopes: frozenset[KeyScope]
    key_hash: str = attrs.field(repr=False)
    hint: str
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls, organiser_id: AccountId, name: str, scopes: frozenset[KeyScope], now: datetime
    ) -> tuple[PartnerKey, str]:
        """A new key and its secret, which only the caller ever sees."""
        if not scopes:
            raise ValidationFailed(
                f"give the key at least one scope: {', '.join(KeyScope)}", field="scopes"
            )
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls(
            id=uuid7(now),
            organiser_id=organiser_id,
            name=_key_name(name),
            scopes=frozenset(scopes),
            key_hash=hash_key(secret),
            hint=secret[: len(KEY_PREFIX) + 4],
            created_at=now,
        )
        return key, secret

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def ensure_allows(self, scope: KeyScope) -> None:
        if self.revoked:
            raise Unauthenticated("this partner key was revoked; ask the organiser for a new one")
        if scope not in self.scopes:
            raise PermissionDenied(
                f"this partner key lacks the {scope.value} scope; ask the organiser for one with it"
            )

    def revoke(self, actor: AccountId, now: datetime) -> bool:
        """Stop the key working at once; False when it was revoked already."""
        if actor != self.organiser_id:
            raise NotFound("partner key not found")
        if self.revoked:
            return False
        self.revoked_at = now
        return True


class HoldStatus(enum.StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    EXPIRED = "expired"


def _reference(raw: str) -> str:
    if not raw or len(raw) > REFERENCE_MAX or not raw.isprintable():
        raise ValidationFailed(
            f"reference is the partner's order id: 1 to {REFERENCE_MAX} printable characters",
            field="reference",
        )
    return raw


def _checked_hold(seats: int, ttl: timedelta) -> None:
    if not 1 <= seats <= SEATS_PER_HOLD_MAX:
        raise ValidationFailed(f"seats must be between 1 and {SEATS_PER_HOLD_MAX}", field="seats")
    if not HOLD_TTL_MIN <= ttl <= HOLD_TTL_MAX:
        low, high = int(HOLD_TTL_MIN.total_seconds()), int(HOLD_TTL_MAX.total_seconds())
        raise ValidationFailed(
            f"a hold lasts between {low} and {high} seconds", field="ttl_seconds"
        )


class _Facts(TypedDict):
    event_id: UUID
    occurred_at: datetime
    hold_id: UUID
    key_id: UUID
    partner: str
    organiser_id: UUID
    live_event_id: UUID
    seats: int
    reference: str


@attrs.define
class PartnerHold(Aggregate):
    """Seats a partner took from an event, until it confirms, releases, or the hold lapses."""

    id: UUID
    key_id: UUID
    partner: str
    organiser_id: AccountId
    event_id: UUID
    seats: int
    reference: str
    created_at: datetime
    expires_at: datetime
    amount: Money | None = None
    status: HoldStatus = HoldStatus.HELD
    confirmed_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def place(
        cls,
        key: PartnerKey,
        event: Event,
        seats: int,
        reference: str,
        ttl: timedelta,
        now: datetime,
    ) -> PartnerHold:
        """Take `seats` of the event for the key's partner; the event's counter moves."""
        key.ensure_allows(KeyScope.HOLDS_WRITE)
        reference = _reference(reference)
        _checked_hold(seats, ttl)
        if event.host_id != key.organiser_id or event.visibility is not Visibility.PUBLIC:
            raise NotFound("event not found")
        event.take(seats, now, doing="hold seats")
        hold = cls(
            id=uuid7(now),
            key_id=key.id,
            partner=key.name,
            organiser_id=key.organiser_id,
            event_id=event.id,
            seats=seats,
            reference=reference,
            created_at=now,
            expires_at=now + ttl,
            amount=event.price * seats if event.price is not None else None,
        )
        hold.record(events.PartnerHoldPlaced(**hold._facts(now)))
        return hold

    def _facts(self, now: datetime) -> _Facts:
        return {
            "event_id": uuid7(now),
            "occurred_at": now,
            "hold_id": self.id,
            "key_id": self.key_id,
            "partner": self.partner,
            "organiser_id": self.organiser_id,
            "live_event_id": self.event_id,
            "seats": self.seats,
            "reference": self.reference,
        }

    def ensure_made_by(self, key: PartnerKey) -> None:
        if key.id != self.key_id:
            raise NotFound("hold not found")

    def matches(self, event_id: UUID, seats: int) -> bool:
        return self.event_id == event_id and self.seats == seats

    def confirm(self, event: Event, now: datetime) -> bool:
        """The partner's buyer paid: the seats are sold. False when confirmed already."""
        if self.status is HoldStatus.CONFIRMED:
            return False
        if self.status is not HoldStatus.HELD:
            raise Conflict(f"the hold was {self.status.value}; place a new one")
        if now >= self.expires_at:
            raise Conflict(f"the hold lapsed at {self.expires_at.isoformat()}; place a new one")
        if event.status is EventStatus.CANCELLED:
            raise Conflict("the event was cancelled; release the hold")
        self.status, self.confirmed_at = HoldStatus.CONFIRMED, now
        self.record(events.PartnerHoldConfirmed(**self._facts(now)))
        return True

    def release(self, event: Event, now: datetime) -> bool:
        """The partner gives the seats back. False when they went back already."""
        if self.status is HoldStatus.CONFIRMED:
            raise Conflict("the hold was confirmed: its seats are sold and cannot be released")
        return self._close(HoldStatus.RELEASED, event, now)

    def expire(self, event: Event, now: datetime) -> bool:
        """Nobody confirmed in time: the seats go back. False when not due or not held."""
        if self.status is not HoldStatus.HELD or now < self.expires_at:
            return False
        return self._close(HoldStatus.EXPIRED, event, now)

    def _close(self, status: HoldStatus, event: Event, now: datetime) -> bool:
        if self.status is not HoldStatus.HELD:
            return False
        self.status, self.closed_at = status, now
        if event.status is EventStatus.SCHEDULED:  # a cancelled event gave every seat back
            event.release(self.seats, now)
        reason = "expired" if status is HoldStatus.EXPIRED else "released"
        self.record(events.PartnerHoldReleased(**self._facts(now), reason=reason))
        return True


@attrs.frozen
class PluginActivation:
    """Whether an organiser switched a plugin on: its hooks fire only for those who did."""

    organiser_id: AccountId
    plugin: str
    active: bool
    changed_at: datetime
