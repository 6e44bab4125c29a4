"""Constraints and indexes of conferences, pickup points, participants and staff."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-11-25T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "distribution constraints"

INDEXES = [
    "CREATE INDEX participants_listed ON participants (conference_id, sort_key, id)",
    "CREATE INDEX participants_assigned ON participants (conference_id, assigned_point_id)",
    "CREATE INDEX participants_delivered ON participants (conference_id, delivered_at)",
    "CREATE UNIQUE INDEX participants_conference_email_key ON participants (conference_id, email)"
    " WHERE email <> ''",
    "CREATE INDEX participant_tokens_search"
    " ON participant_tokens (conference_id, token, participant_id)",
    "CREATE INDEX participant_tokens_of ON participant_tokens (participant_id, token)",
    "CREATE UNIQUE INDEX staff_conference_account_key ON staff (conference_id, account_id)",
]

# Search tokens are compared as prefix ranges (token >= 'kuz' AND token < 'kuz\uffff'), which
# needs code-point order; SQLite's default collation has it, PostgreSQL's may not.
POSTGRES_FIRST = ['ALTER TABLE participant_tokens ALTER COLUMN token TYPE varchar(254) COLLATE "C"']

CHECKS = [
    Check("pickup_points_stock_not_negative", "pickup_points", "stock >= 0", ("stock",)),
    Check("pickup_points_desks_positive", "pickup_points", "desks > 0", ("desks",)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS, postgres_first=POSTGRES_FIRST)

    manager.add_raw(run)
    return manager
