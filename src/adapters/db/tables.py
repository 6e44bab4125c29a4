"""Piccolo tables: the schema of Stagedoor on SQLite and PostgreSQL.

These classes describe the schema for `piccolo migrations new stagedoor --auto`; they are not
used to run queries (the repositories speak SQL through their unit of work's own connection,
see `adapters.db.session`). What Piccolo cannot express on both engines lives in the
hand-written `constraints` migration: CHECKs, composite, expression and partial unique indexes.

Conventions: UUID primary keys made by the core (uuid7), timezone-aware timestamps, money as
integer minor units plus an ISO currency (both NULL for free), enums as their string values,
JSON as text.
"""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


def _id() -> UUID:
    return UUID(primary_key=True, default=None)


def _at(*, null: bool = False, index: bool = False) -> Timestamptz:
    return Timestamptz(default=None, null=null, index=index)


def _ref(table: type[Table], *, index: bool = True) -> ForeignKey[Table]:
    return ForeignKey(references=table, on_delete=OnDelete.restrict, index=index, null=False)


class Accounts(Table, tablename="accounts"):
    id = _id()
    full_name = Varchar(length=200)
    email = Varchar(length=254)  # unique on lower(email): see the constraints migration
    password_hash = Text()
    created_at = _at()
    phone = Varchar(length=32, null=True, default=None)
    phone_verified_at = _at(null=True)
    roles = Varchar(length=200)  # sorted role names, comma-separated
    language = Varchar(length=8, default="en")  # what emails to this account are written in


class PhoneVerifications(Table, tablename="phone_verifications"):
    id = _id()
    account_id = _ref(Accounts)
    phone = Varchar(length=32, index=True)
    code_hash = Varchar(length=64)
    created_at = _at()
    expires_at = _at()
    wrong_tries = Integer(default=0)
    consumed_at = _at(null=True)


class RefreshTokens(Table, tablename="refresh_tokens"):
    id = _id()
    family_id = UUID(default=None, index=True)
    account_id = _ref(Accounts)
    token_hash = Varchar(length=64, unique=True)
    created_at = _at()
    expires_at = _at()
    used_at = _at(null=True)
    revoked_at = _at(null=True)


class Events(Table, tablename="events"):
    """A hosted event; `booked` stays within [0, capacity] by a CHECK (a trigger on SQLite).

    `city_key` and `search_text` are folded copies (str.casefold) written by the repository, so
    that case-insensitive search works the same for every script on both engines: SQLite's
    lower() knows only ASCII.
    """

    id = _id()
    host_id = _ref(Accounts)
    title = Varchar(length=200)
    description = Text()
    starts_at = _at()
    ends_at = _at()
    city = Varchar(length=100)
    city_key = Varchar(length=100)  # city, casefolded: the search filter compares this
    address = Varchar(length=300)
    time_zone = Varchar(length=64)
    capacity = Integer()
    booked = Integer(default=0)
    visibility = Varchar(length=16)
    status = Varchar(length=16)
    price_amount = BigInt(null=True, default=None)
    price_currency = Varchar(length=3, null=True, default=None)
    created_at = _at()
    updated_at = _at()
    search_text = Text()  # title and description, casefolded: what `?q=` searches
    venue_id = UUID(null=True, default=None)  # a venue with a seat map


class Bookings(Table, tablename="bookings"):
    id = _id()
    event_id = _ref(Events)
    guest_id = _ref(Accounts, index=False)  # (guest_id, id) index in the constraints migration
    seats = Integer()
    status = Varchar(length=16)
    amount_minor = BigInt(null=True, default=None)
    currency = Varchar(length=3, null=True, default=None)
    created_at = _at()
    cancelled_at = _at(null=True)
    payment_id = UUID(null=True, default=None, index=True)
    hold_expires_at = _at(null=True)
    seat_ids = Text(default="")  # the chosen seats' ids, comma-separated (seated events)


class Tickets(Table, tablename="tickets"):
    """One seat of a booking; `position` keeps the booking's ticket order.

    The barcode is never stored in clear: `barcode_sealed` is its AES-GCM ciphertext under
    the key `barcode_key`, and `barcode_digest` its keyed HMAC, unique, for lookups (see
    adapters.security.barcodes). Rows written before encryption have no seal yet and keep
    the plain barcode in `barcode_digest` until they are sealed.
    """

    id = _id()
    booking_id = _ref(Bookings)
    event_id = _ref(Events)
    holder_id = _ref(Accounts)
    position = Integer()
    barcode_digest = Varchar(length=32, unique=True)
    status = Varchar(length=16)
    issued_at = _at()
    seat_id = UUID(null=True, default=None)  # the seat it admits to (seated events)
    barcode_key = Varchar(length=16, null=True, default=None)
    barcode_sealed = Text(null=True, default=None)
    replaces = UUID(null=True, default=None)
    replaced_by = UUID(null=True, default=None)
    revoked_at = _at(null=True)
    admitted_at = _at(null=True)
    on_sale = Boolean(default=False)


class Invitations(Table, tablename="invitations"):
    id = _id()
    event_id = _ref(Events)
    token_hash = Varchar(length=64, index=True)
    created_at = _at()


class IdempotencyKeys(Table, tablename="idempotency_keys"):
    """A key once used by a scope; (scope, key) is unique (constraints migration)."""

    id = _id()
    scope = Varchar(length=300)
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)
    resource_id = UUID(default=None)
    created_at = _at()


class Notifications(Table, tablename="notifications"):
    id = _id()
    recipient_id = _ref(Accounts)
    template = Varchar(length=64)
    dedupe_key = Varchar(length=300, unique=True)
    data = Text()  # JSON object of strings
    status = Varchar(length=16)
    created_at = _at()
    sent_at = _at(null=True)


class Outbox(Table, tablename="outbox"):
    """Domain events written with the change that caused them; id is the event's event_id."""

    id = _id()
    name = Varchar(length=100)
    version = Integer()
    payload = Text()  # JSON, see adapters.codec
    created_at = _at()
    published_at = _at(null=True)  # partial index on unpublished rows: constraints migration


class Payments(Table, tablename="payments"):
    """A payment through a provider; amounts in minor units of `currency`.

    CHECKs (constraints migration): 0 <= refunded + refund_pending <= captured <= amount.
    """

    id = _id()
    payer_id = _ref(Accounts)
    amount = BigInt()
    currency = Varchar(length=3)
    purpose = Varchar(length=32)
    reference_id = UUID(default=None, index=True)
    provider = Varchar(length=32)
    provider_ref = Varchar(length=255, null=True, default=None)  # unique with provider
    redirect_url = Text(null=True, default=None)
    description = Varchar(length=200)
    status = Varchar(length=32)
    captured = BigInt(default=0)
    refunded = BigInt(default=0)
    refund_pending = BigInt(default=0)
    fee = BigInt(default=0)
    failure_reason = Text(null=True, default=None)
    created_at = _at()
    updated_at = _at()
    expires_at = _at()
    succeeded_at = _at(null=True)


class Refunds(Table, tablename="refunds"):
    id = _id()
    payment_id = _ref(Payments)
    amount = BigInt()
    currency = Varchar(length=3)
    reason = Varchar(length=200)
    idempotency_key = Varchar(length=255, unique=True)
    status = Varchar(length=16)
    provider_ref = Varchar(length=255, null=True, default=None, index=True)
    created_at = _at()
    settled_at = _at(null=True)


class Payouts(Table, tablename="payouts"):
    id = _id()
    account_id = _ref(Accounts)
    amount = BigInt()
    currency = Varchar(length=3)
    reason = Varchar(length=200)
    idempotency_key = Varchar(length=255, unique=True)
    status = Varchar(length=16)
    provider_ref = Varchar(length=255, null=True, default=None)
    created_at = _at()
    settled_at = _at(null=True)


class LedgerPostings(Table, tablename="ledger_postings"):
    """One line of a journal entry; the lines of an entry sum to zero (checked in the core)."""

    id = _id()
    entry_id = UUID(default=None, index=True)
    kind = Varchar(length=16)
    source_id = UUID(default=None, index=True)
    account = Varchar(length=32)
    amount = BigInt()  # debit > 0, credit < 0
    currency = Varchar(length=3)
    at = _at()


class ProviderEvents(Table, tablename="provider_events"):
    """Webhook events already handled: (provider, event_id) is unique (constraints migration)."""

    id = _id()
    provider = Varchar(length=32)
    event_id = Varchar(length=255)
    received_at = _at()


class SandboxIntents(Table, tablename="sandbox_intents"):
    """The sandbox provider's own books: a hosted checkout, as a real provider keeps it."""

    id = Varchar(length=64, primary_key=True)
    idempotency_key = Varchar(length=255, unique=True)
    payment_id = UUID(default=None)
    amount = BigInt()
    currency = Varchar(length=3)
    description = Varchar(length=200)
    return_url = Text()
    cancel_url = Text()
    status = Varchar(length=16)
    decline_reason = Varchar(length=64, null=True, default=None)
    expires_at = _at()
    created_at = _at()
    updated_at = _at()
    save_card = Boolean(default=False)
    saved_card = Varchar(length=32, null=True, default=None)  # a sandbox test number only
    mandate = Varchar(length=64, null=True, default=None)


class SandboxRefunds(Table, tablename="sandbox_refunds"):
    id = Varchar(length=64, primary_key=True)
    idempotency_key = Varchar(length=255, unique=True)
    intent_id = Varchar(length=64, index=True)
    refund_id = UUID(default=None)
    amount = BigInt()
    currency = Varchar(length=3)
    created_at = _at()


class SandboxWebhooks(Table, tablename="sandbox_webhooks"):
    """Webhooks the sandbox owes: delivered with retries, like a real provider does."""

    id = Varchar(length=64, primary_key=True)
    payload = Text()
    attempts = Integer(default=0)
    next_attempt_at = _at(index=True)
    delivered_at = _at(null=True)
    last_error = Text(null=True, default=None)
    created_at = _at()


class Conferences(Table, tablename="conferences"):
    id = _id()
    organiser_id = _ref(Accounts)
    title = Varchar(length=200)
    venue = Varchar(length=200)
    handout_starts_at = _at()
    handout_ends_at = _at()
    time_zone = Varchar(length=64)
    service_seconds = Integer()
    created_at = _at()
    updated_at = _at()


class PickupPoints(Table, tablename="pickup_points"):
    """A pickup point; `stock >= 0` is a CHECK (a trigger on SQLite)."""

    id = _id()
    conference_id = _ref(Conferences)
    name = Varchar(length=100)
    location = Varchar(length=200)
    desks = Integer()
    stock = Integer()
    is_open = Boolean(default=True)
    created_at = _at()


class Participants(Table, tablename="participants"):
    """A participant; `sort_key` is the folded full name the lists are ordered by, and the
    search goes through `participant_tokens` (see core.distribution.roster)."""

    id = _id()
    conference_id = _ref(Conferences, index=False)  # composite indexes: constraints migration
    last_name = Varchar(length=100)
    first_name = Varchar(length=100)
    second_name = Varchar(length=100)
    email = Varchar(length=254)
    phone = Varchar(length=32)
    sort_key = Text()
    preferred_point_id = UUID(null=True, default=None)
    assigned_point_id = UUID(null=True, default=None)
    slot_starts_at = _at(null=True)
    slot_ends_at = _at(null=True)
    delivered_at = _at(null=True)
    delivered_point_id = UUID(null=True, default=None)
    delivered_by = UUID(null=True, default=None)
    created_at = _at()
    updated_at = _at()


class ParticipantTokens(Table, tablename="participant_tokens"):
    """Search keys: every folded prefix-searchable token of a participant, one row each."""

    conference_id = UUID(default=None)
    token = Varchar(length=254)
    participant_id = ForeignKey(
        references=Participants, on_delete=OnDelete.cascade, index=True, null=False
    )


class Staff(Table, tablename="staff"):
    conference_id = _ref(Conferences, index=False)  # unique with account_id
    account_id = _ref(Accounts)
    role = Varchar(length=16)
    point_id = UUID(null=True, default=None)
    added_at = _at()


class StaffInvitations(Table, tablename="staff_invitations"):
    id = _id()
    conference_id = _ref(Conferences)
    token_hash = Varchar(length=64, unique=True)
    role = Varchar(length=16)
    point_id = UUID(null=True, default=None)
    created_at = _at()
    expires_at = _at()
    used_by = UUID(null=True, default=None)


class PartnerKeys(Table, tablename="partner_keys"):
    """Keys partner platforms call in with; only a SHA-256 of the secret is kept."""

    id = _id()
    organiser_id = _ref(Accounts)
    name = Varchar(length=100)
    scopes = Varchar(length=200)  # sorted scope names, comma-separated
    key_hash = Varchar(length=64, unique=True)
    hint = Varchar(length=16)
    created_at = _at()
    revoked_at = _at(null=True)


class PartnerHolds(Table, tablename="partner_holds"):
    """Seats a partner holds or sold; (key_id, reference) is unique (constraints migration)."""

    id = _id()
    key_id = _ref(PartnerKeys, index=False)
    partner = Varchar(length=100)
    organiser_id = _ref(Accounts)
    event_id = _ref(Events)
    seats = Integer()
    reference = Varchar(length=100)
    status = Varchar(length=16)
    amount_minor = BigInt(null=True, default=None)
    currency = Varchar(length=3, null=True, default=None)
    created_at = _at()
    expires_at = _at()
    confirmed_at = _at(null=True)
    closed_at = _at(null=True)


class PluginActivations(Table, tablename="plugin_activations"):
    """An organiser's switch per plugin; (organiser_id, plugin) is unique."""

    id = _id()
    organiser_id = _ref(Accounts, index=False)
    plugin = Varchar(length=40)
    active = Boolean(default=False)
    changed_at = _at()


class PluginData(Table, tablename="plugin_data"):
    """Plugins' own key-value pairs; (plugin, key) is unique."""

    id = _id()
    plugin = Varchar(length=40)
    key = Varchar(length=200)
    value = Text()
    updated_at = _at()


class PartnerDeliveries(Table, tablename="partner_deliveries"):
    """Availability pushes owed to partners: one owed row per (exchange, event) at most."""

    id = _id()
    exchange = Varchar(length=40)
    event_id = _ref(Events, index=False)
    organiser_id = _ref(Accounts, index=False)
    revision = Integer(default=1)
    attempts = Integer(default=0)
    next_attempt_at = _at()
    created_at = _at()
    delivered_at = _at(null=True)
    last_error = Text(null=True, default=None)


class PartnerCircuits(Table, tablename="partner_circuits"):
    """Each partner's circuit breaker (see core.partners.circuit)."""

    exchange = Varchar(length=40, primary_key=True)
    failures = Integer(default=0)
    trips = Integer(default=0)
    open_until = _at(null=True)
    probing = Boolean(default=False)


class PluginProblems(Table, tablename="plugin_problems"):
    """How often each plugin failed at what; (plugin, kind) is unique."""

    id = _id()
    plugin = Varchar(length=40)
    kind = Varchar(length=16)
    count = BigInt(default=0)
    last_error = Text()
    last_at = _at()


class Reminders(Table, tablename="reminders"):
    """A reminder of an event a day or an hour ahead; (subject_id, kind) is unique and due
    rows are found by a partial index on waiting ones (constraints migration)."""

    id = _id()
    subject_id = UUID(default=None)  # the booking, or the event itself for its host
    event_id = _ref(Events)
    recipient_id = _ref(Accounts, index=False)
    kind = Varchar(length=8)
    due_at = _at()
    done_at = _at(null=True)


class Reviews(Table, tablename="reviews"):
    """A review of an event, its host or a guest; unique per (event, author, target,
    subject) and rating between 1 and 5 (constraints migration)."""

    id = _id()
    event_id = _ref(Events, index=False)
    author_id = _ref(Accounts, index=False)
    target = Varchar(length=8)
    subject_id = UUID(default=None)
    rating = Integer()
    text = Text()
    created_at = _at()
    updated_at = _at()


class Waitlist(Table, tablename="waitlist"):
    """A guest waiting for seats at a full event; one active entry (waiting or offered) per
    guest and event, and offers found by expiry (constraints migration)."""

    id = _id()
    event_id = _ref(Events, index=False)
    guest_id = _ref(Accounts)
    seats = Integer()
    created_at = _at()
    status = Varchar(length=16)
    offer_expires_at = _at(null=True)
    booking_id = UUID(null=True, default=None)


class Venues(Table, tablename="venues"):
    """A venue and its seat map, kept whole as JSON (see core.booking.seating)."""

    id = _id()
    owner_id = _ref(Accounts)
    name = Varchar(length=100)
    seat_map = Text()
    seats = Integer()
    created_at = _at()


class SeatHolds(Table, tablename="seat_holds"):
    """A seat of an event held or sold for a booking; one live row per (event, seat) by a
    partial unique index (constraints migration). Released rows stay as history."""

    event_id = _ref(Events, index=False)
    seat_id = UUID(default=None)
    booking_id = _ref(Bookings)
    released_at = _at(null=True)


class Listings(Table, tablename="listings"):
    """A ticket offered for resale. The barcode is sealed like a ticket's (AES-GCM under
    `barcode_key`, AAD the listing id) with a keyed digest; a partial unique index on the digest
    keeps one live (available, held or sold) listing per barcode. `*_key` columns are
    casefolded copies for search, as on events."""

    id = _id()
    seller_id = _ref(Accounts, index=False)  # (seller_id, id) in the constraints migration
    issuer = Varchar(length=40)
    event_name = Varchar(length=200)
    event_name_key = Text()
    event_type = Varchar(length=16)
    starts_at = _at()
    city = Varchar(length=100)
    city_key = Varchar(length=100)
    place = Varchar(length=300)
    price_amount = BigInt()
    currency = Varchar(length=3)
    fee_amount = BigInt()
    barcode_digest = Varchar(length=32)
    barcode_key = Varchar(length=16)
    barcode_sealed = Text()
    authenticity = Varchar(length=16)
    checker = Varchar(length=64)
    ticket_id = UUID(null=True, default=None, index=True)
    event_id = UUID(null=True, default=None, index=True)
    status = Varchar(length=16)
    purchase_id = UUID(null=True, default=None)
    buyer_id = UUID(null=True, default=None)
    hold_expires_at = _at(null=True)
    sold_at = _at(null=True)
    new_ticket_id = UUID(null=True, default=None)
    escrow = Varchar(length=16)
    release_after = _at(null=True)
    payout_id = UUID(null=True, default=None)
    created_at = _at()
    updated_at = _at()


class Purchases(Table, tablename="purchases"):
    """One buyer's attempt to buy a listing; its payment's `reference_id`."""

    id = _id()
    listing_id = _ref(Listings)
    buyer_id = _ref(Accounts)
    amount_minor = BigInt()
    currency = Varchar(length=3)
    created_at = _at()
    payment_id = UUID(null=True, default=None)
    status = Varchar(length=16)
    settled_at = _at(null=True)


class ResaleMessages(Table, tablename="resale_messages"):
    """Messages between a listing's seller and one buyer; contacts already masked."""

    id = _id()
    listing_id = _ref(Listings, index=False)  # (listing_id, buyer_id, created_at) index
    buyer_id = UUID(default=None)
    author_id = UUID(default=None)
    body = Text()
    created_at = _at()


class ResaleRulesTable(Table, tablename="resale_rules"):
    """An organiser's resale price cap and the fee the platform takes on their tickets."""

    organiser_id = UUID(primary_key=True, default=None)
    price_cap_percent = Integer(null=True, default=None)
    fee_bp = Integer()


class Plans(Table, tablename="plans"):
    """What can be bought: a pass, a monthly plan, an organiser's conference tier."""

    id = _id()
    code = Varchar(length=40, unique=True)
    name = Varchar(length=100)
    kind = Varchar(length=16)
    price = BigInt()
    currency = Varchar(length=3)
    perks = Varchar(length=200)  # sorted perk names, comma-separated
    days = Integer(null=True, default=None)
    participants = Integer(null=True, default=None)
    description = Varchar(length=500)
    active = Boolean(default=True)
    created_at = _at()


class Subscriptions(Table, tablename="subscriptions"):
    """One account's hold on a plan; one live (pending, active, past due) per account and
    the renewal job's index on `next_action_at`: see the constraints migration."""

    id = _id()
    account_id = _ref(Accounts, index=False)
    plan_id = _ref(Plans)
    kind = Varchar(length=16)
    provider = Varchar(length=32)
    status = Varchar(length=16)
    anchor = _at(null=True)
    period_start = _at(null=True)
    period_end = _at(null=True)
    period_index = Integer(default=0)
    cancel_at_period_end = Boolean(default=False)
    mandate_ref = Varchar(length=255, null=True, default=None)
    next_action_at = _at(null=True)
    perks_until = _at(null=True)
    ended_at = _at(null=True)
    end_reason = Varchar(length=200, null=True, default=None)
    created_at = _at()
    updated_at = _at()


class SubscriptionCharges(Table, tablename="subscription_charges"):
    """An amount owed for a subscription; one open per subscription, one renewal per
    subscription and period start (constraints migration)."""

    id = _id()
    subscription_id = _ref(Subscriptions, index=False)
    payer_id = _ref(Accounts)
    kind = Varchar(length=16)
    plan_id = _ref(Plans)
    amount = BigInt()
    currency = Varchar(length=3)
    period_start = _at(null=True)
    status = Varchar(length=16)
    attempts = Integer(default=0)
    failures = Integer(default=0)
    via_checkout = Boolean(default=False)
    payment_id = UUID(null=True, default=None, index=True)
    failure_reason = Text(null=True, default=None)
    created_at = _at()
    settled_at = _at(null=True)


class ConferenceAccounts(Table, tablename="conference_accounts"):
    """What was paid for one conference's tier (`id` is the conference's id)."""

    id = _id()
    organiser_id = _ref(Accounts)
    paid = BigInt(default=0)
    currency = Varchar(length=3)
    created_at = _at()
    updated_at = _at()


class Invoices(Table, tablename="invoices"):
    """What a conference owes to reach the tier its list needs; one open per conference."""

    id = _id()
    conference_id = _ref(Conferences, index=False)
    organiser_id = _ref(Accounts, index=False)
    conference_title = Varchar(length=200)
    tier_id = _ref(Plans)
    tier_name = Varchar(length=100)
    participants = Integer()
    amount = BigInt()
    currency = Varchar(length=3)
    status = Varchar(length=16)
    payment_id = UUID(null=True, default=None, index=True)
    created_at = _at()
    updated_at = _at()
    paid_at = _at(null=True)


TABLES: list[type[Table]] = [
    Accounts,
    PhoneVerifications,
    RefreshTokens,
    Events,
    Bookings,
    Tickets,
    Invitations,
    IdempotencyKeys,
    Notifications,
    Outbox,
    Payments,
    Refunds,
    Payouts,
    LedgerPostings,
    ProviderEvents,
    SandboxIntents,
    SandboxRefunds,
    SandboxWebhooks,
    Conferences,
    PickupPoints,
    Participants,
    ParticipantTokens,
    Staff,
    StaffInvitations,
    Plans,
    Subscriptions,
    SubscriptionCharges,
    ConferenceAccounts,
    Invoices,
    PartnerKeys,
    PartnerHolds,
    PluginActivations,
    PluginData,
    PartnerDeliveries,
    PartnerCircuits,
    PluginProblems,
    Reminders,
    Reviews,
    Waitlist,
    Venues,
    SeatHolds,
    Listings,
    Purchases,
    ResaleMessages,
    ResaleRulesTable,
]
