"""Distribution use cases: conferences, pickup points, staff, and the participant list.

Every use case starts by finding the caller's standing in the conference: the organiser may
do everything; staff may look and hand packs out; anyone else gets "not found", so a
conference's existence never leaks.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from core.distribution import roster
from core.distribution.model import (
    Access,
    Conference,
    ConferenceChanges,
    ConferenceId,
    Participant,
    ParticipantId,
    Person,
    PickupPoint,
    PointChanges,
    PointId,
    Role,
    StaffInvitation,
    StaffMember,
    hash_token,
)
from core.distribution.ports import DistributionUnitOfWork, ParticipantQuery
from core.identity.model import AccountId
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.ids import uuid7
from core.shared.paging import Page, PageRequest

INVITATION_TTL = timedelta(days=14)


async def access(
    uow: DistributionUnitOfWork, conference_id: ConferenceId, actor: AccountId
) -> tuple[Conference, Access]:
    """Inside a transaction: the conference and the caller's standing in it (or NotFound)."""
    conference = await uow.conferences.get(conference_id)
    staff = None
    if actor != conference.organiser_id:
        staff = await uow.staff.get(conference_id, actor)
    return conference, conference.access_of(actor, staff)


async def _organise(
    uow: DistributionUnitOfWork, conference_id: ConferenceId, actor: AccountId
) -> Conference:
    conference, standing = await access(uow, conference_id, actor)
    standing.ensure_organiser()
    return conference


@attrs.frozen
class NewConference:
    organiser_id: AccountId
    title: str
    venue: str
    handout_starts_at: datetime
    handout_ends_at: datetime
    time_zone: str = "UTC"
    service_time: timedelta = timedelta(seconds=30)


async def create_conference(
    cmd: NewConference, *, uow: DistributionUnitOfWork, clock: Clock
) -> Conference:
    conference = Conference.create(
        cmd.organiser_id,
        cmd.title,
        cmd.venue,
        cmd.handout_starts_at,
        cmd.handout_ends_at,
        now=clock.now(),
        time_zone=cmd.time_zone,
        service_time=cmd.service_time,
    )
    async with uow:
        await uow.conferences.add(conference)
        await uow.commit()
    return conference


async def edit_conference(
    conference_id: ConferenceId,
    changes: ConferenceChanges,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> Conference:
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        conference.edit(changes, clock.now())
        await uow.conferences.save(conference)
        await uow.commit()
    return conference


async def get_conference(
    conference_id: ConferenceId, *, actor: AccountId, uow: DistributionUnitOfWork
) -> tuple[Conference, Access]:
    async with uow:
        return await access(uow, conference_id, actor)


async def my_conferences(
    actor: AccountId, *, uow: DistributionUnitOfWork
) -> list[tuple[Conference, Role]]:
    async with uow:
        return await uow.conferences.of_account(actor)


# -- pickup points ---------------------------------------------------------------------------


@attrs.frozen
class NewPoint:
    conference_id: ConferenceId
    name: str
    location: str = ""
    desks: int = 1
    stock: int = 0


async def add_point(
    cmd: NewPoint, *, actor: AccountId, uow: DistributionUnitOfWork, clock: Clock
) -> PickupPoint:
    now = clock.now()
    point = PickupPoint.create(cmd.conference_id, cmd.name, cmd.location, cmd.desks, cmd.stock, now)
    async with uow:
        conference = await _organise(uow, cmd.conference_id, actor)
        await uow.points.add(point)
        await _changed(uow, conference, "points", now)
        await uow.commit()
    return point


async def _changed(
    uow: DistributionUnitOfWork, conference: Conference, what: str, now: datetime
) -> None:
    conference.note_change(what, now)
    await uow.conferences.save(conference)


async def _point_of(
    uow: DistributionUnitOfWork, conference: Conference, point_id: PointId, *, lock: bool = False
) -> PickupPoint:
    point = await (uow.points.get_for_update if lock else uow.points.get)(point_id)
    if point.conference_id != conference.id:
        raise NotFound("pickup point not found")
    return point


async def edit_point(
    conference_id: ConferenceId,
    point_id: PointId,
    changes: PointChanges,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> PickupPoint:
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        point = await _point_of(uow, conference, point_id, lock=True)
        point.edit(changes)
        await uow.points.save(point)
        await _changed(uow, conference, "points", clock.now())
        await uow.commit()
    return point


async def list_points(
    conference_id: ConferenceId, *, actor: AccountId, uow: DistributionUnitOfWork
) -> list[PickupPoint]:
    async with uow:
        await access(uow, conference_id, actor)
        return await uow.points.of_conference(conference_id)


async def move_stock(
    conference_id: ConferenceId,
    from_id: PointId,
    to_id: PointId,
    packs: int,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> tuple[PickupPoint, PickupPoint]:
    """Carry packs from one point to another (both rows locked, in id order)."""
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        first, second = sorted((from_id, to_id))
        locked = {
            p.id: p
            for p in [
                await _point_of(uow, conference, first, lock=True),
                await _point_of(uow, conference, second, lock=True),
            ]
        }
        source, target = locked[from_id], locked[to_id]
        source.move_stock_to(target, packs)
        await uow.points.save(source)
        await uow.points.save(target)
        await _changed(uow, conference, "stock", clock.now())
        await uow.commit()
    return source, target


# -- staff -----------------------------------------------------------------------------------


async def invite_staff(
    conference_id: ConferenceId,
    role: Role,
    point_id: PointId | None,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> tuple[StaffInvitation, str]:
    """A single-use link for one more pair of hands; only its hash is stored."""
    now = clock.now()
    token = secrets.token_urlsafe(24)
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        if point_id is not None:
            await _point_of(uow, conference, point_id)
        invitation = StaffInvitation(
            id=uuid7(now),
            conference_id=conference_id,
            token_hash=hash_token(token),
            role=role,
            created_at=now,
            expires_at=now + INVITATION_TTL,
            point_id=point_id,
        )
        await uow.staff_invitations.add(invitation)
        await uow.commit()
    return invitation, token


async def accept_invitation(
    token: str, *, actor: AccountId, uow: DistributionUnitOfWork, clock: Clock
) -> StaffMember:
    async with uow:
        invitation = await uow.staff_invitations.find(hash_token(token))
        if invitation is None:
            raise NotFound("invitation not found")
        if invitation.used_by == actor:  # the link opened again: idempotent, unless removed since
            current = await uow.staff.get(invitation.conference_id, actor)
            if current is None:
                raise Conflict("this invitation was already used; ask the organiser for another")
            return current
        member = invitation.accept(actor, clock.now())
        await uow.staff_invitations.save(invitation)
        await uow.staff.add(member)
        await uow.commit()
    return member


async def list_staff(
    conference_id: ConferenceId, *, actor: AccountId, uow: DistributionUnitOfWork
) -> list[StaffMember]:
    async with uow:
        await _organise(uow, conference_id, actor)
        return await uow.staff.of_conference(conference_id)


async def remove_staff(
    conference_id: ConferenceId,
    account_id: AccountId,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
) -> None:
    async with uow:
        await _organise(uow, conference_id, actor)
        await uow.staff.remove(conference_id, account_id)
        await uow.commit()


# -- participants ----------------------------------------------------------------------------


async def add_participant(
    conference_id: ConferenceId,
    person: Person,
    preferred_point_id: PointId | None,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> Participant:
    now = clock.now()
    participant = Participant.register(conference_id, person, now, preferred_point_id)
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        if preferred_point_id is not None:
            await _point_of(uow, conference, preferred_point_id)
        email = participant.person.email
        if email and email in await uow.participants.emails_of(conference_id):
            raise ValidationFailed(f"{email} is already in this list", field="email")
        await uow.participants.add(participant)
        await _changed(uow, conference, "participants", now)
        await uow.commit()
    return participant


async def _participant_of(
    uow: DistributionUnitOfWork,
    conference: Conference,
    participant_id: ParticipantId,
    *,
    lock: bool = False,
) -> Participant:
    get = uow.participants.get_for_update if lock else uow.participants.get
    participant = await get(participant_id)
    if participant.conference_id != conference.id:
        raise NotFound("participant not found")
    return participant


async def edit_participant(
    conference_id: ConferenceId,
    participant_id: ParticipantId,
    person: Person,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> Participant:
    now = clock.now()
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        participant = await _participant_of(uow, conference, participant_id, lock=True)
        before = participant.person.email
        participant.rename(person, now)
        email = participant.person.email
        if email and email != before and email in await uow.participants.emails_of(conference_id):
            raise ValidationFailed(f"{email} is already in this list", field="email")
        await uow.participants.save(participant)
        await _changed(uow, conference, "participants", now)
        await uow.commit()
    return participant


async def remove_participant(
    conference_id: ConferenceId,
    participant_id: ParticipantId,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> None:
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        await _participant_of(uow, conference, participant_id)
        await uow.participants.remove(participant_id)
        await _changed(uow, conference, "participants", clock.now())
        await uow.commit()


async def get_participant(
    conference_id: ConferenceId,
    participant_id: ParticipantId,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
) -> Participant:
    async with uow:
        conference, _ = await access(uow, conference_id, actor)
        return await _participant_of(uow, conference, participant_id)


async def find_participants(
    conference_id: ConferenceId,
    text: str,
    page: PageRequest,
    *,
    delivered: bool | None = None,
    point_id: PointId | None = None,
    actor: AccountId,
    uow: DistributionUnitOfWork,
) -> Page[Participant]:
    """Search by any prefix of a name part, the email or the phone (any format); every word
    of `text` must match. Case does not matter, nor yo written as ye."""
    query = ParticipantQuery(tuple(roster.query_tokens(text)), delivered, point_id)
    async with uow:
        await access(uow, conference_id, actor)
        return await uow.participants.search(conference_id, query, page)


@attrs.frozen
class ImportReport:
    """What an import did: how many were added, and each refused row with its line."""

    added: int
    problems: tuple[roster.RowProblem, ...]
    encoding: str
    delimiter: str


async def import_participants(
    conference_id: ConferenceId,
    data: bytes,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> ImportReport:
    """Add every good row of a CSV file; a bad row is reported with its line, never fatal.

    A row whose email is already in the list is reported too (not added twice). Preferred
    points are matched by name, case-insensitively.
    """
    parsed = roster.parse_roster(data)
    now = clock.now()
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        points = {p.name.casefold(): p.id for p in await uow.points.of_conference(conference_id)}
        known = await uow.participants.emails_of(conference_id)
        problems = list(parsed.problems)
        fresh: list[Participant] = []
        for row in parsed.rows:
            problem = _row_problem(row, known, points)
            if problem is not None:
                problems.append(roster.RowProblem(row.line, problem))
                continue
            person = Person(row.last_name, row.first_name, row.second_name, row.email, row.phone)
            preferred = points.get((row.preferred_point or "").casefold())
            fresh.append(Participant.register(conference_id, person, now, preferred))
            if row.email:
                known.add(row.email)
        await uow.participants.add_many(fresh)
        if fresh:
            await _changed(uow, conference, "participants", now)
        await uow.commit()
    problems.sort(key=lambda p: p.line)
    return ImportReport(len(fresh), tuple(problems), parsed.encoding, parsed.delimiter)


def _row_problem(row: roster.RosterRow, known: set[str], points: dict[str, PointId]) -> str | None:
    if row.email and row.email in known:
        return f"{row.email} is already in the list"
    if row.preferred_point and row.preferred_point.casefold() not in points:
        return f"there is no pickup point named {row.preferred_point!r}"
    return None


async def all_participants(
    conference_id: ConferenceId, *, actor: AccountId, uow: DistributionUnitOfWork
) -> tuple[Conference, list[PickupPoint], list[Participant]]:
    """Everything needed to export or plan: the conference, its points, its participants."""
    async with uow:
        conference, _ = await access(uow, conference_id, actor)
        points = await uow.points.of_conference(conference_id)
        return conference, points, await uow.participants.all_of(conference_id)


def export_rows(
    conference: Conference,
    points: Sequence[PickupPoint],
    participants: Sequence[Participant],
    *,
    delivered: bool | None = None,
) -> list[roster.ExportRow]:
    """Rows for `roster.roster_csv`, times in the conference's own time zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(conference.time_zone)
    names = {p.id: p.name for p in points}

    def at(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return [
        roster.ExportRow(
            last_name=p.person.last_name,
            first_name=p.person.first_name,
            second_name=p.person.second_name,
            email=p.person.email,
            phone=p.person.phone,
            point=names.get(p.assigned_point_id, "") if p.assigned_point_id else "",
            slot=f"{at(p.slot.starts_at)}-{at(p.slot.ends_at)[-5:]}" if p.slot else "",
            delivered_at=at(p.delivered_at),
            delivered_point=names.get(p.delivered_point_id, "") if p.delivered_point_id else "",
        )
        for p in participants
        if delivered is None or p.delivered is delivered
    ]
