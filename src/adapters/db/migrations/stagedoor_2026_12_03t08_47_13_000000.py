"""Constraints and indexes of partner keys, holds, plugin switches and data, and deliveries."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:47:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "partners constraints"

INDEXES = [
    "CREATE UNIQUE INDEX partner_holds_key_reference_key ON partner_holds (key_id, reference)",
    "CREATE INDEX partner_holds_due ON partner_holds (expires_at, id) WHERE status = 'held'",
    "CREATE UNIQUE INDEX plugin_activations_organiser_plugin_key"
    " ON plugin_activations (organiser_id, plugin)",
    "CREATE UNIQUE INDEX plugin_data_plugin_key_key ON plugin_data (plugin, key)",
    "CREATE UNIQUE INDEX partner_deliveries_owed_key ON partner_deliveries (exchange, event_id)"
    " WHERE delivered_at IS NULL",
    "CREATE INDEX partner_deliveries_due ON partner_deliveries (exchange, next_attempt_at, id)"
    " WHERE delivered_at IS NULL",
    "CREATE UNIQUE INDEX plugin_problems_plugin_kind_key ON plugin_problems (plugin, kind)",
]

# Plugins list their keys by prefix as a range (key >= 'watch:' AND key < 'watch:\U0010ffff'),
# which needs code-point order; SQLite's default collation has it, PostgreSQL's may not.
POSTGRES_FIRST = ['ALTER TABLE plugin_data ALTER COLUMN key TYPE varchar(200) COLLATE "C"']

CHECKS = [
    Check("partner_holds_seats_positive", "partner_holds", "seats > 0", ("seats",)),
    Check(
        "partner_deliveries_revision_positive",
        "partner_deliveries",
        "revision > 0 AND attempts >= 0",
        ("revision", "attempts"),
    ),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS, postgres_first=POSTGRES_FIRST)

    manager.add_raw(run)
    return manager
