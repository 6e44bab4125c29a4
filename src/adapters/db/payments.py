"""Payment repositories on SQL: payments, refunds, payouts, the ledger, webhook events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.db.repository import SqlRepository, insert_rows, placeholders
from adapters.db.session import Row
from core.identity.model import AccountId
from core.payments.ledger import Balances, EntryKind, JournalEntry, LedgerAccount
from core.payments.model import (
    Payment,
    PaymentId,
    PaymentStatus,
    Payout,
    PayoutId,
    PayoutStatus,
    Purpose,
    Refund,
    RefundId,
    RefundStatus,
)
from core.shared.errors import NotFound
from core.shared.ids import uuid7
from core.shared.money import Money

_PAYMENT = (
    "id, payer_id, amount, currency, purpose, reference_id, provider, provider_ref,"
    " redirect_url, description, status, captured, refunded, refund_pending, fee,"
    " failure_reason, created_at, updated_at, expires_at, succeeded_at"
)


def _payment(row: Row) -> Payment:
    return Payment(
        id=PaymentId(row["id"]),
        payer_id=AccountId(row["payer_id"]),
        amount=Money(row["amount"], row["currency"]),
        purpose=Purpose(row["purpose"]),
        reference_id=row["reference_id"],
        provider=row["provider"],
        description=row["description"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        updated_at=row["updated_at"],
        status=PaymentStatus(row["status"]),
        provider_ref=row["provider_ref"],
        redirect_url=row["redirect_url"],
        captured=row["captured"],
        refunded=row["refunded"],
        refund_pending=row["refund_pending"],
        fee=row["fee"],
        failure_reason=row["failure_reason"],
        succeeded_at=row["succeeded_at"],
    )


class SqlPayments(SqlRepository):
    async def add(self, payment: Payment) -> None:
        p = payment
        await self.db.defer(
            f"INSERT INTO payments ({_PAYMENT}) VALUES ({placeholders(1, 20)})",
            p.id,
            p.payer_id,
            p.amount.amount,
            p.amount.currency,
            p.purpose,
            p.reference_id,
            p.provider,
            p.provider_ref,
            p.redirect_url,
            p.description,
            p.status,
            p.captured,
            p.refunded,
            p.refund_pending,
            p.fee,
            p.failure_reason,
            p.created_at,
            p.updated_at,
            p.expires_at,
            p.succeeded_at,
        )
        self.track(payment)

    async def _one(self, payment_id: PaymentId, lock: str) -> Payment:
        row = await self.db.fetchrow(
            f"SELECT {_PAYMENT} FROM payments WHERE id = $1{lock}", payment_id
        )
        if row is None:
            raise NotFound("payment not found")
        return self.track(_payment(row))

    async def get(self, payment_id: PaymentId) -> Payment:
        return await self._one(payment_id, "")

    async def get_for_update(self, payment_id: PaymentId) -> Payment:
        return await self._one(payment_id, self.for_update)

    async def find_by_provider_ref(self, provider: str, provider_ref: str) -> Payment | None:
        row = await self.db.fetchrow(
            f"SELECT {_PAYMENT} FROM payments WHERE provider = $1 AND provider_ref = $2"
            f"{self.for_update}",
            provider,
            provider_ref,
        )
        return None if row is None else self.track(_payment(row))

    async def save(self, payment: Payment) -> None:
        p = payment
        await self.db.execute(
            "UPDATE payments SET provider_ref = $2, redirect_url = $3, status = $4,"
            " captured = $5, refunded = $6, refund_pending = $7, fee = $8,"
            " failure_reason = $9, updated_at = $10, succeeded_at = $11 WHERE id = $1",
            p.id,
            p.provider_ref,
            p.redirect_url,
            p.status,
            p.captured,
            p.refunded,
            p.refund_pending,
            p.fee,
            p.failure_reason,
            p.updated_at,
            p.succeeded_at,
        )
        self.track(payment)

    async def due_to_expire(self, now: datetime, limit: int) -> list[PaymentId]:
        rows = await self.db.fetch(
            "SELECT id FROM payments WHERE status IN ('created', 'pending') AND expires_at <= $1"
            " ORDER BY expires_at, id LIMIT $2",
            now,
            limit,
        )
        return [PaymentId(row["id"]) for row in rows]


def _money_out(owner: str) -> str:
    """The columns of a refund or a payout, which differ only in whom the money is for."""
    return (
        f"id, {owner}, amount, currency, reason, idempotency_key, status, provider_ref,"
        " created_at, settled_at"
    )


_REFUND = _money_out("payment_id")
_PAYOUT = _money_out("account_id")


def _refund(row: Row) -> Refund:
    return Refund(
        id=RefundId(row["id"]),
        payment_id=PaymentId(row["payment_id"]),
        amount=Money(row["amount"], row["currency"]),
        reason=row["reason"],
        created_at=row["created_at"],
        idempotency_key=row["idempotency_key"],
        status=RefundStatus(row["status"]),
        provider_ref=row["provider_ref"],
        settled_at=row["settled_at"],
    )


class _SqlMoneyOut(SqlRepository):
    """Refunds and payouts: stored alike, and settled by status, provider ref and instant."""

    table = ""
    columns = ""

    async def _insert(self, item: Refund | Payout, owner_id: UUID, *more: tuple[str, Any]) -> None:
        names = "".join(f", {name}" for name, _ in more)
        await self.db.execute(
            f"INSERT INTO {self.table} ({self.columns}{names})"
            f" VALUES ({placeholders(1, 10 + len(more))})",
            item.id,
            owner_id,
            item.amount.amount,
            item.amount.currency,
            item.reason,
            item.idempotency_key,
            item.status,
            item.provider_ref,
            item.created_at,
            item.settled_at,
            *(value for _, value in more),
        )

    async def save(self, item: Refund | Payout) -> None:
        await self.db.execute(
            f"UPDATE {self.table} SET status = $2, provider_ref = $3, settled_at = $4"
            " WHERE id = $1",
            item.id,
            item.status,
            item.provider_ref,
            item.settled_at,
        )


class SqlRefunds(_SqlMoneyOut):
    table, columns = "refunds", _REFUND

    async def add(self, refund: Refund) -> None:
        await self._insert(refund, refund.payment_id)

    async def get(self, refund_id: RefundId) -> Refund:
        row = await self.db.fetchrow(f"SELECT {_REFUND} FROM refunds WHERE id = $1", refund_id)
        if row is None:
            raise NotFound("refund not found")
        return _refund(row)

    async def find_by_provider_ref(self, provider_ref: str) -> Refund | None:
        row = await self.db.fetchrow(
            f"SELECT {_REFUND} FROM refunds WHERE provider_ref = $1", provider_ref
        )
        return None if row is None else _refund(row)

    async def for_payment(self, payment_id: PaymentId) -> list[Refund]:
        rows = await self.db.fetch(
            f"SELECT {_REFUND} FROM refunds WHERE payment_id = $1 ORDER BY id", payment_id
        )
        return [_refund(row) for row in rows]

    async def unsent(self, created_before: datetime, limit: int) -> list[Refund]:
        rows = await self.db.fetch(
            f"SELECT {_REFUND} FROM refunds WHERE status = 'pending' AND provider_ref IS NULL"
            " AND created_at < $1 ORDER BY created_at, id LIMIT $2",
            created_before,
            limit,
        )
        return [_refund(row) for row in rows]


class SqlPayouts(_SqlMoneyOut):
    table, columns = "payouts", _PAYOUT

    async def add(self, payout: Payout) -> None:
        await self._insert(payout, payout.account_id, ("provider", payout.provider))

    async def _one(self, payout_id: PayoutId, lock: str) -> Payout:
        row = await self.db.fetchrow(
            f"SELECT {_PAYOUT}, provider FROM payouts WHERE id = $1{lock}", payout_id
        )
        if row is None:
            raise NotFound("payout not found")
        return _payout(row)

    async def get(self, payout_id: PayoutId) -> Payout:
        return await self._one(payout_id, "")

    async def get_for_update(self, payout_id: PayoutId) -> Payout:
        return await self._one(payout_id, self.for_update)

    async def unsent(self, created_before: datetime, limit: int) -> list[Payout]:
        rows = await self.db.fetch(
            f"SELECT {_PAYOUT}, provider FROM payouts WHERE status = 'pending'"
            " AND provider <> '' AND created_at < $1 ORDER BY created_at, id LIMIT $2",
            created_before,
            limit,
        )
        return [_payout(row) for row in rows]


def _payout(row: Row) -> Payout:
    return Payout(
        id=PayoutId(row["id"]),
        account_id=AccountId(row["account_id"]),
        amount=Money(row["amount"], row["currency"]),
        reason=row["reason"],
        created_at=row["created_at"],
        idempotency_key=row["idempotency_key"],
        status=PayoutStatus(row["status"]),
        provider_ref=row["provider_ref"],
        settled_at=row["settled_at"],
        provider=row["provider"],
    )


class SqlLedger(SqlRepository):
    async def post(self, entry: JournalEntry) -> None:
        await insert_rows(
            self.db,
            "INSERT INTO ledger_postings (id, entry_id, kind, source_id, account, amount,"
            " currency, at)",
            [
                (
                    uuid7(entry.at),
                    entry.id,
                    entry.kind,
                    entry.source_id,
                    posting.account,
                    posting.amount.amount,
                    posting.amount.currency,
                    entry.at,
                )
                for posting in entry.postings
            ],
        )

    async def balances(self) -> Balances:
        rows = await self.db.fetch(
            "SELECT account, currency, SUM(amount) AS balance FROM ledger_postings"
            " GROUP BY account, currency"
        )
        return {(LedgerAccount(r["account"]), r["currency"]): int(r["balance"]) for r in rows}

    async def kinds(self) -> dict[EntryKind, int]:
        """How many journal entries of each kind were posted (for audits and tests)."""
        rows = await self.db.fetch(
            "SELECT kind, COUNT(DISTINCT entry_id) AS entries FROM ledger_postings GROUP BY kind"
        )
        return {EntryKind(r["kind"]): int(r["entries"]) for r in rows}


class SqlProviderEvents(SqlRepository):
    async def claim(self, provider: str, event_id: str, received_at: datetime) -> bool:
        """On PostgreSQL a concurrent twin's INSERT waits for the first to end, then skips."""
        stored = await self.db.fetchval(
            "INSERT INTO provider_events (id, provider, event_id, received_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (provider, event_id) DO NOTHING RETURNING id",
            uuid7(received_at),
            provider,
            event_id,
            received_at,
        )
        return stored is not None
