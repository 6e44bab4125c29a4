"""Pages for subscribers and organisers: the plans on offer, my subscriptions (perks, renewal,
cancel, resume, change plan, pay what is owed, receipts) and the organiser's billing.

Forms post with the CSRF token and come back to the page with a short message (303), or go
on to the provider's payment page; a refusal (a change that cannot be made now) shows the
page again with the reason.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from adapters.http.billing import pay_invoice_link
from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import form_fields, render, see_other, uuid_field
from adapters.http.pages.session import SignedIn, login_url, viewer_of
from adapters.http.problems import status_for
from adapters.http.subscriptions import pay_owed, start_subscription
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.idempotency import MAX_KEY_LENGTH
from core.shared.money import Money
from core.subscriptions import changes, invoicing, services
from core.subscriptions.charge import ChargeStatus
from core.subscriptions.commands import CancelSubscription, ChangePlan, Subscribe
from core.subscriptions.model import LIVE, SubscriptionId
from core.subscriptions.plans import PlanId, PlanKind

AnyRequest = Request[Any, Any, Any]
DONE = {"cancelled", "scheduled", "resumed", "changed", "declined"}


class SubscriptionPages(Controller):
    include_in_schema = False

    @get("/plans")
    async def plans(self, request: AnyRequest, platform: PlatformDep) -> Template:
        return await _plans_page(request, platform)

    @post("/plans/{plan_id:uuid}/subscribe", status_code=303)
    async def subscribe(
        self, request: AnyRequest, plan_id: FromPath[UUID], platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:  # fmt: skip
        fields = await form_fields(request)
        key = fields.get("idempotency_key", "")[:MAX_KEY_LENGTH] or None
        try:
            _, url, _ = await start_subscription(
                platform, Subscribe(signed_in, PlanId(plan_id), key)
            )
        except (Conflict, ValidationFailed) as exc:
            return await _plans_page(request, platform, error=exc.detail, status=status_for(exc))
        return Redirect(url, status_code=303) if url else see_other("/subscriptions")

    @get("/subscriptions")
    async def mine(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn,
        done: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        return await _mine_page(request, platform, signed_in, done=done)

    @post("/subscriptions/{subscription_id:uuid}/{action:str}", status_code=303)
    async def act(
        self, request: AnyRequest, subscription_id: FromPath[UUID], action: FromPath[str],
        platform: PlatformDep, signed_in: SignedIn,
    ) -> Template | Redirect:  # fmt: skip
        fields = await form_fields(request)
        try:
            return await _act(platform, SubscriptionId(subscription_id), action, fields, signed_in)
        except (Conflict, ValidationFailed) as exc:
            return await _mine_page(
                request, platform, signed_in, error=exc.detail, status=status_for(exc)
            )

    @get("/billing")
    async def billing(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        return await _billing_page(request, platform, signed_in)

    @post("/billing/invoices/{invoice_id:uuid}/pay", status_code=303)
    async def pay_invoice(
        self, request: AnyRequest, invoice_id: FromPath[UUID], platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:  # fmt: skip
        try:
            link = await pay_invoice_link(platform, invoice_id, signed_in)
        except Conflict as exc:
            return await _billing_page(request, platform, signed_in, error=exc.detail, status=409)
        return Redirect(link.payment_url or "/billing", status_code=303)


async def _act(
    platform: PlatformDep,
    subscription_id: SubscriptionId,
    action: str,
    fields: dict[str, str],
    account_id: AccountId,
) -> Redirect:
    """One form of the my-subscriptions page; where to go next."""
    uow, clock, providers = platform.new_uow(), platform.clock, platform.payment_providers
    if action in ("cancel", "cancel-at-end"):
        at_end = action == "cancel-at-end"
        cmd = CancelSubscription(subscription_id, account_id, at_end)
        await changes.cancel_subscription(cmd, uow=uow, clock=clock, providers=providers)
        return see_other("/subscriptions?done=" + ("scheduled" if at_end else "cancelled"))
    if action == "resume":
        await changes.resume_subscription(subscription_id, actor=account_id, uow=uow, clock=clock)
        return see_other("/subscriptions?done=resumed")
    if action == "change":
        plan_id = uuid_field(fields, "plan_id")
        if plan_id is None:
            raise ValidationFailed("choose the plan to move to", field="plan_id")
        cmd2 = ChangePlan(subscription_id, account_id, PlanId(plan_id))
        _, charge = await changes.change_plan(cmd2, uow=uow, clock=clock, providers=providers)
        declined = charge is not None and charge.status is ChargeStatus.FAILED
        return see_other("/subscriptions?done=" + ("declined" if declined else "changed"))
    if action == "pay":
        link = await pay_owed(platform, subscription_id, account_id)
        return Redirect(link.payment_url or "/subscriptions", status_code=303)
    raise NotFound("there is no such page")


async def _plans_page(
    request: AnyRequest, platform: PlatformDep, *, error: str = "", status: int = 200
) -> Template:
    plans = await services.list_plans(uow=platform.new_uow())
    context = {
        "plans": [p for p in plans if p.for_subscribers],
        "tiers": [p for p in plans if p.kind is PlanKind.CONFERENCE],
        "viewer": viewer_of(request),
        "login_url": login_url("/plans"),
        "idempotency_key": str(uuid4()),
        "error": error,
    }
    return render(request, "subscriptions/plans.html", context, status=status)


async def _mine_page(
    request: AnyRequest,
    platform: PlatformDep,
    account_id: AccountId,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> Template:
    views = await services.my_subscriptions(account_id, uow=platform.new_uow())
    perks = await services.perks_now(account_id, uow=platform.new_uow(), clock=platform.clock)
    offered = await services.list_plans(uow=platform.new_uow())
    context = {
        "views": views,
        "perks": sorted(perks),
        "monthly_plans": [p for p in offered if p.kind is PlanKind.MONTHLY],
        "done": done if done in DONE else "",
        "error": error,
        "live": LIVE,
        "money": lambda amount, currency: str(Money(amount, currency)),
    }
    return render(request, "subscriptions/mine.html", context, status=status)


async def _billing_page(
    request: AnyRequest,
    platform: PlatformDep,
    account_id: AccountId,
    *,
    error: str = "",
    status: int = 200,
) -> Template:
    bills = await invoicing.organiser_bills(account_id, uow=platform.new_uow())
    tiers = [
        p
        for p in await services.list_plans(uow=platform.new_uow())
        if p.kind is PlanKind.CONFERENCE
    ]
    context = {"bills": bills, "billing_on": bool(tiers), "error": error}
    return render(request, "subscriptions/billing.html", context, status=status)
