"""Invoices on their own: following the list, who may pay, what organisers are told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from tests.unit.core.subscriptions.support import World
from tests.unit.core.subscriptions.test_billing import (
    _conference,
    _grow,
    _invoiced,
    _pay,
    _tiers,
)
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.identity.model import AccountId
from core.payments.model import PaymentStatus
from core.shared.errors import Conflict, NotFound
from core.shared.money import Money
from core.subscriptions import events, invoicing
from core.subscriptions.billing import ConferenceSize, Invoice, InvoiceStatus, in_flight
from core.subscriptions.plans import Plan, PlanKind, PlanSpec

T = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
ORGANISER = AccountId(UUID(int=7))
SIZE = ConferenceSize(UUID(int=9), ORGANISER, "DevConf", 120)


def tier(name: str, price: int, limit: int | None) -> Plan:
    return Plan.create(
        PlanSpec(name.lower(), name, PlanKind.CONFERENCE, Money(price, "RUB"), participants=limit),
        T,
    )


def test_an_invoice_is_issued_for_the_difference_and_told() -> None:
    small = tier("Small", 100_000, 300)
    invoice = Invoice.issue(SIZE, small, Money(90_000, "RUB"), T)
    assert (invoice.conference_id, invoice.organiser_id, invoice.conference_title) == (
        SIZE.conference_id, ORGANISER, "DevConf",
    )  # fmt: skip
    assert (invoice.tier_id, invoice.tier_name, invoice.participants, invoice.amount) == (
        small.id, "Small", 120, Money(90_000, "RUB"),
    )  # fmt: skip
    assert (invoice.status, invoice.payment_id, invoice.created_at, invoice.updated_at) == (
        InvoiceStatus.OPEN, None, T, T,
    )  # fmt: skip
    [issued] = invoice.pull_events()
    assert isinstance(issued, events.InvoiceIssued)
    assert (issued.invoice_id, issued.conference_title, issued.tier_name) == (
        invoice.id, "DevConf", "Small",
    )  # fmt: skip
    assert (issued.participants, issued.amount, issued.organiser_id) == (
        120, Money(90_000, "RUB"), ORGANISER,
    )  # fmt: skip


def test_an_invoice_follows_the_list_and_tells_again_only_when_it_goes_up() -> None:
    small, large = tier("Small", 100_000, 300), tier("Large", 400_000, None)
    invoice = Invoice.issue(SIZE, small, Money(100_000, "RUB"), T)
    invoice.pull_events()
    assert not invoice.follows(SIZE, small, Money(100_000, "RUB"), T + timedelta(hours=1))
    assert invoice.updated_at == T
    grown = ConferenceSize(SIZE.conference_id, ORGANISER, "DevConf 2031", 400)
    later = T + timedelta(hours=2)
    assert invoice.follows(grown, large, Money(400_000, "RUB"), later)
    assert (invoice.tier_id, invoice.tier_name, invoice.amount, invoice.participants) == (
        large.id, "Large", Money(400_000, "RUB"), 400,
    )  # fmt: skip
    assert (invoice.conference_title, invoice.updated_at) == ("DevConf 2031", later)
    [raised] = invoice.pull_events()
    assert raised.amount == Money(400_000, "RUB")
    assert invoice.follows(SIZE, small, Money(100_000, "RUB"), later)  # shrank back
    assert invoice.pull_events() == []
    assert invoice.follows(
        ConferenceSize(SIZE.conference_id, ORGANISER, "DevConf", 121), small,
        Money(100_000, "RUB"), later,
    )  # fmt: skip  # one more person, same tier: the count is kept up to date, nobody told
    assert invoice.participants == 121
    assert invoice.pull_events() == []


def test_who_may_pay_and_when() -> None:
    invoice = Invoice.issue(SIZE, tier("Small", 1, 300), Money(1, "RUB"), T)
    invoice.ensure_payable_by(ORGANISER)
    with pytest.raises(NotFound, match="invoice not found"):
        invoice.ensure_payable_by(AccountId(UUID(int=8)))
    invoice.void(T + timedelta(minutes=1))
    assert (invoice.status, invoice.updated_at) == (InvoiceStatus.VOID, T + timedelta(minutes=1))
    with pytest.raises(Conflict, match="this invoice is void; there is nothing to pay"):
        invoice.ensure_payable_by(ORGANISER)


def test_a_payment_for_an_invoice_and_its_receipt() -> None:
    invoice = Invoice.issue(SIZE, tier("Small", 100_000, 300), Money(90_000, "RUB"), T)
    invoice.pull_events()
    payment = invoice.new_payment("memory", T, T + timedelta(minutes=15))
    assert (payment.amount, payment.payer_id, payment.reference_id, payment.purpose.value) == (
        Money(90_000, "RUB"), ORGANISER, invoice.id, "billing",
    )  # fmt: skip
    assert payment.description == "Stagedoor Small: DevConf"
    assert (invoice.payment_id, invoice.updated_at) == (payment.id, T)
    assert in_flight(invoice, payment)
    assert not in_flight(invoice, None)
    payment.status = PaymentStatus.FAILED
    assert not in_flight(invoice, payment)
    invoice.paid_by(payment, T + timedelta(minutes=3))
    assert (invoice.status, invoice.paid_at, invoice.amount) == (
        InvoiceStatus.PAID, T + timedelta(minutes=3), Money(90_000, "RUB"),
    )  # fmt: skip
    [paid] = invoice.pull_events()
    assert isinstance(paid, events.InvoicePaid)
    assert paid.payment_id == payment.id
    invoice.void(T)
    assert invoice.status is InvoiceStatus.PAID  # a paid invoice stays paid


async def test_organisers_are_told_of_invoices_and_receipts_word_for_word(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, _, invoice = await _invoiced(world, register_account, new_uow, clock)
    await world.news(await _pay(world, invoice, organiser))
    messages = [(m.subject, m.body) for m in world.notifier.sent]
    assert messages == [
        (
            "Invoice for PyCon: 1000.00 RUB",
            "PyCon now lists 4 participants, which needs the conference plan tier. Please pay "
            "1000.00 RUB on your billing page. Nothing stops meanwhile.",
        ),
        (
            "Receipt: 1000.00 RUB for PyCon",
            "Thank you: we received 1000.00 RUB for the conference plan tier of PyCon.",
        ),
    ]


async def test_a_conference_bill_is_its_organiser_s_alone(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    await _tiers(world)
    organiser, other = await register_account(), await register_account()
    first = await _conference(world, organiser, new_uow, clock)
    second = await _conference(world, organiser, new_uow, clock)
    await _grow(world, organiser, second, 4)
    bill = await invoicing.conference_bill(first.id, viewer=organiser.id, uow=world.new_uow())
    assert (bill.size.conference_id, bill.size.participants, bill.invoices) == (first.id, 0, [])
    assert bill.paid == Money(0, "RUB")
    assert bill.covered is not None
    assert bill.covered.participants == 3  # the free tier
    grown = await invoicing.conference_bill(second.id, viewer=organiser.id, uow=world.new_uow())
    assert [i.conference_id for i in grown.invoices] == [second.id]
    assert grown.open_invoice is not None
    with pytest.raises(NotFound, match="conference not found"):
        await invoicing.conference_bill(first.id, viewer=other.id, uow=world.new_uow())
    assert await invoicing.review_conference(other.id, uow=world.new_uow(), clock=clock) is None


async def test_paying_a_voided_invoice_is_refused(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, _, invoice = await _invoiced(world, register_account, new_uow, clock)
    async with world.new_uow() as uow:
        stored = await uow.invoices.get(invoice.id)
        stored.void(clock.now())
        await uow.invoices.save(stored)
        await uow.commit()
    with pytest.raises(Conflict, match="there is nothing to pay"):
        await _pay(world, invoice, organiser)
