"""Loading plugins: the allowed ones load, broken ones are skipped and remembered; what they
register is wrapped so that their failures are counted and cannot hurt the core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import attrs
import pytest
from tests.unit.support import BookHelper, HandlerContext, NewUow, RegisterAccount, Relay

from adapters.memory import MemoryNotifier, SteppingClock
from adapters.memory.exchange import MemoryExchange
from adapters.memory.provider import MemoryPaymentProvider
from core.booking.events import BookingConfirmed
from core.booking.model import Event
from core.identity.model import Account
from core.partners.activation import switch_plugin
from core.partners.api import PluginContext, PluginError, api_supported
from core.partners.commands import SwitchPlugin
from core.partners.registry import Candidate, PluginRegistry
from core.partners.runtime import PlatformRuntime
from core.shared.catalogue import EVENT_TYPES, HANDLERS
from core.shared.events import DomainEvent, merge_handlers
from core.shared.outbox import handler_key
from core.tickets.authenticity import Authenticity, TicketClaim, Verdict

Setup = Callable[[PluginContext], None]


@attrs.frozen
class Plugin:
    name: str
    setup_with: Setup = lambda ctx: None
    version: str = "1.2.3"
    requires_api: str = ">=1.0,<2"

    def setup(self, ctx: PluginContext) -> None:
        self.setup_with(ctx)


def candidate(plugin: object, name: str | None = None) -> Candidate:
    return (name or plugin.name, lambda: plugin)  # type: ignore[attr-defined]


def load(
    *candidates: Candidate, allowed: tuple[str, ...] | None = None, **settings: Any
) -> PluginRegistry:
    return PluginRegistry.load(
        candidates,
        allowed=allowed if allowed is not None else [c[0] for c in candidates],
        settings=settings,
        public_url="https://stagedoor.test/",
        event_types=EVENT_TYPES,
        taken_providers=("sandbox",),
    )


def broken_import() -> object:
    raise ImportError("No module named 'telegram_sdk'")


@attrs.frozen
class Checker:
    issuer: str

    async def check(self, claim: TicketClaim, now: object) -> Verdict:
        return Verdict(Authenticity.UNVERIFIED, self.issuer)


# --- the API version -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "supported"),
    [
        (">=1.0,<2", True),
        (">=1.0", True),
        ("==1.0", True),
        (">=1.1", False),
        ("<1.0", False),
        (">=0.9,<1", False),
        (" >= 1 , < 2 ", True),
        ("<=1.0", True),
        (">0.5", True),
    ],
)
def test_api_ranges(spec: str, supported: bool) -> None:
    assert api_supported(spec) is supported


@pytest.mark.parametrize("spec", ["", "1.0", "~=1.0", ">=one", ">=1.0;<2"])
def test_unreadable_api_ranges_are_refused(spec: str) -> None:
    with pytest.raises(PluginError):
        api_supported(spec)


# --- loading ---------------------------------------------------------------------------------


def test_only_allowed_plugins_load_in_allow_list_order() -> None:
    a, b, c = Plugin("alpha"), Plugin("beta"), Plugin("gamma")
    registry = load(candidate(a), candidate(b), candidate(c), allowed=("gamma", "alpha"))
    assert list(registry.loaded) == ["gamma", "alpha"]
    assert registry.failures == []
    assert registry.loaded["gamma"].version == "1.2.3"


def test_a_plugin_that_fails_anywhere_is_skipped_and_reported() -> None:
    def raising(ctx: PluginContext) -> None:
        ctx.add_notifier(MemoryNotifier())  # registered, then setup fails: nothing of it stays
        raise RuntimeError("token rejected")

    registry = load(
        candidate(Plugin("good")),
        ("broken", broken_import),
        candidate(Plugin("raises", raising)),
        candidate(Plugin("old", requires_api=">=2.0")),
        candidate(Plugin("liar"), name="honest"),
        ("plain", lambda: object()),
        allowed=("good", "broken", "raises", "old", "honest", "plain", "ghost"),
    )

    assert list(registry.loaded) == ["good"]
    assert [(f.name, f.stage) for f in registry.failures] == [
        ("broken", "import"),
        ("raises", "setup"),
        ("old", "check"),
        ("honest", "check"),
        ("plain", "check"),
        ("ghost", "missing"),
    ]
    errors = {f.name: f.error for f in registry.failures}
    assert errors["broken"] == "ImportError: No module named 'telegram_sdk'"
    assert errors["raises"] == "RuntimeError: token rejected"
    assert "requires plugin API '>=2.0'; this is 1.0" in errors["old"]
    assert "calls itself 'liar'" in errors["honest"]
    assert "not a PartnerPlugin" in errors["plain"]
    assert registry.notifiers() == []


@pytest.mark.parametrize("name", ["Upper", "-dash", "dash-", "a", "with_underscore", "x" * 41])
def test_plugin_names_are_url_safe(name: str) -> None:
    registry = load(candidate(Plugin(name)))
    assert registry.loaded == {}
    assert registry.failures[0].stage == "check"


def test_two_plugins_cannot_claim_one_provider_or_issuer() -> None:
    def provider(ctx: PluginContext) -> None:
        ctx.add_payment_provider(MemoryPaymentProvider())

    def taken(ctx: PluginContext) -> None:
        ctx.add_payment_provider(attrs.evolve(MemoryPaymentProvider(), name="sandbox"))

    def checker(ctx: PluginContext) -> None:
        ctx.add_authenticity_checker(Checker("kassir"))

    def impostor(ctx: PluginContext) -> None:
        ctx.add_authenticity_checker(Checker("stagedoor"))

    registry = load(
        candidate(Plugin("pay-one", provider)),
        candidate(Plugin("pay-two", provider)),
        candidate(Plugin("pay-sandbox", taken)),
        candidate(Plugin("check-one", checker)),
        candidate(Plugin("check-two", checker)),
        candidate(Plugin("check-ours", impostor)),
    )

    assert sorted(registry.loaded) == ["check-one", "pay-one"]
    assert sorted(registry.payment_providers()) == ["memory"]
    assert sorted(registry.checkers()) == ["kassir"]
    assert {f.name for f in registry.failures} == {
        "pay-two",
        "pay-sandbox",
        "check-two",
        "check-ours",  # Stagedoor's own tickets are checked by Stagedoor only
    }


def test_a_plugin_sees_its_own_settings_and_is_told_which_one_is_missing() -> None:
    seen: dict[str, str | None] = {}

    def needs_token(ctx: PluginContext) -> None:
        seen["url"] = ctx.setting("url")
        seen["public"] = ctx.public_url
        ctx.require_setting("bot_token")

    registry = load(
        candidate(Plugin("tele-gram", needs_token)),
        **{"tele-gram": {"url": "https://api.example"}, "other": {"bot_token": "x"}},
    )

    assert seen == {"url": "https://api.example", "public": "https://stagedoor.test"}
    (failure,) = registry.failures
    assert (
        failure.error == "PluginError: set STAGEDOOR_PLUGIN_TELE_GRAM__BOT_TOKEN to use this plugin"
    )


def test_plugins_subscribe_only_to_events_that_belong_to_an_organiser() -> None:
    def greedy(ctx: PluginContext) -> None:
        ctx.subscribe("account.phone_verified", _noop)

    def modest(ctx: PluginContext) -> None:
        ctx.subscribe(BookingConfirmed, _noop)
        ctx.subscribe("availability.changed", _noop)
        ctx.subscribe("partner.hold_confirmed", _noop)

    registry = load(candidate(Plugin("greedy", greedy)), candidate(Plugin("modest", modest)))

    assert "plugins cannot subscribe to 'account.phone_verified'" in registry.failures[0].error
    assert sorted(registry.handlers()) == [
        "availability.changed",
        "booking.confirmed",
        "partner.hold_confirmed",
    ]


def test_one_exchange_per_plugin_and_the_store_only_at_run_time() -> None:
    def twice(ctx: PluginContext) -> None:
        ctx.set_availability_exchange(MemoryExchange())
        ctx.set_availability_exchange(MemoryExchange())

    def early(ctx: PluginContext) -> None:
        ctx.store  # noqa: B018 - touching it in setup is the mistake under test

    registry = load(candidate(Plugin("twice", twice)), candidate(Plugin("early", early)))
    assert "one availability exchange" in registry.failures[0].error
    assert "not running yet" in registry.failures[1].error


async def _noop(event: DomainEvent, organiser: UUID) -> None:
    return None


# --- plugin hooks at run time ------------------------------------------------------------------


@attrs.define
class Recorder:
    seen: list[tuple[str, UUID]] = attrs.field(factory=list)
    fail: bool = False

    async def __call__(self, event: DomainEvent, organiser: UUID) -> None:
        if self.fail:
            raise RuntimeError("the messenger is down")
        self.seen.append((event.name, organiser))


def hooked(recorder: Recorder, name: str = "hooks") -> Candidate:
    def setup(ctx: PluginContext) -> None:
        ctx.subscribe(BookingConfirmed, recorder)

    return candidate(Plugin(name, setup))


async def test_plugin_hooks_fire_only_for_organisers_who_switched_the_plugin_on(
    organiser: Account,
    show: Event,
    book: BookHelper,
    register_account: RegisterAccount,
    ctx: HandlerContext,
    runtime: PlatformRuntime,
    new_uow: NewUow,
    clock: SteppingClock,
    publish: Any,
) -> None:
    recorder = Recorder()
    registry = load(hooked(recorder))
    registry.bind(runtime)
    relay = Relay(ctx=ctx, handlers=merge_handlers(HANDLERS, registry.handlers()))
    other = await publish(await register_account())

    await book(show, await register_account())
    await book(other, await register_account())
    await relay.drain()
    assert recorder.seen == []

    await switch_plugin(
        SwitchPlugin(organiser.id, "hooks", True), installed={"hooks"}, uow=new_uow(), clock=clock
    )
    await book(show, await register_account())
    await book(other, await register_account())
    await relay.drain()
    assert recorder.seen == [("booking.confirmed", organiser.id)]


async def test_a_raising_plugin_hook_is_counted_and_leaves_core_handlers_alone(
    organiser: Account,
    show: Event,
    book: BookHelper,
    register_account: RegisterAccount,
    ctx: HandlerContext,
    runtime: PlatformRuntime,
    new_uow: NewUow,
    clock: SteppingClock,
    notifier: MemoryNotifier,
) -> None:
    recorder = Recorder(fail=True)
    registry = load(hooked(recorder))
    registry.bind(runtime)
    handlers = merge_handlers(HANDLERS, registry.handlers())
    relay = Relay(ctx=ctx, handlers=handlers)
    await switch_plugin(
        SwitchPlugin(organiser.id, "hooks", True), installed={"hooks"}, uow=new_uow(), clock=clock
    )
    await book(show, await register_account())

    await relay.relay()
    jobs, relay.queued = relay.queued, []
    keys = [key for _, key in jobs]
    plugin_key = f"plugin:hooks:{Recorder.__module__}:Recorder"
    assert plugin_key in keys
    assert "core.booking.handlers:on_booking_confirmed" in keys
    for job in jobs:  # each handler is its own job: the plugin's failure is its own
        if job[1] == plugin_key:
            with pytest.raises(RuntimeError, match="the messenger is down"):
                await relay.run([job])
        else:
            await relay.run([job])
    await relay.drain()
    assert len(notifier.sent) == 1  # the guest's confirmation went out all the same

    async with new_uow() as uow:
        (problem,) = await uow.plugin_problems.all()
    assert (problem.plugin, problem.kind, problem.count) == ("hooks", "handler", 1)
    assert problem.last_error == "RuntimeError: the messenger is down"

    recorder.fail = False  # the retry of the plugin's job succeeds
    await relay.run([j for j in jobs if j[1] == plugin_key])
    assert recorder.seen == [("booking.confirmed", organiser.id)]


def test_plugin_handler_keys_name_the_plugin() -> None:
    registry = load(hooked(Recorder(), "first"), hooked(Recorder(), "second"))
    keys = [handler_key(h) for h in registry.handlers()["booking.confirmed"]]
    assert keys == [
        f"plugin:first:{Recorder.__module__}:Recorder",
        f"plugin:second:{Recorder.__module__}:Recorder",
    ]


async def test_hooks_need_a_bound_runtime() -> None:
    registry = load(hooked(Recorder()))
    (handler,) = registry.handlers()["booking.confirmed"]
    with pytest.raises(PluginError, match="not bound its runtime"):
        await handler(object(), None)
