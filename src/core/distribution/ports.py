"""What distribution needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from core.distribution.model import (
    Conference,
    ConferenceId,
    Participant,
    ParticipantId,
    PickupPoint,
    PointId,
    Role,
    StaffInvitation,
    StaffMember,
)
from core.identity.model import AccountId
from core.shared.paging import Page, PageRequest
from core.shared.uow import UnitOfWork


@attrs.frozen
class ParticipantQuery:
    """Which participants to list: `tokens` are folded prefixes that must all match (see
    `core.distribution.roster.query_tokens`); None in a filter means any."""

    tokens: tuple[str, ...] = ()
    delivered: bool | None = None
    point_id: PointId | None = None


@attrs.frozen
class PointCounts:
    """How one point (or, with point_id None, the whole conference) stands right now.

    `assigned` and `assigned_delivered` count the people planned for the point (served
    anywhere); `handed_out` counts the packs that left this point, `handed_out_for_others`
    those of them planned elsewhere, `handed_out_since` those within each look-back window.
    `due_recently`: planned here, not served yet, slot begun within the last window.
    For the total row, `assigned` counts every participant, planned or not.
    """

    point_id: PointId | None
    assigned: int = 0
    assigned_delivered: int = 0
    handed_out: int = 0
    handed_out_for_others: int = 0
    handed_out_since: tuple[int, ...] = ()
    due_recently: int = 0


class ConferenceRepository(Protocol):
    async def add(self, conference: Conference) -> None: ...

    async def get(self, conference_id: ConferenceId) -> Conference: ...

    async def save(self, conference: Conference) -> None: ...

    async def of_account(self, account_id: AccountId) -> list[tuple[Conference, Role]]:
        """The conferences an account organises or staffs, newest first."""
        ...


class PointRepository(Protocol):
    async def add(self, point: PickupPoint) -> None: ...

    async def get(self, point_id: PointId) -> PickupPoint: ...

    async def get_for_update(self, point_id: PointId) -> PickupPoint: ...

    async def save(self, point: PickupPoint) -> None: ...

    async def of_conference(self, conference_id: ConferenceId) -> list[PickupPoint]:
        """In the order they were added."""
        ...


class ParticipantRepository(Protocol):
    async def add(self, participant: Participant) -> None: ...

    async def add_many(self, participants: Sequence[Participant]) -> None: ...

    async def get(self, participant_id: ParticipantId) -> Participant: ...

    async def get_for_update(self, participant_id: ParticipantId) -> Participant: ...

    async def save(self, participant: Participant) -> None: ...

    async def save_assignments(self, participants: Sequence[Participant]) -> None:
        """Store the point and slot of many participants at once (a plan being applied)."""
        ...

    async def remove(self, participant_id: ParticipantId) -> None: ...

    async def search(
        self, conference_id: ConferenceId, query: ParticipantQuery, page: PageRequest
    ) -> Page[Participant]:
        """Matching participants by last, first and second name, then id."""
        ...

    async def all_of(self, conference_id: ConferenceId) -> list[Participant]: ...

    async def emails_of(self, conference_id: ConferenceId) -> set[str]: ...

    async def counts(
        self, conference_id: ConferenceId, now: datetime, windows: Sequence[float]
    ) -> list[PointCounts]:
        """Per assigned or delivering point, plus one row with point_id None for the total.
        `windows` are look-back spans in seconds for `delivered_since`; the last one also
        bounds `due_recently`."""
        ...


class StaffRepository(Protocol):
    async def get(
        self, conference_id: ConferenceId, account_id: AccountId
    ) -> StaffMember | None: ...

    async def add(self, member: StaffMember) -> None:
        """Add or replace (an account has one standing per conference)."""
        ...

    async def of_conference(self, conference_id: ConferenceId) -> list[StaffMember]: ...

    async def remove(self, conference_id: ConferenceId, account_id: AccountId) -> None: ...


class StaffInvitationRepository(Protocol):
    async def add(self, invitation: StaffInvitation) -> None: ...

    async def find(self, token_hash: str) -> StaffInvitation | None:
        """Locked for the rest of the transaction."""
        ...

    async def save(self, invitation: StaffInvitation) -> None: ...


class DistributionUnitOfWork(UnitOfWork, Protocol):
    conferences: ConferenceRepository
    points: PointRepository
    participants: ParticipantRepository
    staff: StaffRepository
    staff_invitations: StaffInvitationRepository


class LiveUpdates(Protocol):
    """Tells the open dashboards of a conference that something changed (best effort)."""

    async def publish(self, conference_id: UUID) -> None: ...
