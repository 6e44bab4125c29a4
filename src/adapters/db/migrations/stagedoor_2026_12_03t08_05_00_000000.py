"""Constraints and indexes of reminders: one per subject and kind, waiting ones by due time."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminder constraints"

INDEXES = [
    "CREATE UNIQUE INDEX reminders_subject_kind_key ON reminders (subject_id, kind)",
    "CREATE INDEX reminders_waiting ON reminders (due_at, id) WHERE done_at IS NULL",
]

CHECKS = [Check("reminders_kind_known", "reminders", "kind IN ('24h', '1h')", ("kind",))]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
