"""Subscriptions over HTTP: the plans on offer, subscribing, a subscriber's subscriptions
(cancel, resume, change plan, pay what is owed) and their perks.

Subscribing answers with the page to pay the first payment on (a monthly plan's page keeps
the card for renewals); the subscription starts when that payment succeeds. A repeated
`Idempotency-Key` returns the first answer with `Idempotent-Replayed: true`.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.bookings import REPLAYED_HEADER, IdempotencyKey
from adapters.http.deps import Platform, PlatformDep
from adapters.http.problems import problem_responses
from adapters.http.subscription_schemas import (
    CancelIn,
    ChangePlanIn,
    PaymentLinkOut,
    PerksOut,
    PlanIn,
    PlanList,
    PlanOut,
    SubscribeIn,
    SubscriptionList,
    SubscriptionOut,
)
from core.identity.model import AccountId
from core.payments.model import Payment
from core.payments.services import open_checkout
from core.subscriptions import changes, services
from core.subscriptions.commands import CancelSubscription, ChangePlan, Subscribe
from core.subscriptions.model import SubscriptionId
from core.subscriptions.plans import PlanId

MINE = problem_responses(401, 404, 409, 422, 503)


async def checkout_link(platform: Platform, payment: Payment, *, keep_card: bool) -> str | None:
    """The provider's page for a payment (opened once; asked again, the same page)."""
    opened = await open_checkout(
        payment.id,
        uow=platform.new_uow(),
        providers=platform.payment_providers,
        urls=platform.return_urls,
        clock=platform.clock,
        save_method=keep_card,
    )
    return opened.redirect_url


async def start_subscription(
    platform: Platform, cmd: Subscribe
) -> tuple[SubscriptionId, str | None, bool]:
    """Subscribe and open the first payment's page: (subscription, page, replayed)."""
    subscription, payment, replayed = await services.subscribe(
        cmd,
        uow=platform.new_uow(),
        clock=platform.clock,
        terms=platform.payment_terms,
        providers=platform.payment_providers,
    )
    url = await checkout_link(platform, payment, keep_card=subscription.renews)
    return subscription.id, url, replayed


async def pay_owed(
    platform: Platform, subscription_id: UUID, account_id: AccountId
) -> PaymentLinkOut:
    """Open the page to pay an unpaid renewal by hand; the card paid with is kept."""
    payment = await changes.pay_now(
        SubscriptionId(subscription_id),
        actor=account_id,
        uow=platform.new_uow(),
        clock=platform.clock,
        terms=platform.payment_terms,
    )
    return PaymentLinkOut(payment.id, await checkout_link(platform, payment, keep_card=True))


async def _out(platform: Platform, subscription_id: UUID, viewer: AccountId) -> SubscriptionOut:
    view = await services.subscription_details(
        SubscriptionId(subscription_id), viewer=viewer, uow=platform.new_uow()
    )
    return SubscriptionOut.of(view)


class PlansController(Controller):
    path = "/api/v1/plans"
    tags = ["subscriptions"]

    @get("/", operation_id="listPlans")
    async def plans(self, platform: PlatformDep) -> PlanList:
        """Plans on offer: passes, monthly plans and organisers' conference tiers."""
        found = await services.list_plans(uow=platform.new_uow())
        return PlanList([PlanOut.of(p) for p in found])

    @post(
        "/",
        status_code=201,
        operation_id="createPlan",
        security=BEARER,
        responses=problem_responses(401, 403, 409, 422),
    )
    async def create(
        self, data: JSONBody[PlanIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> PlanOut:
        """Offer a new plan (platform administrators)."""
        plan = await services.create_plan(
            data.to_core(), actor=account_id, uow=platform.new_uow(), clock=platform.clock
        )
        return PlanOut.of(plan)

    @post(
        "/{plan_id:uuid}/retire",
        status_code=200,
        operation_id="retirePlan",
        security=BEARER,
        responses=problem_responses(401, 403, 404),
    )
    async def retire(
        self, plan_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> PlanOut:
        """Stop offering a plan; those who hold it keep it (platform administrators)."""
        plan = await services.retire_plan(PlanId(plan_id), actor=account_id, uow=platform.new_uow())
        return PlanOut.of(plan)


class SubscriptionsController(Controller):
    path = "/api/v1"
    tags = ["subscriptions"]

    @post("/subscriptions", status_code=201, operation_id="subscribe", security=BEARER,
          responses=MINE)  # fmt: skip
    async def subscribe(
        self,
        data: JSONBody[SubscribeIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubscriptionOut]:
        """Subscribe to a plan: `pending` with `payment_url`, the page to pay on; active once
        paid. One live subscription per account (change its plan instead: 409)."""
        made, url, replayed = await start_subscription(
            platform, Subscribe(account_id, PlanId(data.plan_id), idempotency_key)
        )
        out = await _out(platform, made, account_id)
        out.payment_url = url
        headers = {REPLAYED_HEADER: "true"} if replayed else {}
        return Response(out, status_code=201, headers=headers)

    @get("/subscriptions", operation_id="mySubscriptions", security=BEARER,
         responses=problem_responses(401))  # fmt: skip
    async def mine(self, platform: PlatformDep, account_id: CurrentAccount) -> SubscriptionList:
        """The caller's subscriptions, newest first, each with its charges (the receipts)."""
        views = await services.my_subscriptions(account_id, uow=platform.new_uow())
        return SubscriptionList([SubscriptionOut.of(v) for v in views])

    @get("/subscriptions/{subscription_id:uuid}", operation_id="getSubscription",
         security=BEARER, responses=problem_responses(401, 404))  # fmt: skip
    async def one(
        self, subscription_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> SubscriptionOut:
        return await _out(platform, subscription_id, account_id)

    @post("/subscriptions/{subscription_id:uuid}/cancel", status_code=200,
          operation_id="cancelSubscription", security=BEARER, responses=MINE)  # fmt: skip
    async def cancel(
        self,
        subscription_id: FromPath[UUID],
        data: JSONBody[CancelIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> SubscriptionOut:
        """End it now (the unused part of the period is refunded) or at the period's end."""
        await changes.cancel_subscription(
            CancelSubscription(SubscriptionId(subscription_id), account_id, data.at_period_end),
            uow=platform.new_uow(),
            clock=platform.clock,
            providers=platform.payment_providers,
        )
        return await _out(platform, subscription_id, account_id)

    @post("/subscriptions/{subscription_id:uuid}/resume", status_code=200,
          operation_id="resumeSubscription", security=BEARER, responses=MINE)  # fmt: skip
    async def resume(
        self, subscription_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> SubscriptionOut:
        """Take back a cancellation at period end: it renews again."""
        await changes.resume_subscription(
            SubscriptionId(subscription_id),
            actor=account_id,
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return await _out(platform, subscription_id, account_id)

    @post("/subscriptions/{subscription_id:uuid}/change", status_code=200,
          operation_id="changePlan", security=BEARER, responses=MINE)  # fmt: skip
    async def change(
        self,
        subscription_id: FromPath[UUID],
        data: JSONBody[ChangePlanIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> SubscriptionOut:
        """Move to another monthly plan now: the difference for the rest of the period is
        charged to the saved card (a dearer plan; the move waits for it) or refunded."""
        await changes.change_plan(
            ChangePlan(SubscriptionId(subscription_id), account_id, PlanId(data.plan_id)),
            uow=platform.new_uow(),
            clock=platform.clock,
            providers=platform.payment_providers,
        )
        return await _out(platform, subscription_id, account_id)

    @post("/subscriptions/{subscription_id:uuid}/pay", status_code=200,
          operation_id="payRenewal", security=BEARER, responses=MINE)  # fmt: skip
    async def pay(
        self, subscription_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> PaymentLinkOut:
        """Pay an unpaid renewal by hand on the provider's page (another card, if need be:
        it pays the renewals that follow)."""
        return await pay_owed(platform, subscription_id, account_id)

    @get("/me/perks", operation_id="myPerks", security=BEARER,
         responses=problem_responses(401))  # fmt: skip
    async def perks(self, platform: PlatformDep, account_id: CurrentAccount) -> PerksOut:
        """The perks the caller holds right now."""
        held = await services.perks_now(account_id, uow=platform.new_uow(), clock=platform.clock)
        return PerksOut(sorted(held))
