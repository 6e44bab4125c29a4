"""Constraints and indexes of reviews and the host's events list."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "review constraints"

INDEXES = [
    "CREATE UNIQUE INDEX reviews_one_per_pair_key"
    " ON reviews (event_id, author_id, target, subject_id)",
    "CREATE INDEX reviews_of_subject ON reviews (target, subject_id, id)",
    "CREATE INDEX events_hosted ON events (host_id, starts_at, id)",
]

CHECKS = [
    Check("reviews_rating_range", "reviews", "rating >= 1 AND rating <= 5", ("rating",)),
    Check("reviews_target_known", "reviews", "target IN ('event', 'host', 'guest')", ("target",)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
