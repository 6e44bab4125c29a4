"""Plans and their rules, the tiers organisers pay by, and who may offer or retire a plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.unit.core.subscriptions.support import World
from tests.unit.support import RegisterAccount

from core.identity.model import Role
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions import services
from core.subscriptions.plans import Plan, PlanKind, PlanSpec, Tiers

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
RUB = "RUB"


def spec(**overrides: Any) -> PlanSpec:
    fields: dict[str, Any] = {
        "code": "fan-monthly",
        "name": "Fan monthly",
        "kind": PlanKind.MONTHLY,
        "price": Money(49_900, RUB),
        "perks": frozenset({Perk.NO_RESALE_FEE}),
    }
    fields.update(overrides)
    return PlanSpec(**fields)


def refusal(**overrides: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        Plan.create(spec(**overrides), NOW)
    return caught.value


def test_a_plan_keeps_what_it_was_made_with() -> None:
    plan = Plan.create(spec(name="  Fan   monthly ", description=" Perks  for fans "), NOW)
    assert (plan.code, plan.name, plan.kind, plan.price) == (
        "fan-monthly",
        "Fan monthly",
        PlanKind.MONTHLY,
        Money(49_900, RUB),
    )
    assert plan.perks == frozenset({Perk.NO_RESALE_FEE})
    assert (plan.created_at, plan.days, plan.participants) == (NOW, None, None)
    assert plan.description == "Perks for fans"
    assert plan.active
    assert plan.renews
    assert plan.for_subscribers
    assert plan.id.version == 7


def test_retiring_keeps_everything_but_the_offer() -> None:
    plan = Plan.create(spec(), NOW)
    retired = plan.retired()
    assert not retired.active
    assert (retired.id, retired.code, retired.price) == (plan.id, plan.code, plan.price)
    assert plan.active  # plans are values: the original is unchanged


@pytest.mark.parametrize("code", ["", "Fan", "-fan", "fan_monthly", "x" * 41, "fan monthly"])
def test_a_code_is_a_short_lowercase_slug(code: str) -> None:
    problem = refusal(code=code)
    assert problem.field == "code"
    assert problem.detail == "code must be 1 to 40 lowercase letters, digits or dashes"


@pytest.mark.parametrize("code", ["a", "0", "fan-2030", "x" * 40])
def test_slugs_that_are_codes(code: str) -> None:
    assert Plan.create(spec(code=code), NOW).code == code


def test_names_and_descriptions_have_limits() -> None:
    assert refusal(name="   ").detail == "name must be 1 to 100 characters"
    assert refusal(name="n" * 101).field == "name"
    assert Plan.create(spec(name="n" * 100), NOW).name == "n" * 100
    long = refusal(description="d" * 501)
    assert (long.field, long.detail) == ("description", "description must be 0 to 500 characters")
    assert Plan.create(spec(description="d" * 500), NOW).description == "d" * 500


def test_prices_are_above_zero_except_a_free_tier() -> None:
    for amount in (0, -1):
        problem = refusal(price=Money(amount, RUB))
        assert (problem.field, problem.detail) == ("price", "a plan's price must be above zero")
    free = Plan.create(
        spec(kind=PlanKind.CONFERENCE, price=Money(0, RUB), perks=frozenset(), participants=50),
        NOW,
    )
    assert free.price == Money(0, RUB)
    assert refusal(kind=PlanKind.CONFERENCE, price=Money(-1, RUB), perks=frozenset()).field == (
        "price"
    )


def test_a_pass_lasts_a_number_of_days_and_only_a_pass_does() -> None:
    for days in (None, 0, 3661):
        problem = refusal(kind=PlanKind.PASS, days=days)
        assert (problem.field, problem.detail) == ("days", "a pass lasts 1 to 3660 days")
    assert Plan.create(spec(kind=PlanKind.PASS, days=1), NOW).days == 1
    assert Plan.create(spec(kind=PlanKind.PASS, days=3660), NOW).days == 3660
    problem = refusal(days=30)
    assert (problem.field, problem.detail) == ("days", "only a pass has a number of days")
    assert not Plan.create(spec(kind=PlanKind.PASS, days=30), NOW).renews


def test_a_tier_has_a_limit_and_no_perks_and_only_a_tier_has_a_limit() -> None:
    tier = spec(kind=PlanKind.CONFERENCE, perks=frozenset())
    perks = refusal(kind=PlanKind.CONFERENCE)
    assert (perks.field, perks.detail) == ("perks", "a conference tier gives no perks")
    for participants in (0, 10_000_001):
        problem = refusal(kind=PlanKind.CONFERENCE, perks=frozenset(), participants=participants)
        assert (problem.field, problem.detail) == (
            "participants",
            "a tier holds 1 to 10000000 participants",
        )
    assert Plan.create(spec(**{**_fields(tier), "participants": 1}), NOW).participants == 1
    assert Plan.create(spec(**{**_fields(tier), "participants": 10_000_000}), NOW).participants
    assert Plan.create(tier, NOW).participants is None  # no limit
    assert not Plan.create(tier, NOW).for_subscribers
    problem = refusal(participants=10)
    assert (problem.field, problem.detail) == (
        "participants",
        "only a conference tier has a participant limit",
    )


def _fields(made: PlanSpec) -> dict[str, Any]:
    return {k: getattr(made, k) for k in ("code", "name", "kind", "price", "perks")}


def _tier(limit: int | None, price: int, code: str) -> Plan:
    made = spec(code=code, kind=PlanKind.CONFERENCE, perks=frozenset(), price=Money(price, RUB))
    return Plan.create(spec(**{**_fields(made), "participants": limit}), NOW)


def test_tiers_pick_the_smallest_that_holds_the_list() -> None:
    free, small, big = _tier(50, 0, "free"), _tier(300, 4_900, "small"), _tier(None, 9_900, "big")
    tiers = Tiers.of([big, Plan.create(spec(), NOW), small, free, _tier(10, 1, "x").retired()])
    assert tiers.tiers == (free, small, big)
    assert bool(tiers)
    assert tiers.for_size(0) == free
    assert tiers.for_size(50) == free
    assert tiers.for_size(51) == small
    assert tiers.for_size(300) == small
    assert tiers.for_size(301) == big
    assert tiers.for_size(10**9) == big


def test_without_an_unlimited_tier_the_largest_holds_the_rest() -> None:
    small, large = _tier(10, 100, "s"), _tier(20, 200, "l")
    tiers = Tiers.of([large, small])
    assert tiers.for_size(21) == large
    assert not Tiers.of([])
    with pytest.raises(ValidationFailed, match="no conference tiers are offered"):
        Tiers.of([]).for_size(1)


def test_what_was_paid_covers_the_largest_tier_it_pays_for() -> None:
    free, small, big = _tier(50, 0, "free"), _tier(300, 4_900, "small"), _tier(None, 9_900, "big")
    tiers = Tiers.of([free, small, big])
    assert tiers.covered_by(Money(0, RUB)) == free
    assert tiers.covered_by(Money(4_899, RUB)) == free
    assert tiers.covered_by(Money(4_900, RUB)) == small
    assert tiers.covered_by(Money(10_000, RUB)) == big
    assert Tiers.of([small]).covered_by(Money(100, RUB)) is None


def test_tiers_in_two_currencies_are_refused() -> None:
    euro = Plan.create(
        spec(code="eu", kind=PlanKind.CONFERENCE, perks=frozenset(), price=Money(1, "EUR")), NOW
    )
    with pytest.raises(ValidationFailed, match="one currency"):
        Tiers.of([_tier(None, 1, "rub"), euro])


async def test_plans_are_listed_and_retired_plans_only_on_request(world: World) -> None:
    kept, retired = await world.plan(), await world.plan()
    async with world.new_uow() as uow:
        await uow.plans.save(retired.retired())
        await uow.commit()
    offered = await services.list_plans(uow=world.new_uow())
    everything = await services.list_plans(uow=world.new_uow(), active_only=False)
    assert [p.id for p in offered] == [kept.id]
    assert [p.id for p in everything] == [kept.id, retired.id]


async def test_a_second_tier_in_another_currency_is_refused(world: World) -> None:
    await world.plan(PlanKind.CONFERENCE, price=Money(100, RUB), participants=10)
    with pytest.raises(ValidationFailed, match="one currency"):
        await world.plan(PlanKind.CONFERENCE, price=Money(100, "EUR"))
    await world.plan(price=Money(100, "EUR"))  # a fan plan may be in any currency


async def test_only_a_platform_administrator_offers_and_retires_plans(
    world: World, register_account: RegisterAccount
) -> None:
    somebody = await register_account()
    with pytest.raises(PermissionDenied, match="only a platform administrator manages plans"):
        await services.create_plan(
            spec(), actor=somebody.id, uow=world.new_uow(), clock=world.clock
        )
    boss = await register_account()
    async with world.new_uow() as uow:
        account = await uow.accounts.get(boss.id)
        account.roles = account.roles | {Role.PLATFORM_ADMIN}
        await uow.accounts.save(account)
        await uow.commit()
    made = await services.create_plan(spec(), actor=boss.id, uow=world.new_uow(), clock=world.clock)
    assert made.code == "fan-monthly"
    with pytest.raises(PermissionDenied):
        await services.retire_plan(made.id, actor=somebody.id, uow=world.new_uow())
    retired = await services.retire_plan(made.id, actor=boss.id, uow=world.new_uow())
    assert not retired.active
    async with world.new_uow() as uow:
        assert not (await uow.plans.get(made.id)).active
    with pytest.raises(Conflict, match="another plan already has this code"):
        await services.create_plan(spec(), actor=boss.id, uow=world.new_uow(), clock=world.clock)


async def test_my_perks_are_read_at_the_clock_s_now(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    assert await services.perks_now(guest.id, uow=world.new_uow(), clock=world.clock) == set()
    await world.subscribe(guest, await world.plan(perks=frozenset({Perk.EARLY_ACCESS})))
    held = await services.perks_now(guest.id, uow=world.new_uow(), clock=world.clock)
    assert held == frozenset({Perk.EARLY_ACCESS})
