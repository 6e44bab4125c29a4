"""The payout resend job's lookup: pending payouts by age."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import apply

ID = "2026-12-03T09:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "pending payouts index"

INDEXES = [
    "CREATE INDEX payouts_pending ON payouts (created_at, id) WHERE status = 'pending'",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, [])

    manager.add_raw(run)
    return manager
