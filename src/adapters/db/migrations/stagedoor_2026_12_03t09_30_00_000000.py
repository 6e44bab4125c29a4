"""The pending notifications, found by the delivery job in order without a scan."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import apply

ID = "2026-12-03T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "pending notifications index"

INDEXES = ["CREATE INDEX notifications_pending ON notifications (id) WHERE status = 'pending'"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES)

    manager.add_raw(run)
    return manager
