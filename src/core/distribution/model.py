"""Conferences, pickup points, participants and the hand-over of their packs.

An organiser runs a conference; its participants collect a material pack each at one of its
pickup points. Staff at a desk find a participant and confirm the hand-over: it happens once,
takes one pack from that point's stock, and says where and when it happened if anyone tries
again. Only the organiser and the staff they invite see a conference at all.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from core.distribution import events
from core.distribution.roster import EMAIL_MAX, PHONE_MAX, PHONE_MIN_DIGITS, phone_digits
from core.identity.model import AccountId, normalise_email
from core.shared.clock import require_aware
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7

ConferenceId = NewType("ConferenceId", UUID)
PointId = NewType("PointId", UUID)
ParticipantId = NewType("ParticipantId", UUID)

TITLE_MAX = 200
NAME_MAX = 100
STOCK_MAX = 1_000_000
DESKS_MAX = 100
SERVICE_DEFAULT = timedelta(seconds=30)


def _text(value: str, field: str, maximum: int, *, required: bool = True) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(text) > maximum:
        raise ValidationFailed(f"{field} must be at most {maximum} characters", field=field)
    return text


def _within(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ValidationFailed(f"{field} must be between {low} and {high}", field=field)
    return value


class Role(enum.StrEnum):
    """What someone may do in one conference."""

    ORGANISER = "organiser"
    STAFF = "staff"


@attrs.frozen
class Access:
    """The caller's standing in a conference; staff may be tied to one point."""

    role: Role
    point_id: PointId | None = None

    @property
    def is_organiser(self) -> bool:
        return self.role is Role.ORGANISER

    def ensure_organiser(self) -> None:
        if not self.is_organiser:
            raise PermissionDenied("only the conference's organiser may do this")

    def ensure_at(self, point_id: PointId) -> None:
        """Staff tied to a point hand packs out there only."""
        if self.point_id is not None and self.point_id != point_id:
            raise PermissionDenied("you work at another pickup point of this conference")


@attrs.define
class Conference(Aggregate):
    """A conference whose packs are handed out between `handout_starts_at` and `_ends_at`."""

    id: ConferenceId
    organiser_id: AccountId
    title: str
    venue: str
    handout_starts_at: datetime
    handout_ends_at: datetime
    time_zone: str
    service_time: timedelta
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        organiser_id: AccountId,
        title: str,
        venue: str,
        handout_starts_at: datetime,
        handout_ends_at: datetime,
        *,
        now: datetime,
        time_zone: str = "UTC",
        service_time: timedelta = SERVICE_DEFAULT,
    ) -> Conference:
        conference = cls(
            id=ConferenceId(uuid7(now)),
            organiser_id=organiser_id,
            title=_text(title, "title", TITLE_MAX),
            venue=_text(venue, "venue", TITLE_MAX, required=False),
            handout_starts_at=require_aware(handout_starts_at, "handout_starts_at"),
            handout_ends_at=require_aware(handout_ends_at, "handout_ends_at"),
            time_zone=_zone(time_zone),
            service_time=_service(service_time),
            created_at=now,
            updated_at=now,
        )
        conference._check_window()
        return conference

    def _check_window(self) -> None:
        if self.handout_ends_at <= self.handout_starts_at:
            raise ValidationFailed("the hand-out must end after it starts", field="handout_ends_at")
        if self.handout_ends_at - self.handout_starts_at > timedelta(days=14):
            raise ValidationFailed("a hand-out lasts at most 14 days", field="handout_ends_at")

    def edit(self, changes: ConferenceChanges, now: datetime) -> None:
        if changes.title is not None:
            self.title = _text(changes.title, "title", TITLE_MAX)
        if changes.venue is not None:
            self.venue = _text(changes.venue, "venue", TITLE_MAX, required=False)
        if changes.handout_starts_at is not None:
            self.handout_starts_at = require_aware(changes.handout_starts_at, "handout_starts_at")
        if changes.handout_ends_at is not None:
            self.handout_ends_at = require_aware(changes.handout_ends_at, "handout_ends_at")
        if changes.time_zone is not None:
            self.time_zone = _zone(changes.time_zone)
        if changes.service_time is not None:
            self.service_time = _service(changes.service_time)
        self._check_window()
        self.updated_at = now

    def note_change(self, what: str, now: datetime) -> None:
        """Something in the conference changed (points, stock, the list): views refresh."""
        self.record(
            events.RosterChanged(
                event_id=uuid7(now), occurred_at=now, conference_id=self.id, what=what
            )
        )

    def access_of(self, account: AccountId, staff: StaffMember | None) -> Access:
        """The caller's standing; a conference is invisible (404) to everyone else."""
        if account == self.organiser_id:
            return Access(Role.ORGANISER)
        if staff is not None and staff.conference_id == self.id and staff.account_id == account:
            return Access(staff.role, staff.point_id)
        raise NotFound("conference not found")


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name like Europe/Moscow", field="time_zone"
        ) from None
    return name


def _service(value: timedelta) -> timedelta:
    if not timedelta(seconds=5) <= value <= timedelta(minutes=30):
        raise ValidationFailed(
            "the service time per participant must be between 5 s and 30 min",
            field="service_seconds",
        )
    return value


@attrs.frozen
class ConferenceChanges:
    title: str | None = None
    venue: str | None = None
    handout_starts_at: datetime | None = None
    handout_ends_at: datetime | None = None
    time_zone: str | None = None
    service_time: timedelta | None = None


@attrs.define
class PickupPoint:
    """A place with `desks` desks and `stock` packs left; a closed point hands out nothing."""

    id: PointId
    conference_id: ConferenceId
    name: str
    location: str
    desks: int
    stock: int
    created_at: datetime
    is_open: bool = True

    @classmethod
    def create(
        cls,
        conference_id: ConferenceId,
        name: str,
        location: str,
        desks: int,
        stock: int,
        now: datetime,
    ) -> PickupPoint:
        return cls(
            id=PointId(uuid7(now)),
            conference_id=conference_id,
            name=_text(name, "name", NAME_MAX),
            location=_text(location, "location", TITLE_MAX, required=False),
            desks=_within(desks, "desks", 1, DESKS_MAX),
            stock=_within(stock, "stock", 0, STOCK_MAX),
            created_at=now,
        )

    def edit(self, changes: PointChanges) -> None:
        if changes.name is not None:
            self.name = _text(changes.name, "name", NAME_MAX)
        if changes.location is not None:
            self.location = _text(changes.location, "location", TITLE_MAX, required=False)
        if changes.desks is not None:
            self.desks = _within(changes.desks, "desks", 1, DESKS_MAX)
        if changes.stock is not None:
            self.stock = _within(changes.stock, "stock", 0, STOCK_MAX)
        if changes.is_open is not None:
            self.is_open = changes.is_open

    def take_pack(self) -> None:
        if not self.is_open:
            raise Conflict(f"{self.name} is closed; hand the pack out at an open point")
        if self.stock <= 0:
            raise Conflict(f"{self.name} has no packs left; move stock to it first")
        self.stock -= 1

    def move_stock_to(self, other: PickupPoint, packs: int) -> None:
        if other.id == self.id or other.conference_id != self.conference_id:
            raise ValidationFailed("move stock between two points of one conference")
        _within(packs, "packs", 1, STOCK_MAX)
        if packs > self.stock:
            raise Conflict(f"{self.name} has only {self.stock} packs to give")
        self.stock -= packs
        other.stock += packs


@attrs.frozen
class PointChanges:
    name: str | None = None
    location: str | None = None
    desks: int | None = None
    stock: int | None = None
    is_open: bool | None = None


@attrs.frozen
class Person:
    """What a participant is called and how to reach them (from the seed's `party`)."""

    last_name: str
    first_name: str
    second_name: str = ""
    email: str = ""
    phone: str = ""

    def checked(self) -> Person:
        """Trimmed and validated the way an imported row is: email form, phone digits."""
        email = _text(self.email, "email", EMAIL_MAX, required=False)
        phone = _text(self.phone, "phone", PHONE_MAX, required=False)
        if phone and len(phone_digits(phone)) < PHONE_MIN_DIGITS:
            raise ValidationFailed(
                f"phone must have at least {PHONE_MIN_DIGITS} digits", field="phone"
            )
        return Person(
            last_name=_text(self.last_name, "last_name", NAME_MAX),
            first_name=_text(self.first_name, "first_name", NAME_MAX),
            second_name=_text(self.second_name, "second_name", NAME_MAX, required=False),
            email=normalise_email(email) if email else "",
            phone=phone,
        )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.second_name) if p)


@attrs.frozen
class Slot:
    """When a participant is expected at their point."""

    starts_at: datetime
    ends_at: datetime


@attrs.define
class Participant(Aggregate):
    id: ParticipantId
    conference_id: ConferenceId
    person: Person
    created_at: datetime
    updated_at: datetime
    preferred_point_id: PointId | None = None
    assigned_point_id: PointId | None = None
    slot: Slot | None = None
    delivered_at: datetime | None = None
    delivered_point_id: PointId | None = None
    delivered_by: AccountId | None = None

    @classmethod
    def register(
        cls,
        conference_id: ConferenceId,
        person: Person,
        now: datetime,
        preferred_point_id: PointId | None = None,
    ) -> Participant:
        return cls(
            id=ParticipantId(uuid7(now)),
            conference_id=conference_id,
            person=person.checked(),
            created_at=now,
            updated_at=now,
            preferred_point_id=preferred_point_id,
        )

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None

    def rename(self, person: Person, now: datetime) -> None:
        self.person, self.updated_at = person.checked(), now

    def assign(self, point_id: PointId | None, slot: Slot | None, now: datetime) -> None:
        self.assigned_point_id, self.slot, self.updated_at = point_id, slot, now

    def deliver(self, point: PickupPoint, staff: AccountId, now: datetime) -> bool:
        """Hand the pack over at `point`; False when this very desk already did (a retry).

        Raises AlreadyDelivered when it happened elsewhere or by someone else.
        """
        if point.conference_id != self.conference_id:
            raise NotFound("pickup point not found")
        if self.delivered_at is not None:
            if (self.delivered_point_id, self.delivered_by) == (point.id, staff):
                return False
            raise AlreadyDelivered(self, point)
        point.take_pack()
        self.delivered_at, self.delivered_point_id, self.delivered_by = now, point.id, staff
        self.updated_at = now
        self.record(
            events.PackDelivered(
                event_id=uuid7(now),
                occurred_at=now,
                conference_id=self.conference_id,
                participant_id=self.id,
                point_id=point.id,
                assigned_point_id=self.assigned_point_id,
            )
        )
        return True


class AlreadyDelivered(Conflict):
    """Raised when a pack was already handed over: says where and when."""

    code = "already-delivered"

    def __init__(self, participant: Participant, asked_at: PickupPoint) -> None:
        assert participant.delivered_at is not None
        self.delivered_at = participant.delivered_at
        self.point_id = participant.delivered_point_id
        where = "at this point" if self.point_id == asked_at.id else "at another point"
        super().__init__(
            f"{participant.person.full_name} already got their pack {where} at "
            f"{participant.delivered_at.isoformat(timespec='seconds')}"
        )


@attrs.frozen
class StaffMember:
    """Someone the organiser let in: staff of the whole conference, or of one point."""

    conference_id: ConferenceId
    account_id: AccountId
    role: Role
    added_at: datetime
    point_id: PointId | None = None


@attrs.define
class StaffInvitation:
    """A link that lets whoever opens it (signed in) join as staff, once."""

    id: UUID
    conference_id: ConferenceId
    token_hash: str = attrs.field(repr=False)
    role: Role
    created_at: datetime
    expires_at: datetime
    point_id: PointId | None = None
    used_by: AccountId | None = None

    def accept(self, account: AccountId, now: datetime) -> StaffMember:
        if self.used_by is not None and self.used_by != account:
            raise Conflict("this invitation was already used; ask the organiser for another")
        if now >= self.expires_at:
            raise Conflict("this invitation has expired; ask the organiser for another")
        self.used_by = account
        return StaffMember(self.conference_id, account, self.role, now, self.point_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
