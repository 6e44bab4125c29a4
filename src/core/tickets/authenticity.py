"""Is this ticket genuine? The question resale asks before listing, answered per issuer.

Tickets issued by Stagedoor are checked against its own ticket store; tickets issued
elsewhere are checked by a checker registered for their issuer (a partner plugin). A ticket
whose issuer has no checker is `unverified`, never `genuine`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

STAGEDOOR = "stagedoor"
"""The issuer name of tickets issued by this platform."""


class Authenticity(enum.StrEnum):
    GENUINE = "genuine"
    """The issuer confirms it: the ticket exists, is valid, is the seller's, the event is ahead."""
    UNVERIFIED = "unverified"
    """Nobody could confirm it: its issuer has no checker here."""
    REFUSED = "refused"
    """The issuer says no: unknown, void, someone else's, or the event is over."""


@attrs.frozen
class TicketClaim:
    """What a seller says about a ticket they want to sell."""

    issuer: str
    barcode: str = attrs.field(repr=False)
    seller_id: UUID
    event_name: str = ""
    starts_at: datetime | None = None


@attrs.frozen
class Verdict:
    """A checker's answer; `reason` is for people, `ticket_id`/`event_id` when the issuer knows
    the ticket (always for Stagedoor tickets that are genuine)."""

    authenticity: Authenticity
    checker: str
    reason: str = ""
    ticket_id: UUID | None = None
    event_id: UUID | None = None

    @property
    def genuine(self) -> bool:
        return self.authenticity is Authenticity.GENUINE


class AuthenticityChecker(Protocol):
    """Checks tickets of one issuer (a partner platform). May call out over the network, so
    it is never called inside a transaction; raising means "could not tell" (unverified)."""

    @property
    def issuer(self) -> str: ...

    async def check(self, claim: TicketClaim, now: datetime) -> Verdict: ...
