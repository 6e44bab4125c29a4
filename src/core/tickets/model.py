"""Tickets: the right of one person to one admission, and the barcode that proves it.

One concept shared by booking (which issues tickets when a booking is confirmed), resale
(which moves a ticket to a buyer by revoking it and issuing a new one) and the door (which
admits a valid barcode once). The core holds the plain barcode; storage encrypts it.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import NewType
from uuid import UUID

import attrs

from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7

TicketId = NewType("TicketId", UUID)

BARCODE_LENGTH = 16
BARCODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a door


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    """Admits its holder (once)."""
    VOID = "void"
    """Its booking or event was cancelled."""
    REVOKED = "revoked"
    """It was resold: a new ticket with a new barcode replaced it."""


def new_barcode() -> str:
    """16 characters from a 32-letter alphabet: 80 random bits, unguessable at a door.

    The bits are read once and cut into 5-bit letters (uniform: the alphabet has exactly 32),
    rather than one `secrets.choice` per letter: one system call instead of sixteen."""
    bits = int.from_bytes(secrets.token_bytes(BARCODE_LENGTH * 5 // 8))
    return "".join(BARCODE_ALPHABET[(bits >> (5 * n)) & 31] for n in range(BARCODE_LENGTH))


def normal_barcode(text: str) -> str:
    """A barcode as typed or scanned: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in text.upper() if ch not in " -\t\r\n")


@attrs.define
class Ticket:
    """The right of one person to one seat; its barcode is what the door scans.

    `booking_id` is the booking the seat was bought with, kept on reissued tickets too, so
    that a ticket's history leads back to its seat. A ticket that a resale replaced is
    `revoked` and names its successor in `replaced_by`; the successor names it in `replaces`.
    `on_sale` is True while a live resale listing offers it: such a ticket cannot be given
    back by its booking's guest.
    """

    id: TicketId
    booking_id: UUID
    event_id: UUID
    holder_id: UUID
    barcode: str = attrs.field(repr=False)
    issued_at: datetime
    status: TicketStatus = TicketStatus.VALID
    replaces: TicketId | None = None
    replaced_by: TicketId | None = None
    revoked_at: datetime | None = None
    admitted_at: datetime | None = None
    on_sale: bool = False
    seat_id: UUID | None = None  # the seat it admits to, at a venue with a seat map

    @classmethod
    def issue(
        cls,
        booking_id: UUID,
        event_id: UUID,
        holder_id: UUID,
        now: datetime,
        seat_id: UUID | None = None,
    ) -> Ticket:
        return cls(
            id=TicketId(uuid7(now)),
            booking_id=booking_id,
            event_id=event_id,
            holder_id=holder_id,
            barcode=new_barcode(),
            issued_at=now,
            seat_id=seat_id,
        )

    @property
    def is_valid(self) -> bool:
        return self.status is TicketStatus.VALID

    def ensure_held_by(self, actor: UUID) -> None:
        """Someone else's ticket does not exist for the caller."""
        if actor != self.holder_id:
            raise NotFound("ticket not found")

    def void(self) -> None:
        """The booking or the event was cancelled: the ticket no longer admits anyone."""
        if self.status is TicketStatus.VALID:
            self.status = TicketStatus.VOID
        self.on_sale = False

    def reissue_to(self, holder_id: UUID, now: datetime) -> Ticket:
        """Resale: this ticket is revoked (its barcode dies) and a new one, with a new barcode,
        goes to `holder_id`."""
        if self.status is not TicketStatus.VALID:
            raise Conflict(f"this ticket is {self.status.value}; it cannot change hands")
        if self.admitted_at is not None:
            raise Conflict("this ticket was already used at the door")
        successor = Ticket.issue(
            self.booking_id, self.event_id, holder_id, now, seat_id=self.seat_id
        )
        successor.replaces = self.id
        self.status, self.revoked_at, self.replaced_by = TicketStatus.REVOKED, now, successor.id
        self.on_sale = False
        return successor


class DoorOutcome(enum.StrEnum):
    ADMITTED = "admitted"
    ALREADY_ADMITTED = "already_admitted"
    REVOKED = "revoked"
    VOID = "void"
    UNKNOWN = "unknown"
    OTHER_EVENT = "other_event"


_REASONS = {
    DoorOutcome.ADMITTED: "valid ticket: let them in",
    DoorOutcome.ALREADY_ADMITTED: "this ticket was already used to enter",
    DoorOutcome.REVOKED: "this barcode was replaced when the ticket was resold; it is dead",
    DoorOutcome.VOID: "this ticket was cancelled",
    DoorOutcome.UNKNOWN: "no ticket has this barcode",
    DoorOutcome.OTHER_EVENT: "this ticket is for another event",
}


@attrs.frozen
class DoorCheck:
    """What the door is told about one scanned barcode."""

    outcome: DoorOutcome
    ticket_id: TicketId | None = None
    admitted_at: datetime | None = None

    @property
    def admitted(self) -> bool:
        return self.outcome is DoorOutcome.ADMITTED

    @property
    def reason(self) -> str:
        return _REASONS[self.outcome]


def admit(ticket: Ticket | None, event_id: UUID, now: datetime) -> DoorCheck:
    """Let a ticket's holder in once; every refusal says why."""
    if ticket is None:
        return DoorCheck(DoorOutcome.UNKNOWN)
    if ticket.event_id != event_id:
        return DoorCheck(DoorOutcome.OTHER_EVENT)
    if ticket.status is TicketStatus.REVOKED:
        return DoorCheck(DoorOutcome.REVOKED, ticket.id)
    if ticket.status is TicketStatus.VOID:
        return DoorCheck(DoorOutcome.VOID, ticket.id)
    if ticket.admitted_at is not None:
        return DoorCheck(DoorOutcome.ALREADY_ADMITTED, ticket.id, ticket.admitted_at)
    ticket.admitted_at = now
    return DoorCheck(DoorOutcome.ADMITTED, ticket.id, now)
