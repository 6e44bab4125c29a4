"""A double-entry ledger: every capture, refund, fee and payout is a balanced journal entry.

Postings are signed amounts (debit positive, credit negative) on named accounts; every entry
sums to zero in its currency, so the books balance at every moment by construction. The
accounts:

- `provider_cash` (asset): what the payment provider holds for the platform;
- `customer_payments` (liability, credit balance): money paid for orders and not refunded, so
  that `-balance(customer_payments) == captured - refunded == Σ paid orders`;
- `provider_fees` (expense): what the provider kept;
- `seller_payouts` (payable to resale sellers, debit when paid out).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

import attrs

from core.shared.errors import ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money


class LedgerAccount(enum.StrEnum):
    PROVIDER_CASH = "provider_cash"
    CUSTOMER_PAYMENTS = "customer_payments"
    PROVIDER_FEES = "provider_fees"
    SELLER_PAYOUTS = "seller_payouts"


class EntryKind(enum.StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"
    FEE = "fee"
    PAYOUT = "payout"


@attrs.frozen
class Posting:
    account: LedgerAccount
    amount: Money  # debit > 0, credit < 0


def _balanced(entry: JournalEntry, _: object, postings: tuple[Posting, ...]) -> None:
    if len(postings) < 2:
        raise ValidationFailed("a journal entry needs at least two postings")
    currencies = {p.amount.currency for p in postings}
    if len(currencies) != 1:
        raise ValidationFailed("a journal entry is in one currency")
    if sum(p.amount.amount for p in postings) != 0:
        raise ValidationFailed("a journal entry must balance: debits equal credits")


@attrs.frozen
class JournalEntry:
    """One balanced movement of money; `source_id` is the payment, refund or payout."""

    id: UUID
    kind: EntryKind
    source_id: UUID
    at: datetime
    postings: tuple[Posting, ...] = attrs.field(validator=_balanced)

    @property
    def currency(self) -> str:
        return self.postings[0].amount.currency


def _entry(kind: EntryKind, source_id: UUID, at: datetime, *moves: Posting) -> JournalEntry:
    return JournalEntry(uuid7(at), kind, source_id, at, tuple(moves))


def _positive(amount: Money, what: str) -> Money:
    if amount.amount <= 0:
        raise ValidationFailed(f"a {what} moves a positive amount")
    return amount


def capture(payment_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """The provider took `amount` from a payer for an order."""
    amount = _positive(amount, "capture")
    return _entry(
        EntryKind.CAPTURE,
        payment_id,
        at,
        Posting(LedgerAccount.PROVIDER_CASH, amount),
        Posting(LedgerAccount.CUSTOMER_PAYMENTS, -amount),
    )


def refund(refund_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """Money went back to a payer."""
    amount = _positive(amount, "refund")
    return _entry(
        EntryKind.REFUND,
        refund_id,
        at,
        Posting(LedgerAccount.CUSTOMER_PAYMENTS, amount),
        Posting(LedgerAccount.PROVIDER_CASH, -amount),
    )


def fee(payment_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """The provider kept a fee out of a capture."""
    amount = _positive(amount, "fee")
    return _entry(
        EntryKind.FEE,
        payment_id,
        at,
        Posting(LedgerAccount.PROVIDER_FEES, amount),
        Posting(LedgerAccount.PROVIDER_CASH, -amount),
    )


def payout(payout_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """Money left the provider balance for a seller's account."""
    amount = _positive(amount, "payout")
    return _entry(
        EntryKind.PAYOUT,
        payout_id,
        at,
        Posting(LedgerAccount.SELLER_PAYOUTS, amount),
        Posting(LedgerAccount.PROVIDER_CASH, -amount),
    )


Balances = Mapping[tuple[LedgerAccount, str], int]


def balances(entries: Iterable[JournalEntry]) -> dict[tuple[LedgerAccount, str], int]:
    """Every account's balance per currency, in minor units (debit positive)."""
    totals: dict[tuple[LedgerAccount, str], int] = defaultdict(int)
    for entry in entries:
        for posting in entry.postings:
            totals[(posting.account, posting.amount.currency)] += posting.amount.amount
    return dict(totals)


def trial_balance(totals: Balances) -> dict[str, int]:
    """The sum of all balances per currency: zero when the books balance."""
    sums: dict[str, int] = defaultdict(int)
    for (_, currency), amount in totals.items():
        sums[currency] += amount
    return dict(sums)
