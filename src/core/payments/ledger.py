"""A double-entry ledger: every capture, refund, fee and payout is a balanced journal entry.

Postings are signed amounts (debit positive, credit negative) on named accounts; every entry
sums to zero in its currency, so the books balance at every moment by construction. The
accounts:

- `provider_cash` (asset): what the payment provider holds for the platform;
- `customer_payments` (liability, credit balance): money paid for orders and not refunded, so
  that `-balance(customer_payments) == captured - refunded == Σ paid orders`;
- `provider_fees` (expense): what the provider kept;
- `seller_payouts` (payable to resale sellers): credited with a seller's proceeds when a
  resale's escrow is released, debited when they are paid out;
- `platform_fees` (revenue): the platform's fee on resales, credited at release.

A resale's money stays in `customer_payments` while it is held in escrow (the platform owes
it to the buyer or the seller, not yet to anyone in particular); the release moves it to the
seller's payable and the fee revenue.
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
    PLATFORM_FEES = "platform_fees"


class EntryKind(enum.StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"
    FEE = "fee"
    PAYOUT = "payout"
    RELEASE = "release"


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


# Each kind of entry debits the first account and credits the second.
_MOVES: dict[EntryKind, tuple[LedgerAccount, LedgerAccount]] = {
    EntryKind.CAPTURE: (LedgerAccount.PROVIDER_CASH, LedgerAccount.CUSTOMER_PAYMENTS),
    EntryKind.REFUND: (LedgerAccount.CUSTOMER_PAYMENTS, LedgerAccount.PROVIDER_CASH),
    EntryKind.FEE: (LedgerAccount.PROVIDER_FEES, LedgerAccount.PROVIDER_CASH),
    EntryKind.PAYOUT: (LedgerAccount.SELLER_PAYOUTS, LedgerAccount.PROVIDER_CASH),
}


def _move(kind: EntryKind, source_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    if amount.amount <= 0:
        raise ValidationFailed(f"a {kind} moves a positive amount")
    debit, credit = _MOVES[kind]
    postings = (Posting(debit, amount), Posting(credit, -amount))
    return JournalEntry(uuid7(at), kind, source_id, at, postings)


def capture(payment_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """The provider took `amount` from a payer for an order."""
    return _move(EntryKind.CAPTURE, payment_id, amount, at)


def refund(refund_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """Money went back to a payer."""
    return _move(EntryKind.REFUND, refund_id, amount, at)


def fee(payment_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """The provider kept a fee out of a capture."""
    return _move(EntryKind.FEE, payment_id, amount, at)


def payout(payout_id: UUID, amount: Money, at: datetime) -> JournalEntry:
    """Money left the provider balance for a seller's account."""
    return _move(EntryKind.PAYOUT, payout_id, amount, at)


def release(listing_id: UUID, amount: Money, fee: Money, at: datetime) -> JournalEntry:
    """A resale's escrow is released: of `amount` held for the buyer, `fee` becomes platform
    revenue and the rest is owed to the seller (paid out by a `payout` entry)."""
    if amount.amount <= 0 or fee.amount < 0 or fee.amount > amount.amount:
        raise ValidationFailed("a release moves a positive amount and a fee within it")
    postings = [
        Posting(LedgerAccount.CUSTOMER_PAYMENTS, amount),
        Posting(LedgerAccount.SELLER_PAYOUTS, -(amount - fee)),
    ]
    if fee.amount:
        postings.append(Posting(LedgerAccount.PLATFORM_FEES, -fee))
    return JournalEntry(uuid7(at), EntryKind.RELEASE, listing_id, at, tuple(postings))


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
