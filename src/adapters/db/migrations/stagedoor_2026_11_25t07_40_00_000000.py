"""Constraints and indexes Piccolo's column options cannot express on both engines.

The core checks every rule first; these are the last line, so that no bug and no race can
store an impossible state. SQLite cannot add a CHECK to an existing table, so there the
CHECKs are triggers that abort with the constraint's name (adapters.db.session maps both
spellings to the same Conflict).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T07:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints"

BOTH = [
    "CREATE UNIQUE INDEX accounts_email_key ON accounts (email)",
    "CREATE UNIQUE INDEX accounts_verified_phone_key ON accounts (phone)"
    " WHERE phone_verified_at IS NOT NULL",
    "CREATE UNIQUE INDEX idempotency_keys_scope_key_key ON idempotency_keys (scope, key)",
    "CREATE INDEX bookings_guest_id_id ON bookings (guest_id, id)",
    "CREATE INDEX bookings_event_id_guest_id ON bookings (event_id, guest_id)",
    "CREATE INDEX events_listed ON events (starts_at, id)"
    " WHERE visibility = 'public' AND status = 'scheduled'",
    "CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL",
    "CREATE INDEX phone_verifications_account_phone"
    " ON phone_verifications (account_id, phone, created_at)",
]

POSTGRES = [
    "ALTER TABLE events ADD CONSTRAINT events_booked_within_capacity"
    " CHECK (booked >= 0 AND booked <= capacity)",
    "ALTER TABLE events ADD CONSTRAINT events_capacity_positive CHECK (capacity > 0)",
    "ALTER TABLE bookings ADD CONSTRAINT bookings_seats_positive CHECK (seats > 0)",
]

SQLITE = [
    f"""CREATE TRIGGER {name} BEFORE {when} ON {table}
        WHEN {condition}
        BEGIN SELECT RAISE(ABORT, '{constraint}'); END"""
    for name, when, table, condition, constraint in [
        (
            "events_booked_within_capacity_insert",
            "INSERT",
            "events",
            "NEW.booked < 0 OR NEW.booked > NEW.capacity OR NEW.capacity <= 0",
            "events_booked_within_capacity",
        ),
        (
            "events_booked_within_capacity_update",
            "UPDATE OF booked, capacity",
            "events",
            "NEW.booked < 0 OR NEW.booked > NEW.capacity OR NEW.capacity <= 0",
            "events_booked_within_capacity",
        ),
        (
            "bookings_seats_positive_insert",
            "INSERT",
            "bookings",
            "NEW.seats <= 0",
            "bookings_seats_positive",
        ),
    ]
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        statements = BOTH + (SQLITE if engine.engine_type == "sqlite" else POSTGRES)
        for statement in statements:
            await engine.run_ddl(statement)  # inside the migration's transaction

    manager.add_raw(run)
    return manager
