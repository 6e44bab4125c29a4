"""The subscription model's arithmetic and rules, on their own: periods, proration, the
retry calendar, every transition and every refusal with its words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions import events
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.model import Subscription, SubscriptionStatus
from core.subscriptions.periods import add_months, next_retry, remaining_share
from core.subscriptions.plans import Plan, PlanKind, PlanSpec

T = datetime(2031, 1, 31, 10, 30, tzinfo=UTC)
RUB = "RUB"
ME = AccountId(UUID(int=1))


def plan(kind: PlanKind = PlanKind.MONTHLY, price: int = 30_000, **extra: Any) -> Plan:
    if kind is PlanKind.PASS:
        extra.setdefault("days", 10)
    return Plan.create(
        PlanSpec(
            f"p{price}",
            f"Plan {price}",
            kind,
            Money(price, RUB),
            frozenset({Perk.EARLY_ACCESS}),
            **extra,
        ),
        T,
    )


def active(on: Plan | None = None) -> Subscription:
    chosen = on or plan()
    subscription = Subscription.start(ME, chosen, "memory", T)
    assert subscription.activate(chosen, T, "pi_1")
    subscription.pull_events()
    return subscription


# -- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "day"),
    [(0, "2031-01-31"), (1, "2031-02-28"), (2, "2031-03-31"), (3, "2031-04-30"),
     (12, "2032-01-31"), (13, "2032-02-29"), (23, "2032-12-31"), (25, "2033-02-28")],
)  # fmt: skip
def test_months_move_on_the_anchor_s_day_or_the_month_s_last(months: int, day: str) -> None:
    moved = add_months(T, months)
    assert moved.date().isoformat() == day
    assert (moved.hour, moved.minute, moved.tzinfo) == (10, 30, UTC)


def test_months_never_move_back() -> None:
    with pytest.raises(ValidationFailed, match="a subscription period moves forward in time"):
        add_months(T, -1)


def test_the_unused_share_of_a_period_is_rounded_down() -> None:
    start, end = T, T + timedelta(days=30)
    price = Money(30_000, RUB)
    assert remaining_share(price, start, end, start) == price
    assert remaining_share(price, start, end, start - timedelta(days=1)) == price
    assert remaining_share(price, start, end, start + timedelta(days=10)) == Money(20_000, RUB)
    assert remaining_share(price, start, end, start + timedelta(days=29, seconds=1)) == Money(
        999, RUB
    )  # 999.98...: down to a whole minor unit
    assert remaining_share(price, start, end, end) == Money(0, RUB)
    assert remaining_share(price, start, end, end + timedelta(days=1)) == Money(0, RUB)
    back = remaining_share(Money(-30_000, RUB), start, end, start + timedelta(days=10))
    assert back == Money(-20_000, RUB)
    assert remaining_share(Money(-1, RUB), start, end, start + timedelta(days=1)) == Money(0, RUB)


def test_a_period_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationFailed, match="a period ends after it starts"):
        remaining_share(Money(1, RUB), T, T, T)


def test_retries_fall_on_days_1_3_and_7_after_the_due_date() -> None:
    day = timedelta(days=1)
    assert next_retry(T, T) == T + day
    assert next_retry(T, T + day - timedelta(seconds=1)) == T + day
    assert next_retry(T, T + day) == T + 3 * day
    assert next_retry(T, T + 2 * day) == T + 3 * day
    assert next_retry(T, T + 3 * day) == T + 7 * day
    assert next_retry(T, T + 7 * day - timedelta(seconds=1)) == T + 7 * day
    assert next_retry(T, T + 7 * day) is None


# -- a subscription ---------------------------------------------------------------------------


def test_a_started_subscription_waits_for_its_payment() -> None:
    fan = plan()
    made = Subscription.start(ME, fan, "memory", T)
    assert (made.account_id, made.plan_id, made.kind, made.provider) == (
        ME, fan.id, PlanKind.MONTHLY, "memory",
    )  # fmt: skip
    assert (made.status, made.created_at, made.updated_at) == (SubscriptionStatus.PENDING, T, T)
    assert (made.anchor, made.period_start, made.next_action_at, made.perks_until) == (
        None, None, None, None,
    )  # fmt: skip
    assert made.live


def test_only_plans_on_offer_for_subscribers_can_be_started() -> None:
    tier = Plan.create(PlanSpec("tier", "Tier", PlanKind.CONFERENCE, Money(0, RUB)), T)
    with pytest.raises(ValidationFailed, match="a conference tier is paid per conference"):
        Subscription.start(ME, tier, "memory", T)
    with pytest.raises(
        Conflict, match="the plan 'Plan 30000' is no longer offered; choose another"
    ):
        Subscription.start(ME, plan().retired(), "memory", T)


def test_activation_starts_the_first_period_once() -> None:
    fan = plan()
    made = Subscription.start(ME, fan, "memory", T)
    later = T + timedelta(minutes=5)
    assert made.activate(fan, later, "pi_saved")
    assert (made.status, made.anchor, made.period_start) == (
        SubscriptionStatus.ACTIVE,
        later,
        later,
    )
    assert made.period_end == add_months(later, 1)
    assert (made.period_index, made.next_action_at, made.perks_until) == (0, made.period_end, None)
    assert (made.mandate_ref, made.updated_at) == ("pi_saved", later)
    [told] = made.pull_events()
    assert isinstance(told, events.SubscriptionActivated)
    assert (told.period_end, told.renews, told.plan_name) == (made.period_end, True, "Plan 30000")
    assert (told.subscription_id, told.account_id, told.occurred_at) == (made.id, ME, later)
    assert not made.activate(fan, later, "pi_other")
    assert made.mandate_ref == "pi_saved"
    assert made.pull_events() == []


def test_a_pass_keeps_no_card_and_its_perks_end_with_it() -> None:
    one_off = plan(PlanKind.PASS, days=10)
    made = Subscription.start(ME, one_off, "memory", T)
    made.activate(one_off, T, "pi_1")
    assert made.mandate_ref is None
    assert made.period_end == T + timedelta(days=10)
    assert made.perks_until == made.period_end
    assert not made.renews


def test_abandoning_is_only_for_a_subscription_waiting_to_start() -> None:
    made = Subscription.start(ME, plan(), "memory", T)
    later = T + timedelta(hours=1)
    assert made.abandon(later, "the first payment did not go through")
    assert (made.status, made.end_reason) == (
        SubscriptionStatus.INCOMPLETE, "the first payment did not go through",
    )  # fmt: skip
    assert (made.ended_at, made.updated_at, made.next_action_at, made.perks_until) == (
        later, later, None, later,
    )  # fmt: skip
    assert not made.live
    assert not made.abandon(later, "again")
    assert not active().abandon(later, "no")


def test_a_renewal_is_due_only_for_a_renewing_paid_up_period_that_ended() -> None:
    made = active()
    assert made.period_end is not None
    assert not made.renewal_due(made.period_end - timedelta(seconds=1))
    assert made.renewal_due(made.period_end)
    made.cancel_at_period_end = True
    assert not made.renewal_due(made.period_end)
    made.cancel_at_period_end, made.status = False, SubscriptionStatus.PAST_DUE
    assert made.renewal_due(made.period_end)
    made.status = SubscriptionStatus.CANCELLED
    assert not made.renewal_due(made.period_end)
    one_off = active(plan(PlanKind.PASS))
    assert one_off.period_end is not None
    assert not one_off.renewal_due(one_off.period_end)


def test_a_paid_renewal_starts_the_next_period_where_the_last_ended() -> None:
    fan = plan()
    made = active(fan)
    due = made.period_end
    assert due is not None
    assert not made.renewed(fan, due + timedelta(seconds=1), due)  # not this period's renewal
    assert made.renewed(fan, due, due + timedelta(days=2))
    assert (made.period_start, made.period_index) == (due, 1)
    assert made.period_end == add_months(T, 2)
    assert made.next_action_at == made.period_end
    made.status = SubscriptionStatus.ENDED
    assert not made.renewed(fan, made.period_end, made.period_end)


def test_a_failed_renewal_waits_for_the_next_retry_then_falls_past_due() -> None:
    fan = plan()
    made = active(fan)
    due = made.period_end
    assert due is not None
    renewal = Charge.open(made, ChargeKind.RENEWAL, fan, fan.price, due, period_start=due)
    renewal.attempt("memory", "renewal", due, due + timedelta(days=3))
    made.renewal_failed(fan, renewal, "card declined", due)
    assert (made.status, made.next_action_at, made.updated_at) == (
        SubscriptionStatus.ACTIVE, due + timedelta(days=1), due,
    )  # fmt: skip
    [told] = made.pull_events()
    assert isinstance(told, events.RenewalFailed)
    assert (told.attempt, told.reason, told.retry_at, told.amount, told.charge_id) == (
        1, "card declined", due + timedelta(days=1), fan.price, renewal.id,
    )  # fmt: skip
    last = due + timedelta(days=7)
    made.renewal_failed(fan, renewal, "card declined", last)
    assert (made.status, made.perks_until) == (SubscriptionStatus.PAST_DUE, last)
    assert made.next_action_at == due + timedelta(days=14)
    [past] = made.pull_events()
    assert isinstance(past, events.SubscriptionPastDue)
    assert (past.cancel_at, past.amount, past.charge_id) == (
        due + timedelta(days=14),
        fan.price,
        renewal.id,
    )
    late = due + timedelta(days=20)  # a hand payment failing after the cancel date
    made.renewal_failed(fan, renewal, "card declined", late)
    assert made.next_action_at == late
    assert made.pull_events() == []


def test_cancelling_at_period_end_and_taking_it_back() -> None:
    fan = plan()
    made = active(fan)
    now = T + timedelta(days=3)
    made.schedule_cancellation(fan, now)
    assert (made.cancel_at_period_end, made.perks_until, made.updated_at) == (
        True, made.period_end, now,
    )  # fmt: skip
    [told] = made.pull_events()
    assert isinstance(told, events.CancellationScheduled)
    assert (told.ends_at, told.undone) == (made.period_end, False)
    made.schedule_cancellation(fan, now)  # asked twice: nothing more happens
    assert made.pull_events() == []
    made.resume(fan, now)
    assert (made.cancel_at_period_end, made.perks_until) == (False, None)
    [undone] = made.pull_events()
    assert isinstance(undone, events.CancellationScheduled)
    assert undone.undone
    with pytest.raises(
        Conflict, match="this subscription is not set to end; there is nothing to resume"
    ):
        made.resume(fan, now)


def test_what_cannot_be_scheduled_or_resumed_says_why() -> None:
    one_off = plan(PlanKind.PASS)
    with pytest.raises(
        Conflict, match="a pass ends by itself when its days are over; cancel it now instead"
    ):
        active(one_off).schedule_cancellation(one_off, T)
    fan = plan()
    waiting = Subscription.start(ME, fan, "memory", T)
    with pytest.raises(Conflict, match="can cancel at the end of the period; this one is pending"):
        waiting.schedule_cancellation(fan, T)
    with pytest.raises(
        Conflict, match="only an active subscription can resume; this one is pending"
    ):
        waiting.resume(fan, T)
    behind = active(fan)
    assert behind.period_end is not None
    with pytest.raises(Conflict) as unpaid:
        behind.schedule_cancellation(fan, behind.period_end)
    assert unpaid.value.detail == (
        "the renewal of this subscription is unpaid, so it cannot cancel at the end of the "
        "period; pay it or cancel now"
    )


def test_cancelling_now_closes_it_and_tells_the_refund() -> None:
    fan = plan()
    made = active(fan)
    now = T + timedelta(days=1)
    made.cancel(fan, "cancelled by the subscriber", Money(100, RUB), now)
    assert (made.status, made.end_reason, made.ended_at, made.perks_until, made.next_action_at) == (
        SubscriptionStatus.CANCELLED, "cancelled by the subscriber", now, now, None,
    )  # fmt: skip
    [told] = made.pull_events()
    assert isinstance(told, events.SubscriptionCancelled)
    assert (told.reason, told.refund) == ("cancelled by the subscriber", Money(100, RUB))
    with pytest.raises(Conflict, match="this subscription is already cancelled"):
        made.cancel(fan, "again", None, now)


def test_a_pass_or_a_cancelled_period_ends_at_its_end() -> None:
    one_off = plan(PlanKind.PASS)
    made = active(one_off)
    assert made.period_end is not None
    assert not made.end(one_off, made.period_end - timedelta(seconds=1))
    later = made.period_end + timedelta(hours=2)
    assert made.end(one_off, later)
    assert (made.status, made.ended_at, made.updated_at, made.end_reason) == (
        SubscriptionStatus.ENDED, made.period_end, later, "the pass ran out",
    )  # fmt: skip
    [told] = made.pull_events()
    assert isinstance(told, events.SubscriptionEnded)
    assert not made.end(one_off, later)
    fan = plan()
    renewing = active(fan)
    assert renewing.period_end is not None
    assert not renewing.end(fan, renewing.period_end)  # it renews instead
    renewing.schedule_cancellation(fan, T)
    assert renewing.end(fan, renewing.period_end)
    assert renewing.end_reason == "cancelled at the end of the period"


def test_plan_changes_are_refused_with_reasons() -> None:
    fan, plus, one_off = plan(), plan(price=60_000), plan(PlanKind.PASS, price=1)
    made = active(fan)
    with pytest.raises(Conflict, match="you are already on Plan 30000"):
        made.ensure_plan_change(fan, fan, T)
    with pytest.raises(Conflict, match="only a monthly plan can move to another monthly plan"):
        made.ensure_plan_change(fan, one_off, T)
    with pytest.raises(
        Conflict, match="the plan 'Plan 60000' is no longer offered; choose another"
    ):
        made.ensure_plan_change(fan, plus.retired(), T)
    dollars = Plan.create(PlanSpec("usd", "Dollars", PlanKind.MONTHLY, Money(1, "USD")), T)
    with pytest.raises(ValidationFailed) as caught:
        made.ensure_plan_change(fan, dollars, T)
    assert (caught.value.field, caught.value.detail) == (
        "plan_id", "the new plan is priced in USD, yours in RUB",
    )  # fmt: skip
    made.ensure_plan_change(fan, plus, T)  # allowed
    pass_holder = active(one_off)
    with pytest.raises(Conflict, match="only a monthly plan"):
        pass_holder.ensure_plan_change(one_off, fan, T)


def test_a_plan_change_and_a_declined_one_are_told() -> None:
    fan, plus = plan(), plan(price=60_000)
    made = active(fan)
    made.change_plan(fan, plus, Money(15_000, RUB), T + timedelta(days=1))
    assert (made.plan_id, made.updated_at) == (plus.id, T + timedelta(days=1))
    [told] = made.pull_events()
    assert isinstance(told, events.PlanChanged)
    assert (told.plan_name, told.previous_plan, told.difference) == (
        "Plan 60000", "Plan 30000", Money(15_000, RUB),
    )  # fmt: skip
    made.decline_plan_change(plus, fan, "card declined", T)
    [declined] = made.pull_events()
    assert isinstance(declined, events.PlanChangeDeclined)
    assert (declined.plan_name, declined.wanted_plan, declined.reason) == (
        "Plan 60000", "Plan 30000", "card declined",
    )  # fmt: skip


def test_only_the_holder_sees_a_subscription() -> None:
    made = active()
    made.ensure_owned_by(ME)
    with pytest.raises(NotFound, match="subscription not found"):
        made.ensure_owned_by(AccountId(UUID(int=2)))


def test_a_closed_subscription_is_never_woken() -> None:
    made = active()
    made.cancel(plan(), "x", None, T)
    made.wake_at(T)
    assert made.next_action_at is None


# -- a charge ---------------------------------------------------------------------------------


def test_a_charge_takes_a_positive_amount_and_one_payment_at_a_time() -> None:
    fan = plan()
    made = active(fan)
    with pytest.raises(ValidationFailed, match="a charge takes a positive amount"):
        Charge.open(made, ChargeKind.UPGRADE, fan, Money(0, RUB), T)
    charge = Charge.open(made, ChargeKind.RENEWAL, fan, fan.price, T, period_start=T)
    assert (charge.subscription_id, charge.payer_id, charge.plan_id, charge.status) == (
        made.id, ME, fan.id, ChargeStatus.OPEN,
    )  # fmt: skip
    payment = charge.attempt("memory", "Fan, renewal", T, T + timedelta(days=3), via_checkout=True)
    assert (payment.reference_id, payment.amount, payment.payer_id, payment.provider) == (
        charge.id, fan.price, ME, "memory",
    )  # fmt: skip
    assert (payment.description, payment.expires_at, payment.purpose.value) == (
        "Fan, renewal", T + timedelta(days=3), "subscription",
    )  # fmt: skip
    assert (charge.payment_id, charge.attempts, charge.via_checkout) == (payment.id, 1, True)
    again = charge.attempt("memory", "Fan, renewal", T, T + timedelta(days=3))
    assert (charge.payment_id, charge.attempts, charge.via_checkout) == (again.id, 2, False)


def test_a_failure_is_counted_once_per_attempt() -> None:
    fan = plan()
    charge = Charge.open(active(fan), ChargeKind.RENEWAL, fan, fan.price, T, period_start=T)
    assert not charge.note_failure("nothing tried yet")
    charge.attempt("memory", "r", T, T + timedelta(days=1))
    assert charge.note_failure("card declined")
    assert (charge.failures, charge.failure_reason) == (1, "card declined")
    assert not charge.note_failure("again")
    assert charge.failure_reason == "card declined"


def test_paid_failed_and_void_charges_are_closed() -> None:
    fan = plan()
    made = active(fan)
    charge = Charge.open(made, ChargeKind.START, fan, fan.price, T)
    payment = charge.attempt("memory", "start", T, T + timedelta(minutes=15))
    charge.note_failure("x")
    charge.pay(payment.id, T, T)
    assert (charge.status, charge.settled_at, charge.period_start, charge.failure_reason) == (
        ChargeStatus.PAID, T, T, None,
    )  # fmt: skip
    charge.pay(payment.id, T + timedelta(days=1), T + timedelta(days=1))
    assert charge.period_start == T  # a period start once set stays
    with pytest.raises(Conflict, match="this charge is paid; nothing is owed on it"):
        charge.attempt("memory", "again", T, T + timedelta(days=1))
    charge.void(T)
    assert charge.status is ChargeStatus.PAID  # only an open charge can be voided
    failed = Charge.open(made, ChargeKind.UPGRADE, fan, fan.price, T)
    failed.fail("card declined", T)
    assert (failed.status, failed.failure_reason, failed.settled_at) == (
        ChargeStatus.FAILED, "card declined", T,
    )  # fmt: skip
    owed = Charge.open(made, ChargeKind.RENEWAL, fan, fan.price, T)
    owed.void(T)
    assert (owed.status, owed.settled_at) == (ChargeStatus.VOID, T)
