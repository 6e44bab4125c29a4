"""What plugins reach at run time: their own store, a read-only view, and the switches."""

from __future__ import annotations

import attrs
import pytest
from tests.unit.support import NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking.events import BookingConfirmed, EventPublished
from core.booking.model import Event, Visibility
from core.identity.events import PhoneVerified
from core.identity.model import Account, Role
from core.partners.activation import active_plugins, plugin_problems, switch_plugin
from core.partners.commands import SwitchPlugin
from core.partners.runtime import PlatformRuntime, scoped_events
from core.shared.catalogue import EVENT_TYPES
from core.shared.errors import NotFound, PermissionDenied, ValidationFailed
from core.shared.ids import uuid7


async def test_each_plugin_has_its_own_store(runtime: PlatformRuntime) -> None:
    mine, theirs = runtime.store_for("telegram"), runtime.store_for("other")

    await mine.put("chat:1", "42")
    await theirs.put("chat:1", "other value")

    assert await mine.get("chat:1") == "42"
    assert await theirs.get("chat:1") == "other value"
    assert await mine.get("chat:2") is None


async def test_take_reads_and_deletes_so_a_code_works_once(runtime: PlatformRuntime) -> None:
    store = runtime.store_for("telegram")
    await store.put("code:ABC", "account-1")

    assert await store.take("code:ABC") == "account-1"
    assert await store.take("code:ABC") is None
    assert await store.get("code:ABC") is None


async def test_delete_says_whether_there_was_anything(runtime: PlatformRuntime) -> None:
    store = runtime.store_for("telegram")
    await store.put("k", "v")
    assert await store.delete("k") is True
    assert await store.delete("k") is False


async def test_items_lists_one_prefix_in_key_order_up_to_a_limit(runtime: PlatformRuntime) -> None:
    store = runtime.store_for("telegram")
    for key in ("watch:e1:3", "watch:e1:1", "watch:e2:1", "watch:e1:2", "chat:1"):
        await store.put(key, key[-1])
    await store.delete("watch:e1:2")
    await runtime.store_for("other").put("watch:e1:9", "x")

    assert await store.items("watch:e1:") == [("watch:e1:1", "1"), ("watch:e1:3", "3")]
    assert await store.items("watch:", limit=2) == [("watch:e1:1", "1"), ("watch:e1:3", "3")]
    assert len(await store.items("")) == 4


@pytest.mark.parametrize(
    ("key", "value"), [("", "v"), ("k" * 201, "v"), ("new\nline", "v"), ("k", "v" * 16_385)]
)
async def test_store_keys_and_values_have_limits(
    runtime: PlatformRuntime, key: str, value: str
) -> None:
    with pytest.raises(ValidationFailed):
        await runtime.store_for("telegram").put(key, value)


async def test_items_limits_are_checked(runtime: PlatformRuntime) -> None:
    with pytest.raises(ValidationFailed):
        await runtime.store_for("telegram").items("", limit=0)


async def test_the_view_shows_public_events_and_the_organisers_switch(
    runtime: PlatformRuntime,
    organiser: Account,
    show: Event,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    view = runtime.view_for("telegram")
    assert (await view.snapshot(show.id)).seats_left == 10
    private = await publish(organiser, visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await view.snapshot(private.id)

    assert await view.is_active(organiser.id) is False
    await switch_plugin(
        SwitchPlugin(organiser.id, "telegram", True),
        installed={"telegram"},
        uow=new_uow(),
        clock=clock,
    )
    assert await view.is_active(organiser.id) is True
    assert await runtime.view_for("other").is_active(organiser.id) is False


async def test_the_organiser_of_a_domain_event(
    runtime: PlatformRuntime, organiser: Account, show: Event, clock: SteppingClock
) -> None:
    now = clock.now()
    published = EventPublished(
        event_id=uuid7(now), occurred_at=now, live_event_id=show.id, host_id=organiser.id
    )
    confirmed = BookingConfirmed(
        event_id=uuid7(now),
        occurred_at=now,
        booking_id=uuid7(now),
        live_event_id=show.id,
        guest_id=uuid7(now),
        seats=1,
        title="Quartet",
        starts_at=show.starts_at,
    )
    unknown = attrs.evolve(confirmed, live_event_id=uuid7(now))
    verified = PhoneVerified(
        event_id=uuid7(now), occurred_at=now, account_id=organiser.id, phone="+7"
    )

    assert await runtime.organiser_of(published) == organiser.id
    assert await runtime.organiser_of(confirmed) == organiser.id
    assert await runtime.organiser_of(unknown) is None
    assert await runtime.organiser_of(verified) is None


def test_scoped_events_are_those_with_an_organiser_host_or_live_event() -> None:
    scoped = scoped_events(EVENT_TYPES)
    assert {"booking.confirmed", "event.published", "availability.changed"} <= scoped
    assert {"partner.hold_placed", "partner.hold_confirmed", "event.cancelled"} <= scoped
    assert not {"account.phone_verified", "payment.succeeded", "notification.requested"} & scoped


async def test_switches_are_per_organiser_and_only_for_plugins_that_run(
    organiser: Account,
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    other = await register_account()
    installed = {"telegram", "partner-webhook"}

    async def switch(who: Account, plugin: str, on: bool) -> None:
        await switch_plugin(
            SwitchPlugin(who.id, plugin, on), installed=installed, uow=new_uow(), clock=clock
        )

    await switch(organiser, "telegram", True)
    await switch(organiser, "partner-webhook", True)
    await switch(organiser, "partner-webhook", False)
    await switch(organiser, "telegram", True)  # again: harmless
    await switch(other, "partner-webhook", True)

    assert await active_plugins(organiser.id, uow=new_uow()) == {"telegram"}
    assert await active_plugins(other.id, uow=new_uow()) == {"partner-webhook"}
    with pytest.raises(NotFound, match="no plugin named 'ghost' runs here"):
        await switch(organiser, "ghost", True)


async def test_problems_are_counted_per_plugin_and_kind_and_shown_to_platform_admins_only(
    runtime: PlatformRuntime, organiser: Account, new_uow: NewUow
) -> None:
    await runtime.report("telegram", "handler", RuntimeError("first"))
    await runtime.report("telegram", "handler", ValueError("x" * 600))
    await runtime.report("telegram", "notifier", RuntimeError("chat not found"))

    with pytest.raises(PermissionDenied):
        await plugin_problems(organiser.id, uow=new_uow())
    async with new_uow() as uow:
        account = await uow.accounts.get(organiser.id)
        account.roles = frozenset({*account.roles, Role.PLATFORM_ADMIN})
        await uow.accounts.save(account)
        await uow.commit()

    problems = await plugin_problems(organiser.id, uow=new_uow())
    assert [(p.plugin, p.kind, p.count) for p in problems] == [
        ("telegram", "handler", 2),
        ("telegram", "notifier", 1),
    ]
    assert problems[0].last_error.startswith("ValueError: xxx")
    assert len(problems[0].last_error) == 500
