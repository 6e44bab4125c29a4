"""The payment state machine: every transition, its refusals, and the events it records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.payments import events, ledger
from core.payments.ledger import LedgerAccount, Posting
from core.payments.model import (
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Purpose,
    RefundStatus,
)
from core.shared.errors import Conflict, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money

AT = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LATER = AT + timedelta(minutes=15)
PAYER = uuid7(AT)
ORDER = uuid7(AT)


def payment(amount: int = 10_000, **overrides: object) -> Payment:
    fields: dict[str, object] = {
        "payer_id": PAYER,
        "amount": Money(amount, "RUB"),
        "purpose": Purpose.BOOKING,
        "reference_id": ORDER,
        "provider": "memory",
        "description": "2 x Gig",
        "now": AT,
        "expires_at": LATER,
    }
    fields.update(overrides)
    return Payment.create(**fields)  # type: ignore[arg-type]


def paid(amount: int = 10_000) -> Payment:
    made = payment(amount)
    made.succeed(AT)
    made.pull_events()
    return made


def test_a_new_payment_is_created_unopened_with_a_key_derived_from_its_id() -> None:
    made = payment()
    assert made.status is PaymentStatus.CREATED
    assert (made.captured, made.refunded, made.refund_pending, made.fee) == (0, 0, 0, 0)
    assert made.idempotency_key == f"stagedoor-payment-{made.id}"
    assert (made.created_at, made.updated_at, made.expires_at) == (AT, AT, LATER)
    assert made.provider_ref is None
    assert made.redirect_url is None
    assert made.pull_events() == []


@pytest.mark.parametrize("amount", [0, -1])
def test_a_payment_takes_a_positive_amount(amount: int) -> None:
    with pytest.raises(ValidationFailed, match="positive amount") as caught:
        payment(amount)
    assert caught.value.field == "amount"


@pytest.mark.parametrize("expires_at", [AT, AT - timedelta(seconds=1)])
def test_a_payment_must_expire_after_it_is_made(expires_at: datetime) -> None:
    with pytest.raises(ValidationFailed, match="expire in the future"):
        payment(expires_at=expires_at)


def test_a_long_description_is_cut_to_200_characters() -> None:
    assert payment(description="x" * 250).description == "x" * 200


def test_opening_sets_the_page_and_moves_to_pending_once() -> None:
    made = payment()
    made.open("pi_1", "https://pay.example/pi_1", LATER)
    assert (made.status, made.provider_ref, made.redirect_url) == (
        PaymentStatus.PENDING,
        "pi_1",
        "https://pay.example/pi_1",
    )
    assert made.updated_at == LATER
    made.open("pi_1", "https://pay.example/pi_1", LATER)  # the same checkout again: fine
    with pytest.raises(Conflict, match="another checkout"):
        made.open("pi_2", "https://pay.example/pi_2", LATER)


def test_opening_a_succeeded_payment_keeps_it_succeeded() -> None:
    made = paid()
    made.open("pi_1", "https://pay.example/pi_1", LATER)
    assert made.status is PaymentStatus.SUCCEEDED


def test_success_captures_the_amount_once_and_says_so() -> None:
    made = payment()
    assert made.succeed(LATER, fee=Money(250, "RUB")) is True
    assert (made.status, made.captured, made.fee, made.succeeded_at) == (
        PaymentStatus.SUCCEEDED,
        10_000,
        250,
        LATER,
    )
    [said] = made.pull_events()
    assert isinstance(said, events.PaymentSucceeded)
    assert (said.payment_id, said.reference_id, said.payer_id) == (made.id, ORDER, PAYER)
    assert (said.amount, said.late, said.purpose) == (Money(10_000, "RUB"), False, "booking")
    assert made.succeed(LATER) is False
    assert made.pull_events() == []


@pytest.mark.parametrize("first", ["fail", "expire"])
def test_a_success_after_a_failure_or_expiry_counts_and_is_marked_late(first: str) -> None:
    made = payment()
    if first == "fail":
        assert made.fail("card_declined", AT)
    else:
        assert made.expire(LATER)
    made.pull_events()
    assert made.succeed(LATER) is True
    [said] = made.pull_events()
    assert isinstance(said, events.PaymentSucceeded)
    assert said.late is True


def test_a_fee_in_another_currency_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="RUB"):
        payment().succeed(AT, fee=Money(1, "EUR"))


def test_failure_applies_only_to_an_open_payment() -> None:
    made = payment()
    assert made.fail("insufficient_funds", LATER) is True
    assert (made.status, made.failure_reason, made.updated_at) == (
        PaymentStatus.FAILED,
        "insufficient_funds",
        LATER,
    )
    [said] = made.pull_events()
    assert isinstance(said, events.PaymentFailed)
    assert said.reason == "insufficient_funds"
    assert made.fail("again", LATER) is False
    assert paid().fail("late news", LATER) is False


def test_expiry_needs_its_time_and_an_open_payment() -> None:
    made = payment()
    assert made.expire(LATER - timedelta(microseconds=1)) is False
    assert made.status is PaymentStatus.CREATED
    assert made.expire(LATER) is True
    assert made.status is PaymentStatus.EXPIRED
    assert isinstance(made.pull_events()[0], events.PaymentExpired)
    assert made.expire(LATER) is False
    assert paid().expire(LATER) is False


def test_only_a_captured_payment_can_be_refunded() -> None:
    with pytest.raises(Conflict, match="only a payment that succeeded"):
        payment().request_refund(None, "why", AT)


def test_a_refund_without_an_amount_takes_all_that_is_left() -> None:
    made = paid()
    refund = made.request_refund(None, "r" * 250, LATER)
    assert refund.amount == Money(10_000, "RUB")
    assert refund.reason == "r" * 200
    assert refund.status is RefundStatus.PENDING
    assert refund.idempotency_key == f"stagedoor-refund-{refund.id}"
    assert (made.refund_pending, made.refundable) == (10_000, Money(0, "RUB"))
    with pytest.raises(Conflict, match="nothing is left"):
        made.request_refund(None, "again", LATER)


def test_a_refund_can_take_exactly_what_is_left_and_not_a_kopeck_more() -> None:
    made = paid()
    made.request_refund(Money(4_000, "RUB"), "part", LATER, key="k1")
    with pytest.raises(Conflict, match=r"at most 60\.00 RUB"):
        made.request_refund(Money(6_001, "RUB"), "too much", LATER)
    last = made.request_refund(Money(6_000, "RUB"), "rest", LATER, key="k2")
    assert last.idempotency_key == "k2"
    assert made.refund_pending == 10_000


def test_a_refund_of_nothing_or_in_another_currency_is_refused() -> None:
    made = paid()
    with pytest.raises(Conflict, match="nothing is left"):
        made.request_refund(Money(0, "RUB"), "zero", LATER)
    with pytest.raises(ValidationFailed, match="RUB"):
        made.request_refund(Money(100, "EUR"), "euros", LATER)


def test_settling_refunds_moves_to_partly_then_fully_refunded() -> None:
    made = paid()
    first = made.request_refund(Money(3_000, "RUB"), "part", LATER)
    second = made.request_refund(Money(7_000, "RUB"), "rest", LATER)

    assert made.settle_refund(first, True, LATER) is True
    assert (made.status, made.refunded, made.refund_pending) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        3_000,
        7_000,
    )
    [said] = made.pull_events()
    assert isinstance(said, events.RefundSucceeded)
    assert (said.refund_id, said.amount, said.fully_refunded, said.reason) == (
        first.id,
        Money(3_000, "RUB"),
        False,
        "part",
    )
    assert made.settle_refund(first, True, LATER) is False  # already settled

    assert made.settle_refund(second, True, LATER) is True
    assert (made.status, made.refunded, made.refund_pending) == (PaymentStatus.REFUNDED, 10_000, 0)
    assert made.pull_events()[0].fully_refunded is True  # type: ignore[attr-defined]
    assert (second.status, second.settled_at) == (RefundStatus.SUCCEEDED, LATER)


def test_a_failed_refund_frees_its_amount_and_records_nothing() -> None:
    made = paid()
    refund = made.request_refund(Money(2_000, "RUB"), "try", LATER)
    assert made.settle_refund(refund, False, LATER) is True
    assert refund.status is RefundStatus.FAILED
    assert (made.status, made.refunded, made.refund_pending) == (PaymentStatus.SUCCEEDED, 0, 0)
    assert made.refundable == Money(10_000, "RUB")
    assert made.pull_events() == []


def test_a_refund_of_another_payment_is_refused() -> None:
    made, other = paid(), paid()
    refund = other.request_refund(None, "theirs", LATER)
    with pytest.raises(ValidationFailed, match="another payment"):
        made.settle_refund(refund, True, LATER)


def test_a_payout_sends_a_positive_amount_once() -> None:
    with pytest.raises(ValidationFailed, match="positive amount"):
        Payout.create(PAYER, Money(0, "RUB"), "nothing", AT)  # type: ignore[arg-type]
    payout = Payout.create(PAYER, Money(500, "RUB"), "p" * 250, AT)  # type: ignore[arg-type]
    assert payout.idempotency_key == f"stagedoor-payout-{payout.id}"
    assert (payout.status, payout.reason) == (PayoutStatus.PENDING, "p" * 200)
    assert payout.mark_paid("po_1", LATER) is True
    assert (payout.status, payout.provider_ref, payout.settled_at) == (
        PayoutStatus.PAID,
        "po_1",
        LATER,
    )
    assert payout.mark_paid("po_2", LATER) is False
    assert payout.provider_ref == "po_1"


@pytest.mark.parametrize(
    ("build", "debit", "credit", "kind"),
    [
        (ledger.capture, LedgerAccount.PROVIDER_CASH, LedgerAccount.CUSTOMER_PAYMENTS, "capture"),
        (ledger.refund, LedgerAccount.CUSTOMER_PAYMENTS, LedgerAccount.PROVIDER_CASH, "refund"),
        (ledger.fee, LedgerAccount.PROVIDER_FEES, LedgerAccount.PROVIDER_CASH, "fee"),
        (ledger.payout, LedgerAccount.SELLER_PAYOUTS, LedgerAccount.PROVIDER_CASH, "payout"),
    ],
)
def test_each_movement_debits_and_credits_its_accounts(
    build: object, debit: LedgerAccount, credit: LedgerAccount, kind: str
) -> None:
    source = uuid7(AT)
    entry = build(source, Money(700, "RUB"), AT)  # type: ignore[operator]
    assert entry.postings == (
        Posting(debit, Money(700, "RUB")),
        Posting(credit, Money(-700, "RUB")),
    )
    assert (entry.kind.value, entry.source_id, entry.at, entry.currency) == (
        kind,
        source,
        AT,
        "RUB",
    )
