"""Partner use cases: keys (issue, list, revoke, check) and holds (place, confirm, release,
expire). Every hold write takes seats from or gives them back to the event's one counter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from core.booking.model import Event, EventId
from core.identity.model import AccountId
from core.partners.commands import IssueKey, PlaceHold, RevokeKey
from core.partners.model import KEY_PREFIX, KeyScope, PartnerHold, PartnerKey, hash_key
from core.partners.ports import PartnersUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import Conflict, Unauthenticated, ValidationFailed
from core.shared.idempotency import IdempotencyRecord, fingerprint

KEY_MAX = 200
REUSED_REFERENCE = "this reference was already used for a different hold; use a new one"


async def issue_key(
    cmd: IssueKey, *, uow: PartnersUnitOfWork, clock: Clock
) -> tuple[PartnerKey, str]:
    """A new partner key for the organiser; the secret is returned once and never stored."""
    key, secret = PartnerKey.issue(cmd.organiser_id, cmd.name, cmd.scopes, clock.now())
    async with uow:
        await uow.partner_keys.add(key)
        await uow.commit()
    return key, secret


async def list_keys(organiser_id: AccountId, *, uow: PartnersUnitOfWork) -> list[PartnerKey]:
    async with uow:
        return await uow.partner_keys.list_for(organiser_id)


async def revoke_key(cmd: RevokeKey, *, uow: PartnersUnitOfWork, clock: Clock) -> PartnerKey:
    """Stop a key at once; revoking it again changes nothing."""
    async with uow:
        key = await uow.partner_keys.get(cmd.key_id)
        if key.revoke(cmd.actor_id, clock.now()):
            await uow.partner_keys.save(key)
            await uow.commit()
    return key


async def authenticate(secret: str, scope: KeyScope, *, uow: PartnersUnitOfWork) -> PartnerKey:
    """The key a partner presents, if it is known, live and has the scope."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > KEY_MAX:
        raise Unauthenticated(f"send a partner key (it starts with {KEY_PREFIX})")
    async with uow:
        key = await uow.partner_keys.find_by_hash(hash_key(secret))
    if key is None:
        raise Unauthenticated("this partner key is not known here")
    key.ensure_allows(scope)
    return key


async def place_hold(
    cmd: PlaceHold, *, uow: PartnersUnitOfWork, clock: Clock
) -> tuple[PartnerHold, bool]:
    """Hold seats for a partner; returns the hold and whether it is a replay.

    Seats come off the event's counter through the same atomic conditional update as a
    guest's booking, sent as the commit, so partners and guests together can
    never take more than the capacity. Placing the same `reference` again (a retry, also one
    that arrives while the first is in flight) returns the first hold.
    """
    now = clock.now()
    scope = f"partner.hold:{cmd.key_id}"
    asked = fingerprint({"event_id": str(cmd.event_id), "seats": cmd.seats})
    async with uow:
        key = await uow.partner_keys.get(cmd.key_id)
        key.ensure_allows(KeyScope.HOLDS_WRITE)
        earlier = await uow.partner_holds.find(key.id, cmd.reference)
        if earlier is not None:
            return _replay(earlier, cmd), True
        event = await uow.events.get(EventId(cmd.event_id))
        hold = PartnerHold.place(key, event, cmd.seats, cmd.reference, cmd.ttl, now)
        record = IdempotencyRecord(scope, cmd.reference, asked, hold.id, now)
        twin = await uow.idempotency.claim(record)
        if twin is not None:  # a request with this reference got there first
            return _replay(await uow.partner_holds.get(twin.resource_id), cmd), True
        await uow.partner_holds.add(hold)
        if not await uow.commit_taking_seats(event.id, cmd.seats, now):
            fresh = await uow.events.get(event.id)
            PartnerHold.place(key, fresh, cmd.seats, cmd.reference, cmd.ttl, now)  # says why
            raise Conflict("the seats were taken a moment ago; try again")
    return hold, False


def _replay(hold: PartnerHold, cmd: PlaceHold) -> PartnerHold:
    if not hold.matches(cmd.event_id, cmd.seats):
        raise ValidationFailed(REUSED_REFERENCE, field="reference")
    return hold


async def get_hold(key_id: UUID, hold_id: UUID, *, uow: PartnersUnitOfWork) -> PartnerHold:
    async with uow:
        key = await uow.partner_keys.get(key_id)
        key.ensure_allows(KeyScope.HOLDS_WRITE)
        hold = await uow.partner_holds.get(hold_id)
    hold.ensure_made_by(key)
    return hold


async def confirm_hold(
    key_id: UUID, hold_id: UUID, *, uow: PartnersUnitOfWork, clock: Clock
) -> PartnerHold:
    """The partner sold the seats; confirming again returns the same confirmed hold."""
    return await _settle(key_id, hold_id, PartnerHold.confirm, uow, clock)


async def release_hold(
    key_id: UUID, hold_id: UUID, *, uow: PartnersUnitOfWork, clock: Clock
) -> PartnerHold:
    """The partner gives the seats back; releasing again changes nothing."""
    return await _settle(key_id, hold_id, PartnerHold.release, uow, clock)


async def _settle(
    key_id: UUID,
    hold_id: UUID,
    act: Callable[[PartnerHold, Event, datetime], bool],
    uow: PartnersUnitOfWork,
    clock: Clock,
) -> PartnerHold:
    async with uow:
        hold, event = await _locked_hold(key_id, hold_id, uow)
        if act(hold, event, clock.now()):
            await uow.partner_holds.save(hold)
            await uow.events.save(event)
            await uow.commit()
    return hold


async def _locked_hold(
    key_id: UUID, hold_id: UUID, uow: PartnersUnitOfWork
) -> tuple[PartnerHold, Event]:
    key = await uow.partner_keys.get(key_id)
    key.ensure_allows(KeyScope.HOLDS_WRITE)
    hold = await uow.partner_holds.get(hold_id)
    hold.ensure_made_by(key)
    event = await uow.events.get_for_update(EventId(hold.event_id))
    return await uow.partner_holds.get(hold_id), event  # re-read under the event's lock


async def expire_holds(*, uow: PartnersUnitOfWork, clock: Clock, limit: int = 100) -> int:
    """Give back the seats of holds nobody confirmed in time (one transaction each)."""
    now = clock.now()
    async with uow:
        due = await uow.partner_holds.due_to_expire(now, limit)
    expired = 0
    for hold_id in due:
        async with uow:
            hold = await uow.partner_holds.get(hold_id)
            event = await uow.events.get_for_update(EventId(hold.event_id))
            hold = await uow.partner_holds.get(hold_id)
            if hold.expire(event, now):
                await uow.partner_holds.save(hold)
                await uow.events.save(event)
                await uow.commit()
                expired += 1
    return expired
