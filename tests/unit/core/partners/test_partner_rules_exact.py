"""Exact refusals and boundaries of partner keys, holds, the plugin store and switches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from tests.unit.core.partners.conftest import IssueHelper
from tests.unit.support import NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from adapters.memory.exchange import MemoryExchange
from core.booking.model import Event, Visibility
from core.identity.model import Account
from core.partners import services
from core.partners.activation import (
    PartnerUnavailable,
    partner_offers,
    plugin_problems,
    switch_plugin,
)
from core.partners.api import PartnerOffer
from core.partners.commands import PlaceHold, SwitchPlugin
from core.partners.feed import event_availability, organiser_feed
from core.partners.model import (
    HOLD_TTL_MAX,
    HOLD_TTL_MIN,
    KEY_NAME_MAX,
    KEY_PREFIX,
    REFERENCE_MAX,
    SEATS_PER_HOLD_MAX,
    HoldStatus,
    KeyScope,
    PartnerKey,
)
from core.partners.runtime import KEY_MAX, VALUE_MAX, PlatformRuntime
from core.shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from core.shared.idempotency import IdempotencyRecord, fingerprint
from core.shared.paging import PageRequest

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def message(error: pytest.ExceptionInfo[Exception]) -> str:
    return str(error.value)


async def test_key_refusals_say_what_to_do(issue: IssueHelper, new_uow: NewUow) -> None:
    key, secret = await issue()
    with pytest.raises(Unauthenticated) as unknown_shape:
        await services.authenticate("nope", KeyScope.HOLDS_WRITE, uow=new_uow())
    with pytest.raises(Unauthenticated) as unknown:
        await services.authenticate(KEY_PREFIX + "x", KeyScope.HOLDS_WRITE, uow=new_uow())
    with pytest.raises(ValidationFailed) as no_scope:
        await issue(scopes=frozenset())
    with pytest.raises(ValidationFailed) as no_name:
        await issue(name="")
    assert message(unknown_shape) == "send a partner key (it starts with sdpk_)"
    assert message(unknown) == "this partner key is not known here"
    assert message(no_scope) == ("give the key at least one scope: availability:read, holds:write")
    assert message(no_name) == "name the key after its partner: 1 to 100 characters"
    assert len(secret) == len(KEY_PREFIX) + 43  # 32 random bytes, base64url
    assert key.created_at is not None


async def test_a_key_of_the_longest_accepted_length_is_checked_not_refused(
    new_uow: NewUow, issue: IssueHelper
) -> None:
    await issue()
    longest = KEY_PREFIX + "x" * (services.KEY_MAX - len(KEY_PREFIX))
    with pytest.raises(Unauthenticated, match="not known here"):
        await services.authenticate(longest, KeyScope.HOLDS_WRITE, uow=new_uow())
    with pytest.raises(Unauthenticated, match="starts with"):
        await services.authenticate(longest + "x", KeyScope.HOLDS_WRITE, uow=new_uow())


async def test_names_and_references_at_their_limits(
    issue: IssueHelper, key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    named, _ = await issue(name="n" * KEY_NAME_MAX)
    assert len(named.name) == KEY_NAME_MAX
    hold, _ = await services.place_hold(
        PlaceHold(key.id, show.id, 1, "r" * REFERENCE_MAX), uow=new_uow(), clock=clock
    )
    assert len(hold.reference) == REFERENCE_MAX


async def test_revoking_twice_and_revoking_someone_else_s(
    key: PartnerKey, organiser: Account, register_account: RegisterAccount, clock: SteppingClock
) -> None:
    assert key.revoke(organiser.id, T0) is True
    assert key.revoke(organiser.id, T0 + timedelta(days=1)) is False
    assert key.revoked_at == T0
    stranger = await register_account()
    with pytest.raises(NotFound) as hidden:
        key.revoke(stranger.id, T0)
    assert message(hidden) == "partner key not found"
    with pytest.raises(Unauthenticated) as revoked:
        key.ensure_allows(KeyScope.HOLDS_WRITE)
    assert message(revoked) == "this partner key was revoked; ask the organiser for a new one"


@pytest.mark.parametrize(
    ("seats", "ttl", "ok"),
    [
        (SEATS_PER_HOLD_MAX, HOLD_TTL_MAX, True),
        (1, HOLD_TTL_MIN, True),
        (SEATS_PER_HOLD_MAX + 1, HOLD_TTL_MAX, False),
    ],
)
async def test_hold_limits_are_inclusive(
    seats: int,
    ttl: timedelta,
    ok: bool,
    key: PartnerKey,
    organiser: Account,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    big = await publish(organiser, capacity=500)
    command = PlaceHold(key.id, big.id, seats, "r", ttl)
    if ok:
        hold, _ = await services.place_hold(command, uow=new_uow(), clock=clock)
        assert hold.expires_at - hold.created_at == ttl
    else:
        with pytest.raises(ValidationFailed) as refused:
            await services.place_hold(command, uow=new_uow(), clock=clock)
        assert message(refused) == "seats must be between 1 and 100"


async def test_hold_refusals_name_the_rule(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    async def refusal(seats: int, reference: str, ttl: timedelta) -> str:
        with pytest.raises(ValidationFailed) as refused:
            await services.place_hold(
                PlaceHold(key.id, show.id, seats, reference, ttl), uow=new_uow(), clock=clock
            )
        return message(refused)

    assert (
        await refusal(1, "r", timedelta(minutes=31)) == "a hold lasts between 60 and 1800 seconds"
    )
    assert await refusal(1, "", HOLD_TTL_MIN) == (
        "reference is the partner's order id: 1 to 100 printable characters"
    )


async def test_a_hold_can_be_confirmed_until_the_instant_it_lapses(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold, _ = await services.place_hold(
        PlaceHold(key.id, show.id, 1, "r", HOLD_TTL_MIN), uow=new_uow(), clock=clock
    )
    async with new_uow() as uow:
        event = await uow.events.get(show.id)
    just_before = hold.expires_at - timedelta(microseconds=1)
    assert hold.expire(event, just_before) is False
    assert hold.confirm(event, just_before) is True
    assert hold.confirm(event, hold.expires_at) is False  # confirmed already: no change
    with pytest.raises(Conflict) as sold:
        hold.release(event, hold.expires_at)
    assert message(sold) == "the hold was confirmed: its seats are sold and cannot be released"
    assert hold.expire(event, hold.expires_at) is False  # not held any more


async def test_a_hold_lapses_exactly_at_its_end_and_only_once(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold, _ = await services.place_hold(
        PlaceHold(key.id, show.id, 2, "r", HOLD_TTL_MIN), uow=new_uow(), clock=clock
    )
    async with new_uow() as uow:
        event = await uow.events.get(show.id)
    with pytest.raises(Conflict, match="the hold lapsed at"):
        hold.confirm(event, hold.expires_at)
    assert hold.expire(event, hold.expires_at) is True
    assert hold.status is HoldStatus.EXPIRED
    assert hold.expire(event, hold.expires_at) is False
    assert hold.release(event, hold.expires_at) is False
    assert event.booked == 0


async def test_refusals_for_other_events_and_other_partners(
    key: PartnerKey,
    issue: IssueHelper,
    organiser: Account,
    publish: PublishHelper,
    show: Event,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    private = await publish(organiser, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound) as hidden:
        await services.place_hold(PlaceHold(key.id, private.id, 1, "r"), uow=new_uow(), clock=clock)
    hold, _ = await services.place_hold(
        PlaceHold(key.id, show.id, 1, "s"), uow=new_uow(), clock=clock
    )
    other, _ = await issue("Other")
    with pytest.raises(NotFound) as not_theirs:
        await services.get_hold(other.id, hold.id, uow=new_uow())
    assert message(hidden) == "event not found"
    assert message(not_theirs) == "hold not found"


async def test_a_twin_that_claimed_the_reference_first_is_returned(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    """On PostgreSQL a twin request is held at the idempotency claim until the first one
    commits; here the first one's claim is in place already, as the twin would find it."""
    first, _ = await services.place_hold(
        PlaceHold(key.id, show.id, 2, "first"), uow=new_uow(), clock=clock
    )
    asked = fingerprint({"event_id": str(show.id), "seats": 2})
    claimed = IdempotencyRecord(f"partner.hold:{key.id}", "twin", asked, first.id, T0)
    async with new_uow() as uow:
        assert await uow.idempotency.claim(claimed) is None
        await uow.commit()

    twin, replayed = await services.place_hold(
        PlaceHold(key.id, show.id, 2, "twin"), uow=new_uow(), clock=clock
    )
    assert (twin.id, replayed) == (first.id, True)
    async with new_uow() as uow:
        assert (await uow.events.get(show.id)).booked == 2
    with pytest.raises(ValidationFailed, match="already used for a different hold"):
        await services.place_hold(PlaceHold(key.id, show.id, 3, "twin"), uow=new_uow(), clock=clock)


async def test_a_cancelled_event_refuses_confirmation_by_name(
    key: PartnerKey, show: Event, organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold, _ = await services.place_hold(
        PlaceHold(key.id, show.id, 1, "r"), uow=new_uow(), clock=clock
    )
    async with new_uow() as uow:
        event = await uow.events.get(show.id)
    event.cancel(organiser.id, "", (), clock.now())
    with pytest.raises(Conflict) as cancelled:
        hold.confirm(event, clock.now())
    assert message(cancelled) == "the event was cancelled; release the hold"


async def test_store_limits_are_inclusive_and_say_so(runtime: PlatformRuntime) -> None:
    store = runtime.store_for("p")
    await store.put("k" * KEY_MAX, "v" * VALUE_MAX)
    assert await store.get("k" * KEY_MAX) == "v" * VALUE_MAX
    with pytest.raises(ValidationFailed) as long_key:
        await store.get("k" * (KEY_MAX + 1))
    with pytest.raises(ValidationFailed) as big:
        await store.put("k", "é" * (VALUE_MAX // 2 + 1))  # bytes count, not characters
    with pytest.raises(ValidationFailed) as many:
        await store.items("", limit=1001)
    assert message(long_key) == "plugin store keys are 1 to 200 printable characters"
    assert message(big) == "plugin store values are at most 16384 bytes"
    assert message(many) == "ask the plugin store for 1 to 1000 items at a time"
    assert await store.items("", limit=1000) == [("k" * KEY_MAX, "v" * VALUE_MAX)]


async def test_switches_are_stamped_and_admins_are_told_apart(
    organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> None:
    now = clock.current
    switched = await switch_plugin(
        SwitchPlugin(organiser.id, "p", True), installed={"p"}, uow=new_uow(), clock=clock
    )
    assert switched.changed_at == now
    with pytest.raises(PermissionDenied) as denied:
        await plugin_problems(organiser.id, uow=new_uow())
    assert message(denied) == "only platform administrators may see this"


async def test_offers_come_from_a_switched_on_partner(
    organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> None:
    offer = PartnerOffer("Quartet", "https://partner.example/q", seats_left=3)
    shop = MemoryExchange(offers=[offer])
    exchanges = {"shop": shop}

    with pytest.raises(NotFound) as unknown:
        await partner_offers(organiser.id, "ghost", exchanges=exchanges, uow=new_uow())
    with pytest.raises(Conflict) as off:
        await partner_offers(organiser.id, "shop", exchanges=exchanges, uow=new_uow())
    await switch_plugin(
        SwitchPlugin(organiser.id, "shop", True), installed={"shop"}, uow=new_uow(), clock=clock
    )
    assert await partner_offers(organiser.id, "shop", exchanges=exchanges, uow=new_uow()) == [offer]
    assert message(unknown) == "no plugin named 'ghost' exchanges availability here"
    assert message(off) == "switch 'shop' on for your events first"


async def test_a_partner_that_fails_to_answer_is_unavailable(
    organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> None:
    class Down(MemoryExchange):
        async def pull(self, organiser_id: UUID) -> list[PartnerOffer]:
            assert organiser_id == organiser.id
            raise TimeoutError("no answer")

    await switch_plugin(
        SwitchPlugin(organiser.id, "shop", True), installed={"shop"}, uow=new_uow(), clock=clock
    )
    with pytest.raises(PartnerUnavailable) as down:
        await partner_offers(organiser.id, "shop", exchanges={"shop": Down()}, uow=new_uow())
    assert message(down) == "the partner platform of 'shop' did not answer: TimeoutError"


async def test_feeds_are_taken_at_the_clock_s_time(
    organiser: Account, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    now = clock.current
    (listed,) = (
        await organiser_feed(organiser.id, PageRequest(), uow=new_uow(), clock=clock)
    ).items
    one = await event_availability(show.id, uow=new_uow(), clock=clock)
    assert listed.taken_at == now
    assert one.taken_at > now


async def test_a_private_event_s_availability_is_not_found_by_name(
    organiser: Account, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    private = await publish(organiser, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound) as hidden:
        await event_availability(private.id, uow=new_uow(), clock=clock)
    assert message(hidden) == "event not found"
