"""Constraints and indexes of the waiting list."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "waiting list constraints"

INDEXES = [
    "CREATE UNIQUE INDEX waitlist_active_key ON waitlist (event_id, guest_id)"
    " WHERE status IN ('waiting', 'offered')",
    "CREATE INDEX waitlist_in_line ON waitlist (event_id, created_at, id)"
    " WHERE status IN ('waiting', 'offered')",
    "CREATE INDEX waitlist_offers ON waitlist (offer_expires_at, id) WHERE status = 'offered'",
]

CHECKS = [Check("waitlist_seats_positive", "waitlist", "seats > 0", ("seats",))]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
