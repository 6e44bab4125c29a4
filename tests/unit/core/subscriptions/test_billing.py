"""Organiser billing: a conference that grows past its tier gets an invoice for the
difference, never a block; paying it credits the conference."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from tests.unit.core.subscriptions.support import TERMS, World
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.distribution import participants, services
from core.distribution.model import Conference, ParticipantId, Person
from core.identity.model import Account
from core.payments.ledger import LedgerAccount
from core.payments.model import Payment, Purpose
from core.payments.ports import ProviderEventType
from core.payments.services import expire_payments
from core.shared.errors import Conflict, NotFound
from core.shared.money import Money
from core.subscriptions import invoicing
from core.subscriptions.billing import Invoice, InvoiceStatus
from core.subscriptions.plans import PlanKind

_people = count(1)


async def _tiers(world: World) -> None:
    await world.plan(PlanKind.CONFERENCE, price=Money(0, "RUB"), participants=3)
    await world.plan(PlanKind.CONFERENCE, price=Money(100_000, "RUB"), participants=5)
    await world.plan(PlanKind.CONFERENCE, price=Money(500_000, "RUB"), participants=None)


async def _conference(
    world: World, organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> Conference:
    starts = clock.current + timedelta(days=7)
    return await services.create_conference(
        services.NewConference(organiser.id, "PyCon", "Expo", starts, starts + timedelta(hours=2)),
        uow=new_uow(),
        clock=clock,
    )


async def _grow(
    world: World, organiser: Account, conference: Conference, people: int
) -> list[ParticipantId]:
    added = []
    for n in range(people):
        person = Person(f"Surname{n}", "Name", email=f"p{next(_people)}@example.org")
        made = await participants.add_participant(
            conference.id, person, None, actor=organiser.id, uow=world.new_uow(), clock=world.clock
        )
        added.append(made.id)
    await world.relay.drain()
    return added


async def _open_invoice(world: World, organiser: Account) -> Invoice | None:
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    return bill.open_invoice


async def _invoiced(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> tuple[Account, Conference, Invoice]:
    """Tiers on offer and an organiser's conference of four: one past the free tier, so it
    has an open invoice."""
    await _tiers(world)
    organiser = await register_account()
    conference = await _conference(world, organiser, new_uow, clock)
    await _grow(world, organiser, conference, 4)
    invoice = await _open_invoice(world, organiser)
    assert invoice is not None
    return organiser, conference, invoice


async def _pay(world: World, invoice: Invoice, organiser: Account) -> Payment:
    payment = await invoicing.pay_invoice(
        invoice.id, actor=organiser.id, uow=world.new_uow(), clock=world.clock, terms=TERMS
    )
    return await world.checkout(payment, save=False)


async def test_a_conference_within_its_free_tier_owes_nothing(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    await _tiers(world)
    organiser = await register_account()
    conference = await _conference(world, organiser, new_uow, clock)
    await _grow(world, organiser, conference, 3)
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert bill.size.participants == 3
    assert bill.needed is not None
    assert bill.needed.price == Money(0, "RUB")
    assert bill.open_invoice is None
    assert bill.invoices == []


async def test_growing_past_the_tier_issues_one_invoice_that_follows_the_list(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    await _tiers(world)
    organiser = await register_account()
    conference = await _conference(world, organiser, new_uow, clock)
    await _grow(world, organiser, conference, 4)

    invoice = await _open_invoice(world, organiser)
    assert invoice is not None
    assert (invoice.amount, invoice.participants) == (Money(100_000, "RUB"), 4)
    [told] = world.sent("Invoice for PyCon")
    assert "4 participants" in told.body

    await _grow(world, organiser, conference, 2)  # six people: the unlimited tier
    raised = await _open_invoice(world, organiser)
    assert raised is not None
    assert raised.id == invoice.id
    assert (raised.amount, raised.participants) == (Money(500_000, "RUB"), 6)
    assert len(world.sent("Invoice for PyCon")) == 2
    # the list still works: the organiser can keep adding people
    await _grow(world, organiser, conference, 1)


async def test_paying_credits_the_conference_and_a_later_growth_asks_only_the_rest(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, conference, invoice = await _invoiced(world, register_account, new_uow, clock)
    payment = await _pay(world, invoice, organiser)
    assert payment.purpose is Purpose.BILLING
    assert (await _pay(world, invoice, organiser)).id == payment.id  # the same page again
    await world.news(payment)

    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert bill.paid == Money(100_000, "RUB")
    assert bill.open_invoice is None
    assert bill.covered is not None
    assert bill.covered.participants == 5
    assert bill.invoices[0].status is InvoiceStatus.PAID
    assert world.sent("Receipt: 1000.00 RUB for PyCon")

    await _grow(world, organiser, conference, 2)
    rest = await _open_invoice(world, organiser)
    assert rest is not None
    assert rest.amount == Money(400_000, "RUB")
    assert (await world.balances())[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -100_000


async def test_an_invoice_being_paid_waits_and_catches_up_after(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, conference, invoice = await _invoiced(world, register_account, new_uow, clock)
    payment = await _pay(world, invoice, organiser)
    await _grow(world, organiser, conference, 2)  # grows while the organiser is on the page
    unchanged = await _open_invoice(world, organiser)
    assert unchanged is not None
    assert unchanged.amount == Money(100_000, "RUB")

    await world.news(payment)  # paid the old amount: credited, and the rest is asked for

    rest = await _open_invoice(world, organiser)
    assert rest is not None
    assert rest.id != invoice.id
    assert rest.amount == Money(400_000, "RUB")


async def test_an_expired_payment_lets_the_invoice_follow_again(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    await _tiers(world)
    organiser = await register_account()
    conference = await _conference(world, organiser, new_uow, clock)
    people = await _grow(world, organiser, conference, 4)
    invoice = await _open_invoice(world, organiser)
    assert invoice is not None
    payment = await _pay(world, invoice, organiser)
    for participant_id in people[:2]:
        await participants.remove_participant(
            conference.id, participant_id, actor=organiser.id, uow=world.new_uow(), clock=clock
        )
    await world.relay.drain()
    assert await _open_invoice(world, organiser) is not None  # being paid: left alone

    world.move_to(payment.expires_at + timedelta(seconds=1))
    await expire_payments(uow=world.new_uow(), clock=world.clock)
    await world.relay.drain()

    assert await _open_invoice(world, organiser) is None  # two people: within the free tier
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert bill.invoices[0].status is InvoiceStatus.VOID
    await world.news(payment)  # paid on the page after all: not owed, so refunded
    assert (await world.payment(payment.id)).refund_pending == 100_000


async def test_only_the_organiser_pays_and_only_what_is_open(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, conference, invoice = await _invoiced(world, register_account, new_uow, clock)
    stranger = await register_account()
    with pytest.raises(NotFound):
        await _pay(world, invoice, stranger)
    with pytest.raises(NotFound):
        await invoicing.conference_bill(conference.id, viewer=stranger.id, uow=world.new_uow())
    payment = await _pay(world, invoice, organiser)
    await world.news(payment)
    with pytest.raises(Conflict, match="nothing to pay"):
        await _pay(world, invoice, organiser)


async def test_without_tiers_on_offer_billing_is_off(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser = await register_account()
    conference = await _conference(world, organiser, new_uow, clock)
    await _grow(world, organiser, conference, 5)
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert (bill.needed, bill.open_invoice) == (None, None)
    assert (
        await invoicing.review_conference(conference.id, uow=world.new_uow(), clock=clock) is None
    )
    assert world.sent("Invoice") == []


async def test_a_declined_invoice_payment_keeps_the_invoice_open(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, _, invoice = await _invoiced(world, register_account, new_uow, clock)
    payment = await _pay(world, invoice, organiser)
    await world.news(payment, ProviderEventType.PAYMENT_FAILED, reason="card_declined")
    still = await _open_invoice(world, organiser)
    assert still is not None
    assert still.id == invoice.id
    retry = await _pay(world, still, organiser)
    assert retry.id != payment.id
