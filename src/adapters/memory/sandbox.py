"""The sandbox provider's books in memory (see adapters.payments.sandbox)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from adapters.payments.sandbox import SandboxIntent, SandboxRefund, SandboxWebhook

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo


class MemorySandbox(_Repo):
    table = "sandbox_intents"

    async def intent(self, intent_id: str) -> SandboxIntent | None:
        return self.tx.get(self.table, intent_id)  # type: ignore[no-any-return]

    async def intent_by_key(self, key: str) -> SandboxIntent | None:
        return next((i for i in self.tx.rows(self.table) if i.idempotency_key == key), None)

    async def add_intent(self, intent: SandboxIntent) -> None:
        self.tx.put(self.table, intent.id, intent)

    async def save_intent(self, intent: SandboxIntent) -> None:
        self.tx.put(self.table, intent.id, intent)

    async def refund_by_key(self, key: str) -> str | None:
        return self.tx.get("sandbox_refunds", key)  # type: ignore[no-any-return]

    async def add_refund(self, refund: SandboxRefund) -> None:
        self.tx.put("sandbox_refunds", refund.idempotency_key, refund.id)

    async def enqueue(self, webhook: SandboxWebhook) -> None:
        self.tx.put("sandbox_webhooks", webhook.id, webhook)

    async def lease_due(self, now: datetime, until: datetime, limit: int) -> list[SandboxWebhook]:
        due = sorted(
            (
                w
                for w in self.tx.rows("sandbox_webhooks")
                if w.delivered_at is None and w.next_attempt_at <= now
            ),
            key=lambda w: (w.created_at, w.id),
        )[:limit]
        for webhook in due:
            self.tx.put(
                "sandbox_webhooks", webhook.id, attrs.evolve(webhook, next_attempt_at=until)
            )
        return due

    async def settle(self, webhook: SandboxWebhook) -> None:
        self.tx.put("sandbox_webhooks", webhook.id, webhook)

    def webhooks(self) -> list[SandboxWebhook]:
        """Every webhook owed or sent, oldest first (for tests)."""
        return sorted(self.tx.rows("sandbox_webhooks"), key=lambda w: (w.created_at, w.id))
