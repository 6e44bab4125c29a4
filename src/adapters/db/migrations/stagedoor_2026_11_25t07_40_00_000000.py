"""Constraints and indexes of accounts, events, bookings, idempotency keys and the outbox.

The core checks every rule first; these are the last line, so that no bug and no race can
store an impossible state (see adapters.db.ddl for how a CHECK looks on SQLite).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-11-25T07:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints"

INDEXES = [
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

CHECKS = [
    Check(
        "events_booked_within_capacity",
        "events",
        "booked >= 0 AND booked <= capacity AND capacity > 0",
        ("booked", "capacity"),
    ),
    Check("bookings_seats_positive", "bookings", "seats > 0", ("seats",)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
