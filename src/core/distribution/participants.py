"""The participant list: add, edit, remove, find, import and export participants.

Only the organiser changes the list; staff may look people up (the desk); anyone else gets
"not found", as everywhere in distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from core.distribution import roster
from core.distribution.model import (
    Conference,
    ConferenceId,
    Participant,
    ParticipantId,
    Person,
    PickupPoint,
    PointId,
)
from core.distribution.ports import DistributionUnitOfWork, ParticipantQuery
from core.distribution.services import _changed, _organise, _point_of, access
from core.identity.model import AccountId
from core.shared.clock import Clock
from core.shared.errors import NotFound, ValidationFailed
from core.shared.paging import Page, PageRequest


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
        await _ensure_new_email(uow, conference_id, participant.person.email)
        await uow.participants.add(participant)
        await _changed(uow, conference, "participants", now)
        await uow.commit()
    return participant


async def _ensure_new_email(
    uow: DistributionUnitOfWork, conference_id: ConferenceId, email: str
) -> None:
    if email and email in await uow.participants.emails_of(conference_id):
        raise ValidationFailed(f"{email} is already in this list", field="email")


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
        if participant.person.email != before:
            await _ensure_new_email(uow, conference_id, participant.person.email)
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
