"""Constraints of seat maps: one live hold per seat of an event (the last line against
selling a seat twice), and a venue's seat count positive."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "seat map constraints"

INDEXES = [
    "CREATE UNIQUE INDEX seat_holds_live_key ON seat_holds (event_id, seat_id)"
    " WHERE released_at IS NULL",
]

CHECKS = [Check("venues_seats_positive", "venues", "seats > 0", ("seats",))]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
