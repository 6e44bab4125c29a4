"""Constraints and indexes of tickets and resale: one live listing per barcode, the feed's
keyset indexes, the upkeep job's lookups, message threads, fees within prices."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "resale constraints"

INDEXES = [
    "CREATE INDEX tickets_holder_id_id ON tickets (holder_id, id)",
    "CREATE UNIQUE INDEX listings_live_barcode_key ON listings (barcode_digest)"
    " WHERE status IN ('available', 'held', 'sold')",
    "CREATE INDEX listings_feed ON listings (id) WHERE status = 'available'",
    "CREATE INDEX listings_feed_type ON listings (event_type, id) WHERE status = 'available'",
    "CREATE INDEX listings_feed_city ON listings (city_key, id) WHERE status = 'available'",
    "CREATE INDEX listings_seller_id_id ON listings (seller_id, id)",
    "CREATE INDEX listings_buyer_id_id ON listings (buyer_id, id) WHERE status = 'sold'",
    "CREATE INDEX listings_due_start ON listings (starts_at) WHERE status IN ('available', 'held')",
    "CREATE INDEX listings_due_escrow ON listings (release_after) WHERE escrow = 'held'",
    "CREATE INDEX resale_messages_thread ON resale_messages (listing_id, buyer_id, created_at)",
]

CHECKS = [
    Check(
        "listings_fee_within_price",
        "listings",
        "price_amount > 0 AND fee_amount >= 0 AND fee_amount <= price_amount",
        ("price_amount", "fee_amount"),
    ),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
