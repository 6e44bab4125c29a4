"""Subscription repositories on SQL: plans, subscriptions and their charges.

Constraints stand behind the core's rules (see the constraints migration): one live
subscription per account, one open charge per subscription, one renewal per subscription and
period start. The renewal job finds its work through a partial index on `next_action_at`.
"""

from __future__ import annotations

from datetime import datetime

from adapters.db.repository import SqlRepository, placeholders
from adapters.db.session import Row
from core.identity.model import AccountId
from core.payments.model import PaymentId
from core.shared.errors import NotFound
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions.charge import Charge, ChargeId, ChargeKind, ChargeStatus
from core.subscriptions.model import Subscription, SubscriptionId, SubscriptionStatus
from core.subscriptions.plans import Plan, PlanId, PlanKind

_PLAN = (
    "id, code, name, kind, price, currency, perks, days, participants, description, active,"
    " created_at"
)
_KIND_ORDER = "CASE kind WHEN 'pass' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END"


def perks_text(perks: frozenset[Perk]) -> str:
    return ",".join(sorted(perks))


def perks_of_text(text: str) -> frozenset[Perk]:
    return frozenset(Perk(p) for p in text.split(",") if p)


def _plan(row: Row) -> Plan:
    return Plan(
        id=PlanId(row["id"]),
        code=row["code"],
        name=row["name"],
        kind=PlanKind(row["kind"]),
        price=Money(row["price"], row["currency"]),
        perks=perks_of_text(row["perks"]),
        created_at=row["created_at"],
        days=row["days"],
        participants=row["participants"],
        description=row["description"],
        active=bool(row["active"]),
    )


class SqlPlans(SqlRepository):
    async def add(self, plan: Plan) -> None:
        p = plan
        await self.db.execute(
            f"INSERT INTO plans ({_PLAN}) VALUES ({placeholders(1, 12)})",
            p.id, p.code, p.name, p.kind, p.price.amount, p.price.currency, perks_text(p.perks),
            p.days, p.participants, p.description, p.active, p.created_at,
        )  # fmt: skip

    async def get(self, plan_id: PlanId) -> Plan:
        row = await self.db.fetchrow(f"SELECT {_PLAN} FROM plans WHERE id = $1", plan_id)
        if row is None:
            raise NotFound("plan not found")
        return _plan(row)

    async def save(self, plan: Plan) -> None:
        await self.db.execute("UPDATE plans SET active = $2 WHERE id = $1", plan.id, plan.active)

    async def all(self, *, active_only: bool) -> list[Plan]:
        where = " WHERE active" if active_only else ""
        rows = await self.db.fetch(
            f"SELECT {_PLAN} FROM plans{where} ORDER BY {_KIND_ORDER}, price, id"
        )
        return [_plan(row) for row in rows]


_SUBSCRIPTION = (
    "id, account_id, plan_id, kind, provider, status, anchor, period_start, period_end,"
    " period_index, cancel_at_period_end, mandate_ref, next_action_at, perks_until, ended_at,"
    " end_reason, created_at, updated_at"
)
_LIVE = "('pending', 'active', 'past_due')"


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=SubscriptionId(row["id"]),
        account_id=AccountId(row["account_id"]),
        plan_id=PlanId(row["plan_id"]),
        kind=PlanKind(row["kind"]),
        provider=row["provider"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=SubscriptionStatus(row["status"]),
        anchor=row["anchor"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        period_index=row["period_index"],
        cancel_at_period_end=bool(row["cancel_at_period_end"]),
        mandate_ref=row["mandate_ref"],
        next_action_at=row["next_action_at"],
        perks_until=row["perks_until"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"],
    )


class SqlSubscriptions(SqlRepository):
    async def add(self, subscription: Subscription) -> None:
        s = subscription
        await self.db.execute(
            f"INSERT INTO subscriptions ({_SUBSCRIPTION}) VALUES ({placeholders(1, 18)})",
            s.id, s.account_id, s.plan_id, s.kind, s.provider, s.status, s.anchor,
            s.period_start, s.period_end, s.period_index, s.cancel_at_period_end, s.mandate_ref,
            s.next_action_at, s.perks_until, s.ended_at, s.end_reason, s.created_at,
            s.updated_at,
        )  # fmt: skip
        self.track(subscription)

    async def save(self, subscription: Subscription) -> None:
        s = subscription
        await self.db.execute(
            "UPDATE subscriptions SET plan_id = $2, status = $3, anchor = $4, period_start = $5,"
            " period_end = $6, period_index = $7, cancel_at_period_end = $8, mandate_ref = $9,"
            " next_action_at = $10, perks_until = $11, ended_at = $12, end_reason = $13,"
            " updated_at = $14 WHERE id = $1",
            s.id, s.plan_id, s.status, s.anchor, s.period_start, s.period_end, s.period_index,
            s.cancel_at_period_end, s.mandate_ref, s.next_action_at, s.perks_until, s.ended_at,
            s.end_reason, s.updated_at,
        )  # fmt: skip
        self.track(subscription)

    async def _one(self, subscription_id: SubscriptionId, lock: str) -> Subscription:
        row = await self.db.fetchrow(
            f"SELECT {_SUBSCRIPTION} FROM subscriptions WHERE id = $1{lock}", subscription_id
        )
        if row is None:
            raise NotFound("subscription not found")
        return self.track(_subscription(row))

    async def get(self, subscription_id: SubscriptionId) -> Subscription:
        return await self._one(subscription_id, "")

    async def get_for_update(self, subscription_id: SubscriptionId) -> Subscription:
        return await self._one(subscription_id, self.for_update)

    async def live_of(self, account_id: AccountId) -> Subscription | None:
        row = await self.db.fetchrow(
            f"SELECT {_SUBSCRIPTION} FROM subscriptions"
            f" WHERE account_id = $1 AND status IN {_LIVE}{self.for_update}",
            account_id,
        )
        return None if row is None else self.track(_subscription(row))

    async def of_account(self, account_id: AccountId) -> list[Subscription]:
        rows = await self.db.fetch(
            f"SELECT {_SUBSCRIPTION} FROM subscriptions WHERE account_id = $1 ORDER BY id DESC",
            account_id,
        )
        return [_subscription(row) for row in rows]

    async def due(self, now: datetime, limit: int) -> list[SubscriptionId]:
        rows = await self.db.fetch(
            "SELECT id FROM subscriptions WHERE next_action_at IS NOT NULL"
            " AND next_action_at <= $1 ORDER BY next_action_at, id LIMIT $2",
            now,
            limit,
        )
        return [SubscriptionId(row["id"]) for row in rows]


_CHARGE = (
    "id, subscription_id, payer_id, kind, plan_id, amount, currency, period_start, status,"
    " attempts, failures, via_checkout, payment_id, failure_reason, created_at, settled_at"
)


def _charge(row: Row) -> Charge:
    return Charge(
        id=ChargeId(row["id"]),
        subscription_id=SubscriptionId(row["subscription_id"]),
        payer_id=AccountId(row["payer_id"]),
        kind=ChargeKind(row["kind"]),
        plan_id=PlanId(row["plan_id"]),
        amount=Money(row["amount"], row["currency"]),
        created_at=row["created_at"],
        period_start=row["period_start"],
        status=ChargeStatus(row["status"]),
        attempts=row["attempts"],
        failures=row["failures"],
        via_checkout=bool(row["via_checkout"]),
        payment_id=None if row["payment_id"] is None else PaymentId(row["payment_id"]),
        failure_reason=row["failure_reason"],
        settled_at=row["settled_at"],
    )


class SqlCharges(SqlRepository):
    async def add(self, charge: Charge) -> None:
        c = charge
        await self.db.execute(
            f"INSERT INTO subscription_charges ({_CHARGE}) VALUES ({placeholders(1, 16)})",
            c.id, c.subscription_id, c.payer_id, c.kind, c.plan_id, c.amount.amount,
            c.amount.currency, c.period_start, c.status, c.attempts, c.failures, c.via_checkout,
            c.payment_id, c.failure_reason, c.created_at, c.settled_at,
        )  # fmt: skip

    async def save(self, charge: Charge) -> None:
        c = charge
        await self.db.execute(
            "UPDATE subscription_charges SET period_start = $2, status = $3, attempts = $4,"
            " failures = $5, via_checkout = $6, payment_id = $7, failure_reason = $8,"
            " settled_at = $9 WHERE id = $1",
            c.id, c.period_start, c.status, c.attempts, c.failures, c.via_checkout, c.payment_id,
            c.failure_reason, c.settled_at,
        )  # fmt: skip

    async def find(self, charge_id: ChargeId) -> Charge | None:
        row = await self.db.fetchrow(
            f"SELECT {_CHARGE} FROM subscription_charges WHERE id = $1", charge_id
        )
        return None if row is None else _charge(row)

    async def get(self, charge_id: ChargeId) -> Charge:
        found = await self.find(charge_id)
        if found is None:
            raise NotFound("charge not found")
        return found

    async def open_of(self, subscription_id: SubscriptionId) -> Charge | None:
        row = await self.db.fetchrow(
            f"SELECT {_CHARGE} FROM subscription_charges"
            " WHERE subscription_id = $1 AND status = 'open'",
            subscription_id,
        )
        return None if row is None else _charge(row)

    async def of_subscription(self, subscription_id: SubscriptionId) -> list[Charge]:
        rows = await self.db.fetch(
            f"SELECT {_CHARGE} FROM subscription_charges WHERE subscription_id = $1"
            " ORDER BY id DESC",
            subscription_id,
        )
        return [_charge(row) for row in rows]
