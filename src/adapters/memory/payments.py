"""In-memory payment repositories: payments, refunds, payouts, the ledger, webhook events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.payments.ledger import Balances, JournalEntry, balances
from core.payments.model import (
    OPEN,
    Payment,
    PaymentId,
    Payout,
    PayoutId,
    PayoutStatus,
    Refund,
    RefundId,
    RefundStatus,
)
from core.shared.errors import Conflict

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo


class MemoryPayments(_Repo):
    table = "payments"

    def _check(self, payment: Payment) -> None:
        if payment.refunded + payment.refund_pending > payment.captured:
            raise Conflict("refunds can never exceed what a payment captured")
        if payment.provider_ref is not None:
            twin = next(
                (
                    p
                    for p in self.tx.rows(self.table)
                    if (p.provider, p.provider_ref) == (payment.provider, payment.provider_ref)
                    and p.id != payment.id
                ),
                None,
            )
            if twin is not None:
                raise Conflict("another payment already has this provider reference")

    async def add(self, payment: Payment) -> None:
        self._check(payment)
        self.tx.put(self.table, payment.id, payment)
        self.tx.track(payment)

    async def get(self, payment_id: PaymentId) -> Payment:
        return self._get(payment_id, "payment")  # type: ignore[no-any-return]

    async def get_for_update(self, payment_id: PaymentId) -> Payment:
        return await self.get(payment_id)  # the store's lock already serialises writers

    async def find_by_provider_ref(self, provider: str, provider_ref: str) -> Payment | None:
        found = next(
            (
                p
                for p in self.tx.rows(self.table)
                if p.provider == provider and p.provider_ref == provider_ref
            ),
            None,
        )
        return self.tx.track(found)

    save = add  # the store keeps whole objects: saving one is putting it again

    async def due_to_expire(self, now: datetime, limit: int) -> list[PaymentId]:
        due = sorted(
            (p for p in self.tx.rows(self.table) if p.status in OPEN and p.expires_at <= now),
            key=lambda p: (p.expires_at, p.id),
        )
        return [p.id for p in due[:limit]]


class MemoryRefunds(_Repo):
    table = "refunds"

    async def add(self, refund: Refund) -> None:
        self.tx.put(self.table, refund.id, refund)

    async def get(self, refund_id: RefundId) -> Refund:
        return self._get(refund_id, "refund")  # type: ignore[no-any-return]

    async def find_by_provider_ref(self, provider_ref: str) -> Refund | None:
        return next((r for r in self.tx.rows(self.table) if r.provider_ref == provider_ref), None)

    async def for_payment(self, payment_id: PaymentId) -> list[Refund]:
        mine = [r for r in self.tx.rows(self.table) if r.payment_id == payment_id]
        return sorted(mine, key=lambda r: r.id)

    async def unsent(self, created_before: datetime, limit: int) -> list[Refund]:
        stuck = sorted(
            (
                r
                for r in self.tx.rows(self.table)
                if r.status is RefundStatus.PENDING
                and r.provider_ref is None
                and r.created_at < created_before
            ),
            key=lambda r: r.id,
        )
        return stuck[:limit]

    save = add


class MemoryPayouts(_Repo):
    table = "payouts"

    async def add(self, payout: Payout) -> None:
        self.tx.put(self.table, payout.id, payout)

    save = add

    async def get(self, payout_id: PayoutId) -> Payout:
        return self._get(payout_id, "payout")  # type: ignore[no-any-return]

    get_for_update = get

    async def unsent(self, created_before: datetime, limit: int) -> list[Payout]:
        stuck = sorted(
            (
                p
                for p in self.tx.rows(self.table)
                if p.status is PayoutStatus.PENDING and p.provider and p.created_at < created_before
            ),
            key=lambda p: (p.created_at, p.id),
        )
        return stuck[:limit]


class MemoryLedger(_Repo):
    table = "ledger"

    async def post(self, entry: JournalEntry) -> None:
        self.tx.put(self.table, entry.id, entry)

    async def balances(self) -> Balances:
        return balances(self.tx.rows(self.table))

    async def entries(self) -> list[JournalEntry]:
        """Every journal entry, oldest first (for tests that audit the books)."""
        return sorted(self.tx.rows(self.table), key=lambda e: e.id)


class MemoryProviderEvents(_Repo):
    table = "provider_events"

    async def claim(self, provider: str, event_id: str, received_at: datetime) -> bool:
        if self.tx.get(self.table, (provider, event_id)) is not None:
            return False
        self.tx.put(self.table, (provider, event_id), received_at)
        return True
