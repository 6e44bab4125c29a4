"""Constraints and indexes of plans, subscriptions, their charges and organiser invoices.

The database's last word on "one charge per period": a renewal is unique per subscription
and period start, and a subscription has one open charge at a time.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from adapters.db.ddl import Check, apply

ID = "2026-12-03T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "subscription constraints"

LIVE = "('pending', 'active', 'past_due')"

INDEXES = [
    "CREATE UNIQUE INDEX subscriptions_one_live_per_account ON subscriptions (account_id)"
    f" WHERE status IN {LIVE}",
    "CREATE INDEX subscriptions_of_account ON subscriptions (account_id, id)",
    "CREATE INDEX subscriptions_due ON subscriptions (next_action_at)"
    " WHERE next_action_at IS NOT NULL",
    "CREATE INDEX subscriptions_perks ON subscriptions (account_id) WHERE status = 'active'",
    "CREATE UNIQUE INDEX subscription_charges_one_open ON subscription_charges"
    " (subscription_id) WHERE status = 'open'",
    "CREATE UNIQUE INDEX subscription_charges_one_renewal_per_period ON subscription_charges"
    " (subscription_id, period_start) WHERE kind = 'renewal'",
    "CREATE INDEX subscription_charges_of_subscription ON subscription_charges"
    " (subscription_id, id)",
    "CREATE UNIQUE INDEX invoices_one_open_per_conference ON invoices (conference_id)"
    " WHERE status = 'open'",
    "CREATE INDEX invoices_of_organiser ON invoices (organiser_id, id)",
]

CHECKS = [
    Check("plans_price_not_negative", "plans", "price >= 0", ("price",)),
    Check(
        "subscription_charges_amount_positive", "subscription_charges", "amount > 0", ("amount",)
    ),
    Check(
        "subscription_charges_failures_within_attempts",
        "subscription_charges",
        "failures >= 0 AND failures <= attempts",
        ("failures", "attempts"),
    ),
    Check("invoices_amount_not_negative", "invoices", "amount >= 0", ("amount",)),
    Check("conference_accounts_paid_not_negative", "conference_accounts", "paid >= 0", ("paid",)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="stagedoor", description=DESCRIPTION)

    async def run():
        await apply(INDEXES, CHECKS)

    manager.add_raw(run)
    return manager
