"""Subscriptions and the charges that pay for them.

A subscription is `pending` until its first payment comes through, then `active` for one
period after another: a pass for its days, a monthly plan month by month from the day it
started. A renewal that fails is retried on days 1, 3 and 7 after it was due, perks kept
meanwhile; then it is `past_due` (perks paused, the subscriber may still pay) and, 14 days
after the due date, `cancelled`. A subscriber may cancel now (the unused time is refunded)
or at the end of the period; a pass or a period cancelled at its end is `ended` then.

What pays for it is a `Charge` (`core.subscriptions.charge`): its start, one renewal per
period (unique per subscription and period start), the difference for a dearer plan.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import NewType, TypedDict
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money
from core.subscriptions import events
from core.subscriptions.charge import Charge
from core.subscriptions.periods import CANCEL_AFTER, add_months, next_retry
from core.subscriptions.plans import Plan, PlanId, PlanKind

SubscriptionId = NewType("SubscriptionId", UUID)


class SubscriptionStatus(enum.StrEnum):
    PENDING = "pending"
    """Waiting for its first payment."""
    ACTIVE = "active"
    PAST_DUE = "past_due"
    """Every retry of a renewal failed: perks paused until it is paid."""
    CANCELLED = "cancelled"
    """Ended early: by the subscriber, or because a renewal was never paid."""
    ENDED = "ended"
    """Ran its course: a pass's days, or a period cancelled at its end."""
    INCOMPLETE = "incomplete"
    """The first payment never came."""


class _Facts(TypedDict):
    """What every subscription event says about its subscription."""

    event_id: UUID
    occurred_at: datetime
    subscription_id: UUID
    account_id: UUID
    plan_name: str


LIVE = frozenset(
    {SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE}
)


@attrs.define
class Subscription(Aggregate):
    """One account's hold on one plan. `next_action_at` is when the renewal job must look at
    it next (a renewal due, a retry, a pass running out); None when nothing is scheduled."""

    id: SubscriptionId
    account_id: AccountId
    plan_id: PlanId
    kind: PlanKind
    provider: str
    created_at: datetime
    updated_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.PENDING
    anchor: datetime | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    period_index: int = 0
    cancel_at_period_end: bool = False
    mandate_ref: str | None = None
    next_action_at: datetime | None = None
    perks_until: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None

    @classmethod
    def start(cls, account_id: AccountId, plan: Plan, provider: str, now: datetime) -> Subscription:
        if not plan.for_subscribers:
            raise ValidationFailed("a conference tier is paid per conference, not subscribed to")
        if not plan.active:
            raise Conflict(f"the plan {plan.name!r} is no longer offered; choose another")
        return cls(
            id=SubscriptionId(uuid7(now)),
            account_id=account_id,
            plan_id=plan.id,
            kind=plan.kind,
            provider=provider,
            created_at=now,
            updated_at=now,
        )

    @property
    def renews(self) -> bool:
        return self.kind is PlanKind.MONTHLY

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def _facts(self, plan: Plan, now: datetime) -> _Facts:
        return {
            "event_id": uuid7(now),
            "occurred_at": now,
            "subscription_id": self.id,
            "account_id": self.account_id,
            "plan_name": plan.name,
        }

    def ensure_owned_by(self, account_id: AccountId) -> None:
        """Someone else's subscription is as good as absent to the caller."""
        if account_id != self.account_id:
            raise NotFound("subscription not found")

    def _period(self, plan: Plan, index: int) -> tuple[datetime, datetime]:
        assert self.anchor is not None
        if plan.kind is PlanKind.PASS:
            assert plan.days is not None
            return self.anchor, self.anchor + timedelta(days=plan.days)
        return add_months(self.anchor, index), add_months(self.anchor, index + 1)

    def _enter_period(self, plan: Plan, index: int, now: datetime) -> None:
        self.period_index = index
        self.period_start, self.period_end = self._period(plan, index)
        self.status = SubscriptionStatus.ACTIVE
        self.next_action_at = self.period_end
        self._set_perks_until()
        self.updated_at = now

    def _set_perks_until(self) -> None:
        open_ended = self.renews and not self.cancel_at_period_end
        self.perks_until = None if open_ended else self.period_end

    def activate(self, plan: Plan, now: datetime, mandate_ref: str | None) -> bool:
        """The first payment came through: the first period starts now. False if it had
        already started (news repeated) or the subscription is over."""
        if self.status is not SubscriptionStatus.PENDING:
            return False
        self.anchor = now
        self.mandate_ref = mandate_ref if plan.renews else None
        self._enter_period(plan, 0, now)
        assert self.period_end is not None
        self.record(
            events.SubscriptionActivated(
                **self._facts(plan, now), period_end=self.period_end, renews=plan.renews
            )
        )
        return True

    def abandon(self, now: datetime, reason: str) -> bool:
        """The first payment failed, expired or was given up for another plan."""
        if self.status is not SubscriptionStatus.PENDING:
            return False
        self._close(SubscriptionStatus.INCOMPLETE, reason, now)
        return True

    def _close(self, status: SubscriptionStatus, reason: str, now: datetime) -> None:
        self.status, self.end_reason = status, reason
        self.ended_at = self.updated_at = now
        self.next_action_at = None
        if self.perks_until is None or self.perks_until > now:
            self.perks_until = now

    def renewal_due(self, now: datetime) -> bool:
        return (
            self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
            and self.renews
            and not self.cancel_at_period_end
            and self.period_end is not None
            and self.period_end <= now
        )

    def renewed(self, plan: Plan, period_start: datetime, now: datetime) -> bool:
        """The renewal for the period starting at `period_start` was paid."""
        if self.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            return False
        if period_start != self.period_end:
            return False
        self._enter_period(plan, self.period_index + 1, now)
        return True

    def renewal_failed(self, plan: Plan, charge: Charge, reason: str, now: datetime) -> None:
        """An attempt failed: try again on the next retry day, or fall past due."""
        assert charge.period_start is not None
        retry_at = next_retry(charge.period_start, now)
        self.updated_at = now
        if retry_at is not None:
            self.next_action_at = retry_at
            self.record(
                events.RenewalFailed(
                    **self._facts(plan, now),
                    charge_id=charge.id,
                    amount=charge.amount,
                    attempt=charge.attempts,
                    reason=reason,
                    retry_at=retry_at,
                )
            )
            return
        cancel_at = charge.period_start + CANCEL_AFTER
        self.next_action_at = max(cancel_at, now)
        if self.status is SubscriptionStatus.ACTIVE:
            self.status, self.perks_until = SubscriptionStatus.PAST_DUE, now
            self.record(
                events.SubscriptionPastDue(
                    **self._facts(plan, now),
                    charge_id=charge.id,
                    amount=charge.amount,
                    cancel_at=cancel_at,
                )
            )

    def schedule_cancellation(self, plan: Plan, now: datetime) -> None:
        """Stop renewing: perks last to the end of the paid period, then it ends."""
        self._ensure_paid_up("cancel at the end of the period", now)
        if not self.renews:
            raise Conflict("a pass ends by itself when its days are over; cancel it now instead")
        if self.cancel_at_period_end:
            return
        self.cancel_at_period_end = True
        self._note_schedule(plan, now, undone=False)

    def resume(self, plan: Plan, now: datetime) -> None:
        """Take back a cancellation at period end: it renews again."""
        self._ensure_paid_up("resume", now)
        if not self.cancel_at_period_end:
            raise Conflict("this subscription is not set to end; there is nothing to resume")
        self.cancel_at_period_end = False
        self._note_schedule(plan, now, undone=True)

    def _note_schedule(self, plan: Plan, now: datetime, *, undone: bool) -> None:
        assert self.period_end is not None
        self._set_perks_until()
        self.updated_at = now
        self.record(
            events.CancellationScheduled(
                **self._facts(plan, now), ends_at=self.period_end, undone=undone
            )
        )

    def _ensure_paid_up(self, action: str, now: datetime) -> None:
        if self.status is not SubscriptionStatus.ACTIVE or self.period_end is None:
            raise Conflict(f"only an active subscription can {action}; this one is {self.status}")
        if self.period_end <= now:
            raise Conflict(
                f"the renewal of this subscription is unpaid, so it cannot {action}; "
                "pay it or cancel now"
            )

    def cancel(self, plan: Plan, reason: str, refund: Money | None, now: datetime) -> None:
        """End it now; `refund` is what goes back for the unused time."""
        if not self.live:
            raise Conflict(f"this subscription is already {self.status}")
        self._close(SubscriptionStatus.CANCELLED, reason, now)
        self.record(
            events.SubscriptionCancelled(**self._facts(plan, now), reason=reason, refund=refund)
        )

    def end(self, plan: Plan, now: datetime) -> bool:
        """A pass, or a period cancelled at its end, is over."""
        if self.status is not SubscriptionStatus.ACTIVE or self.period_end is None:
            return False
        if self.period_end > now or (self.renews and not self.cancel_at_period_end):
            return False
        reason = "the pass ran out" if not self.renews else "cancelled at the end of the period"
        self._close(SubscriptionStatus.ENDED, reason, self.period_end)
        self.updated_at = now
        self.record(events.SubscriptionEnded(**self._facts(plan, now)))
        return True

    def ensure_plan_change(self, old: Plan, new: Plan, now: datetime) -> None:
        """Refuse a change this subscription cannot make now."""
        self._ensure_paid_up("change plan", now)
        if new.id == old.id:
            raise Conflict(f"you are already on {new.name}")
        if not (old.renews and new.renews):
            raise Conflict("only a monthly plan can move to another monthly plan")
        if not new.active:
            raise Conflict(f"the plan {new.name!r} is no longer offered; choose another")
        if new.price.currency != old.price.currency:
            raise ValidationFailed(
                f"the new plan is priced in {new.price.currency}, yours in {old.price.currency}",
                field="plan_id",
            )

    def change_plan(self, old: Plan, new: Plan, difference: Money, now: datetime) -> None:
        """Move to `new` for the rest of the period; `difference` was charged or refunded."""
        self.plan_id = new.id
        self.updated_at = now
        self.record(
            events.PlanChanged(
                **self._facts(new, now), previous_plan=old.name, difference=difference
            )
        )

    def decline_plan_change(self, old: Plan, new: Plan, reason: str, now: datetime) -> None:
        self.record(
            events.PlanChangeDeclined(**self._facts(old, now), wanted_plan=new.name, reason=reason)
        )

    def wake_at(self, moment: datetime | None) -> None:
        """When the renewal job should look at this subscription next."""
        self.next_action_at = moment if self.live else None

    def note_charge(self, plan: Plan, charge: Charge, now: datetime) -> None:
        """A charge was paid: the receipt, for the period it paid for."""
        assert charge.payment_id is not None
        assert self.period_start is not None
        assert self.period_end is not None
        self.record(
            events.SubscriptionCharged(
                **self._facts(plan, now),
                charge_id=charge.id,
                payment_id=charge.payment_id,
                kind=charge.kind.value,
                amount=charge.amount,
                period_start=self.period_start,
                period_end=self.period_end,
            )
        )
