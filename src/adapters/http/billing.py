"""Organiser billing over HTTP: what each conference needs, what was paid, the invoice owed.

A conference that grows past its tier gets an invoice for the difference; it keeps working
meanwhile. The organiser pays the invoice on the provider's page.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import Platform, PlatformDep
from adapters.http.problems import problem_responses
from adapters.http.subscription_schemas import BillList, ConferenceBillOut, PaymentLinkOut
from adapters.http.subscriptions import checkout_link
from core.identity.model import AccountId
from core.subscriptions import invoicing
from core.subscriptions.billing import InvoiceId


async def pay_invoice_link(
    platform: Platform, invoice_id: UUID, account_id: AccountId
) -> PaymentLinkOut:
    """The page to pay an invoice on (the same one while it is open)."""
    payment = await invoicing.pay_invoice(
        InvoiceId(invoice_id),
        actor=account_id,
        uow=platform.new_uow(),
        clock=platform.clock,
        terms=platform.payment_terms,
    )
    return PaymentLinkOut(payment.id, await checkout_link(platform, payment, keep_card=False))


class BillingController(Controller):
    path = "/api/v1"
    tags = ["billing"]

    @get("/billing", operation_id="myBilling", security=BEARER, responses=problem_responses(401))
    async def bills(self, platform: PlatformDep, account_id: CurrentAccount) -> BillList:
        """Every conference the caller organises, with its tier, payments and invoices."""
        found = await invoicing.organiser_bills(account_id, uow=platform.new_uow())
        return BillList([ConferenceBillOut.of(b) for b in found])

    @get(
        "/conferences/{conference_id:uuid}/billing",
        operation_id="conferenceBilling",
        security=BEARER,
        responses=problem_responses(401, 404),
    )
    async def bill(
        self, conference_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ConferenceBillOut:
        """One conference's billing, for its organiser (404 for anyone else)."""
        found = await invoicing.conference_bill(
            conference_id, viewer=account_id, uow=platform.new_uow()
        )
        return ConferenceBillOut.of(found)

    @post(
        "/invoices/{invoice_id:uuid}/pay",
        status_code=200,
        operation_id="payInvoice",
        security=BEARER,
        responses=problem_responses(401, 404, 409, 503),
    )
    async def pay(
        self, invoice_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> PaymentLinkOut:
        """The page to pay an open invoice on."""
        return await pay_invoice_link(platform, invoice_id, account_id)
