"""`stagedoor_require(passed)`: abort the statement unless `passed` (PostgreSQL only).

A unit of work that sends its writes and a conditional update as one statement (see
adapters.db.session.PostgresSession.commit_if) ends it with this call on "did the update take
a row": when it did not, the whole statement, and so every write in it, is undone.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import apply

ID = "2026-12-03T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stagedoor_require: a statement's guard"

FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION stagedoor_require(passed boolean) RETURNS boolean
    LANGUAGE plpgsql AS $body$
    BEGIN
        IF passed IS NOT TRUE THEN
            RAISE EXCEPTION 'a guarded write found nothing to change'
                USING ERRCODE = 'SDG01';
        END IF;
        RETURN true;
    END
    $body$
    """,
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply([], postgres_first=FUNCTIONS)

    manager.add_raw(run)
    return manager
