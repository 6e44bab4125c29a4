"""The sandbox provider's books on SQL (see adapters.payments.sandbox)."""

from __future__ import annotations

from datetime import datetime

from adapters.db.repository import SqlRepository, placeholders
from adapters.db.session import Row, skip_locked
from adapters.payments.sandbox import SandboxIntent, SandboxRefund, SandboxWebhook
from core.shared.money import Money

_INTENT = (
    "id, idempotency_key, payment_id, amount, currency, description, return_url, cancel_url,"
    " status, decline_reason, expires_at, created_at, updated_at, save_card, saved_card, mandate"
)
_WEBHOOK = "id, payload, attempts, next_attempt_at, delivered_at, last_error, created_at"


def _intent(row: Row) -> SandboxIntent:
    return SandboxIntent(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        payment_id=row["payment_id"],
        amount=Money(row["amount"], row["currency"]),
        description=row["description"],
        return_url=row["return_url"],
        cancel_url=row["cancel_url"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=row["status"],
        decline_reason=row["decline_reason"],
        save_card=bool(row["save_card"]),
        saved_card=row["saved_card"],
        mandate=row["mandate"],
    )


def _webhook(row: Row) -> SandboxWebhook:
    return SandboxWebhook(
        id=row["id"],
        payload=row["payload"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        attempts=row["attempts"],
        delivered_at=row["delivered_at"],
        last_error=row["last_error"],
    )


class SqlSandbox(SqlRepository):
    async def _intent_where(self, column: str, value: str) -> SandboxIntent | None:
        row = await self.db.fetchrow(
            f"SELECT {_INTENT} FROM sandbox_intents WHERE {column} = $1{self.for_update}", value
        )
        return None if row is None else _intent(row)

    async def intent(self, intent_id: str) -> SandboxIntent | None:
        return await self._intent_where("id", intent_id)

    async def intent_by_key(self, key: str) -> SandboxIntent | None:
        return await self._intent_where("idempotency_key", key)

    async def add_intent(self, intent: SandboxIntent) -> None:
        i = intent
        await self.db.execute(
            f"INSERT INTO sandbox_intents ({_INTENT}) VALUES ({placeholders(1, 16)})",
            i.id,
            i.idempotency_key,
            i.payment_id,
            i.amount.amount,
            i.amount.currency,
            i.description,
            i.return_url,
            i.cancel_url,
            i.status,
            i.decline_reason,
            i.expires_at,
            i.created_at,
            i.updated_at,
            i.save_card,
            i.saved_card,
            i.mandate,
        )

    async def save_intent(self, intent: SandboxIntent) -> None:
        await self.db.execute(
            "UPDATE sandbox_intents SET status = $2, decline_reason = $3, updated_at = $4,"
            " saved_card = $5 WHERE id = $1",
            intent.id,
            intent.status,
            intent.decline_reason,
            intent.updated_at,
            intent.saved_card,
        )

    async def refund_by_key(self, key: str) -> str | None:
        ref = await self.db.fetchval(
            "SELECT id FROM sandbox_refunds WHERE idempotency_key = $1", key
        )
        return None if ref is None else str(ref)

    async def add_refund(self, refund: SandboxRefund) -> None:
        await self.db.execute(
            "INSERT INTO sandbox_refunds (id, idempotency_key, intent_id, refund_id, amount,"
            " currency, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            refund.id,
            refund.idempotency_key,
            refund.intent_id,
            refund.refund_id,
            refund.amount.amount,
            refund.amount.currency,
            refund.created_at,
        )

    async def enqueue(self, webhook: SandboxWebhook) -> None:
        w = webhook
        await self.db.execute(
            f"INSERT INTO sandbox_webhooks ({_WEBHOOK}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            w.id,
            w.payload,
            w.attempts,
            w.next_attempt_at,
            w.delivered_at,
            w.last_error,
            w.created_at,
        )

    async def lease_due(self, now: datetime, until: datetime, limit: int) -> list[SandboxWebhook]:
        skip = skip_locked(self.db.dialect)
        rows = await self.db.fetch(
            f"SELECT {_WEBHOOK} FROM sandbox_webhooks"
            " WHERE delivered_at IS NULL AND next_attempt_at <= $1"
            f" ORDER BY created_at, id LIMIT $2{skip}",
            now,
            limit,
        )
        due = [_webhook(row) for row in rows]
        if due:
            await self.db.execute(
                "UPDATE sandbox_webhooks SET next_attempt_at = $1"
                f" WHERE id IN ({placeholders(2, len(due))})",
                until,
                *(webhook.id for webhook in due),
            )
        return due

    async def settle(self, webhook: SandboxWebhook) -> None:
        w = webhook
        await self.db.execute(
            "UPDATE sandbox_webhooks SET attempts = $2, next_attempt_at = $3,"
            " delivered_at = $4, last_error = $5 WHERE id = $1",
            w.id,
            w.attempts,
            w.next_attempt_at,
            w.delivered_at,
            w.last_error,
        )
