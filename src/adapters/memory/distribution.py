"""In-memory distribution repositories: conferences, points, participants, staff."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from core.distribution import roster
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
from core.distribution.ports import ParticipantQuery, PointCounts
from core.identity.model import AccountId
from core.shared.errors import Conflict, ValidationFailed
from core.shared.paging import Cursor, Page, PageRequest

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo


class MemoryConferences(_Repo):
    table = "conferences"

    async def add(self, conference: Conference) -> None:
        self.tx.put(self.table, conference.id, conference)
        self.tx.track(conference)

    async def get(self, conference_id: ConferenceId) -> Conference:
        return self._get(conference_id, "conference")  # type: ignore[no-any-return]

    async def save(self, conference: Conference) -> None:
        self.tx.put(self.table, conference.id, conference)
        self.tx.track(conference)

    async def of_account(self, account_id: AccountId) -> list[tuple[Conference, Role]]:
        staffed = {
            m.conference_id: m.role
            for m in self.tx.rows("staff")
            if m is not None and m.account_id == account_id
        }
        mine = [
            (c, Role.ORGANISER if c.organiser_id == account_id else staffed[c.id])
            for c in self.tx.rows(self.table)
            if c.organiser_id == account_id or c.id in staffed
        ]
        return sorted(mine, key=lambda pair: pair[0].id, reverse=True)


class MemoryPoints(_Repo):
    table = "pickup_points"

    async def add(self, point: PickupPoint) -> None:
        self.tx.put(self.table, point.id, point)

    async def get(self, point_id: PointId) -> PickupPoint:
        return self._get(point_id, "pickup point")  # type: ignore[no-any-return]

    async def get_for_update(self, point_id: PointId) -> PickupPoint:
        return await self.get(point_id)

    async def save(self, point: PickupPoint) -> None:
        if point.stock < 0:
            raise Conflict("a point's stock can never go below zero")
        self.tx.put(self.table, point.id, point)

    async def of_conference(self, conference_id: ConferenceId) -> list[PickupPoint]:
        mine = [p for p in self.tx.rows(self.table) if p.conference_id == conference_id]
        return sorted(mine, key=lambda p: p.id)


def _sort_key(participant: Participant) -> tuple[str, str]:
    person = participant.person
    name = f"{person.last_name} {person.first_name} {person.second_name}"
    return roster.fold(name), str(participant.id)


def _tokens(participant: Participant) -> frozenset[str]:
    p = participant.person
    return roster.search_tokens(p.last_name, p.first_name, p.second_name, p.email, p.phone)


class MemoryParticipants(_Repo):
    table = "participants"

    def _check_email(self, participant: Participant) -> None:
        """The database's unique index on (conference, email) for non-empty emails."""
        email = participant.person.email
        if email and any(
            p.person.email == email and p.id != participant.id
            for p in self._of(participant.conference_id)
        ):
            raise Conflict("this email is already in the conference's list")

    async def add(self, participant: Participant) -> None:
        self._check_email(participant)
        self.tx.put(self.table, participant.id, participant)
        self.tx.track(participant)

    async def add_many(self, participants: Sequence[Participant]) -> None:
        for participant in participants:
            await self.add(participant)

    async def get(self, participant_id: ParticipantId) -> Participant:
        return self._get(participant_id, "participant")  # type: ignore[no-any-return]

    async def get_for_update(self, participant_id: ParticipantId) -> Participant:
        return await self.get(participant_id)

    async def save(self, participant: Participant) -> None:
        self._check_email(participant)
        self.tx.put(self.table, participant.id, participant)
        self.tx.track(participant)

    async def save_assignments(self, participants: Sequence[Participant]) -> None:
        for participant in participants:
            stored = self.tx.get(self.table, participant.id)
            if stored is not None:
                stored.assign(
                    participant.assigned_point_id, participant.slot, participant.updated_at
                )
                self.tx.put(self.table, participant.id, stored)

    async def remove(self, participant_id: ParticipantId) -> None:
        self.tx.put(self.table, participant_id, None)

    def _of(self, conference_id: ConferenceId) -> list[Participant]:
        return [
            p
            for p in self.tx.rows(self.table)
            if p is not None and p.conference_id == conference_id
        ]

    async def search(
        self, conference_id: ConferenceId, query: ParticipantQuery, page: PageRequest
    ) -> Page[Participant]:
        def wanted(p: Participant) -> bool:
            return (
                (query.delivered is None or p.delivered is query.delivered)
                and (query.point_id is None or p.assigned_point_id == query.point_id)
                and roster.matches(_tokens(p), list(query.tokens))
            )

        found = sorted((p for p in self._of(conference_id) if wanted(p)), key=_sort_key)
        if page.cursor is not None:
            after = _after(page.cursor)
            found = [p for p in found if _sort_key(p) > after]
        items = found[: page.limit]
        more = len(found) > page.limit
        return Page(items, Cursor(_sort_key(items[-1])) if more and items else None)

    async def all_of(self, conference_id: ConferenceId) -> list[Participant]:
        return sorted(self._of(conference_id), key=lambda p: p.id)

    async def emails_of(self, conference_id: ConferenceId) -> set[str]:
        return {p.person.email for p in self._of(conference_id) if p.person.email}

    async def counts(
        self, conference_id: ConferenceId, now: datetime, windows: Sequence[float]
    ) -> list[PointCounts]:
        people = self._of(conference_id)
        recent = now - timedelta(seconds=windows[-1]) if windows else now
        total: Counter[str] = Counter()
        rows: dict[PointId | None, Counter[str]] = {None: total}  # the total row, always
        for p in people:
            total["assigned"] += 1
            total["assigned_delivered"] += p.delivered
            if p.assigned_point_id is not None:
                mine = rows.setdefault(p.assigned_point_id, Counter())
                mine["assigned"] += 1
                mine["assigned_delivered"] += p.delivered
                if not p.delivered and p.slot and recent < p.slot.starts_at <= now:
                    mine["due_recently"] += 1
                    total["due_recently"] += 1
            if p.delivered_at is not None:
                for key in (p.delivered_point_id, None):
                    here = rows.setdefault(key, Counter())
                    here["handed_out"] += 1
                    here["for_others"] += p.assigned_point_id != p.delivered_point_id
                    for n, seconds in enumerate(windows):
                        if p.delivered_at > now - timedelta(seconds=seconds):
                            here[f"since{n}"] += 1
        return [
            PointCounts(
                point_id=key,
                assigned=c["assigned"],
                assigned_delivered=c["assigned_delivered"],
                handed_out=c["handed_out"],
                handed_out_for_others=c["for_others"],
                handed_out_since=tuple(c[f"since{n}"] for n in range(len(windows))),
                due_recently=c["due_recently"],
            )
            for key, c in rows.items()
        ]


def _after(cursor: Cursor) -> tuple[str, str]:
    try:
        key, last_id = cursor.key
        return key, str(UUID(last_id))
    except ValueError:
        raise ValidationFailed("cursor is not one this service issued", field="cursor") from None


class MemoryStaff(_Repo):
    table = "staff"

    async def get(self, conference_id: ConferenceId, account_id: AccountId) -> StaffMember | None:
        return self.tx.get(self.table, (conference_id, account_id))  # type: ignore[no-any-return]

    async def add(self, member: StaffMember) -> None:
        self.tx.put(self.table, (member.conference_id, member.account_id), member)

    async def of_conference(self, conference_id: ConferenceId) -> list[StaffMember]:
        mine = [m for m in self.tx.rows(self.table) if m and m.conference_id == conference_id]
        return sorted(mine, key=lambda m: (m.added_at, m.account_id))

    async def remove(self, conference_id: ConferenceId, account_id: AccountId) -> None:
        self.tx.put(self.table, (conference_id, account_id), None)


class MemoryStaffInvitations(_Repo):
    table = "staff_invitations"

    async def add(self, invitation: StaffInvitation) -> None:
        self.tx.put(self.table, invitation.token_hash, invitation)

    async def find(self, token_hash: str) -> StaffInvitation | None:
        return self.tx.get(self.table, token_hash)  # type: ignore[no-any-return]

    async def save(self, invitation: StaffInvitation) -> None:
        self.tx.put(self.table, invitation.token_hash, invitation)
