"""Constraints and indexes of payments, refunds, webhook events and the sandbox provider."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-11-25T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment constraints"

INDEXES = [
    "CREATE UNIQUE INDEX payments_provider_ref_key ON payments (provider, provider_ref)"
    " WHERE provider_ref IS NOT NULL",
    "CREATE INDEX payments_open_expiry ON payments (expires_at)"
    " WHERE status IN ('created', 'pending')",
    "CREATE UNIQUE INDEX provider_events_provider_event_id_key"
    " ON provider_events (provider, event_id)",
    "CREATE INDEX refunds_unsent ON refunds (created_at)"
    " WHERE status = 'pending' AND provider_ref IS NULL",
    "CREATE INDEX refunds_payment_id_id ON refunds (payment_id, id)",
    "CREATE INDEX sandbox_webhooks_due ON sandbox_webhooks (next_attempt_at)"
    " WHERE delivered_at IS NULL",
]

CHECKS = [
    Check(
        "payments_money_adds_up",
        "payments",
        "amount > 0 AND captured >= 0 AND captured <= amount AND refunded >= 0"
        " AND refund_pending >= 0 AND refunded + refund_pending <= captured",
        ("amount", "captured", "refunded", "refund_pending"),
    ),
    Check("refunds_amount_positive", "refunds", "amount > 0", ("amount",)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
