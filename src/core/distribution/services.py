"""Distribution use cases: conferences, pickup points and staff (the participant list is in
`participants`).

Every use case starts by finding the caller's standing in the conference: the organiser may
do everything; staff may look and hand packs out; anyone else gets "not found", so a
conference's existence never leaks.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import attrs

from core.distribution.model import (
    Access,
    Conference,
    ConferenceChanges,
    ConferenceId,
    PickupPoint,
    PointChanges,
    PointId,
    Role,
    StaffInvitation,
    StaffMember,
    hash_token,
)
from core.distribution.ports import DistributionUnitOfWork
from core.identity.model import AccountId
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7

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
        locked = {
            point_id: await _point_of(uow, conference, point_id, lock=True)
            for point_id in sorted({from_id, to_id})
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
