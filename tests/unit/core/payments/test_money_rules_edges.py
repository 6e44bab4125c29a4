"""Payments, payouts and journal entries at their edges: the smallest amount each accepts, the
ids they get, and the words and field each refusal shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from core.identity.model import AccountId
from core.payments import ledger
from core.payments.ledger import JournalEntry, LedgerAccount, Posting
from core.payments.model import Payment, PaymentStatus, Payout, Purpose
from core.shared.errors import Conflict, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money

AT = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LATER = AT + timedelta(minutes=15)
PAYER = AccountId(uuid7(AT))


def payment(amount: int = 10_000, expires_at: datetime = LATER) -> Payment:
    return Payment.create(
        PAYER, Money(amount, "RUB"), Purpose.BOOKING, uuid7(AT), "memory", "Gig", AT, expires_at,
    )  # fmt: skip


def refusal(call: Callable[..., object], *args: object, **kwargs: object) -> tuple[str, str | None]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value.detail, caught.value.field


def conflict(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(Conflict) as caught:
        call(*args)
    return caught.value.detail


def millis(value: UUID) -> int:
    return value.int >> 80


def test_a_payout_of_one_kopeck_is_fine_and_of_nothing_refused_on_the_amount_field() -> None:
    assert Payout.create(PAYER, Money(1, "RUB"), "r", AT).amount == Money(1, "RUB")
    assert refusal(Payout.create, PAYER, Money(0, "RUB"), "r", AT) == (
        "a payout sends a positive amount",
        "amount",
    )


def test_a_payout_gets_a_time_ordered_id_of_its_own_for_its_account() -> None:
    first = Payout.create(PAYER, Money(500, "RUB"), "r", AT)
    second = Payout.create(PAYER, Money(500, "RUB"), "r", LATER)
    assert isinstance(first.id, UUID)
    assert first.id.version == 7
    assert millis(first.id) == int(AT.timestamp() * 1000)
    assert first.id < second.id
    assert (first.account_id, first.created_at) == (PAYER, AT)


def test_payment_refusals_name_their_field() -> None:
    assert refusal(payment, 0) == ("a payment takes a positive amount", "amount")
    assert refusal(payment, 100, AT) == ("a payment must expire in the future", "expires_at")
    made = payment()
    assert refusal(made.succeed, AT, fee=Money(10, "EUR")) == ("this payment is in RUB", "currency")
    made.succeed(AT)
    assert refusal(made.request_refund, Money(10, "EUR"), "r", AT) == (
        "this payment is in RUB",
        "currency",
    )


def test_a_payment_expiring_a_microsecond_after_it_is_made_is_fine() -> None:
    assert payment(expires_at=AT + timedelta(microseconds=1)).expires_at > AT


def test_a_success_without_a_fee_records_a_fee_of_nothing() -> None:
    made = payment()
    made.succeed(AT)
    assert (made.fee, made.captured) == (0, 10_000)


def test_refund_refusals_say_why() -> None:
    made = payment()
    assert conflict(made.request_refund, None, "r", AT) == (
        "only a payment that succeeded can be refunded"
    )
    made.succeed(AT)
    made.request_refund(None, "all of it", LATER)
    assert made.updated_at == LATER
    assert conflict(made.request_refund, None, "r", LATER) == (
        "nothing is left to refund on this payment"
    )


def test_a_refund_of_another_payment_is_refused_in_words() -> None:
    mine, other = payment(), payment()
    other.succeed(AT)
    theirs = other.request_refund(None, "r", AT)
    assert refusal(mine.settle_refund, theirs, True, AT) == (
        "the refund belongs to another payment",
        None,
    )
    assert mine.status is PaymentStatus.CREATED


@pytest.mark.parametrize("kind", ["capture", "refund", "fee", "payout"])
def test_each_movement_of_nothing_says_which_movement_it_was(kind: str) -> None:
    build = getattr(ledger, kind)
    assert refusal(build, uuid7(AT), Money(0, "RUB"), AT) == (
        f"a {kind} moves a positive amount",
        None,
    )


def test_journal_entry_refusals_say_which_rule_was_broken() -> None:
    def entry(*postings: Posting) -> JournalEntry:
        return JournalEntry(uuid7(AT), ledger.EntryKind.FEE, uuid7(AT), AT, postings)

    cash = LedgerAccount.PROVIDER_CASH
    fees = LedgerAccount.PROVIDER_FEES
    assert refusal(entry, Posting(cash, Money(0, "RUB")))[0] == (
        "a journal entry needs at least two postings"
    )
    assert refusal(entry, Posting(cash, Money(5, "RUB")), Posting(fees, Money(-5, "EUR")))[0] == (
        "a journal entry is in one currency"
    )
    assert refusal(entry, Posting(cash, Money(5, "RUB")), Posting(fees, Money(-4, "RUB")))[0] == (
        "a journal entry must balance: debits equal credits"
    )


def test_a_trial_balance_adds_balances_up_per_currency() -> None:
    totals = {
        (LedgerAccount.PROVIDER_CASH, "RUB"): 700,
        (LedgerAccount.CUSTOMER_PAYMENTS, "RUB"): -500,
        (LedgerAccount.PROVIDER_FEES, "EUR"): 30,
    }
    assert ledger.trial_balance(totals) == {"RUB": 200, "EUR": 30}
