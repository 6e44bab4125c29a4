"""Organiser billing on SQL: conference sizes (read from distribution's tables), what was
paid per conference, and invoices (one open per conference, by a partial unique index)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.db.repository import SqlRepository, placeholders
from adapters.db.session import Row
from core.identity.model import AccountId
from core.payments.model import PaymentId
from core.shared.errors import NotFound
from core.shared.money import Money
from core.subscriptions.billing import (
    ConferenceAccount,
    ConferenceSize,
    Invoice,
    InvoiceId,
    InvoiceStatus,
)
from core.subscriptions.plans import PlanId

_SIZE = (
    "SELECT c.id, c.organiser_id, c.title,"
    " (SELECT COUNT(*) FROM participants p WHERE p.conference_id = c.id) AS participants"
    " FROM conferences c"
)


def _size(row: Row) -> ConferenceSize:
    return ConferenceSize(
        row["id"], AccountId(row["organiser_id"]), row["title"], int(row["participants"])
    )


class SqlConferenceSizes(SqlRepository):
    async def get(self, conference_id: UUID) -> ConferenceSize | None:
        row = await self.db.fetchrow(f"{_SIZE} WHERE c.id = $1", conference_id)
        return None if row is None else _size(row)

    async def of_organiser(self, organiser_id: AccountId) -> list[ConferenceSize]:
        rows = await self.db.fetch(
            f"{_SIZE} WHERE c.organiser_id = $1 ORDER BY c.id DESC", organiser_id
        )
        return [_size(row) for row in rows]


_ACCOUNT = "id, organiser_id, paid, currency, created_at, updated_at"


def _account(row: Row) -> ConferenceAccount:
    return ConferenceAccount(
        conference_id=row["id"],
        organiser_id=AccountId(row["organiser_id"]),
        paid=Money(row["paid"], row["currency"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlConferenceAccounts(SqlRepository):
    async def get(self, conference_id: UUID) -> ConferenceAccount | None:
        row = await self.db.fetchrow(
            f"SELECT {_ACCOUNT} FROM conference_accounts WHERE id = $1", conference_id
        )
        return None if row is None else _account(row)

    async def get_for_update(
        self, size: ConferenceSize, currency: str, now: datetime
    ) -> ConferenceAccount:
        """Opened by an insert that a concurrent twin waits for, then read under a lock."""
        await self.db.execute(
            f"INSERT INTO conference_accounts ({_ACCOUNT}) VALUES ($1, $2, 0, $3, $4, $4)"
            " ON CONFLICT (id) DO NOTHING",
            size.conference_id,
            size.organiser_id,
            currency,
            now,
        )
        row = await self.db.fetchrow(
            f"SELECT {_ACCOUNT} FROM conference_accounts WHERE id = $1{self.for_update}",
            size.conference_id,
        )
        assert row is not None
        return _account(row)

    async def save(self, account: ConferenceAccount) -> None:
        await self.db.execute(
            "UPDATE conference_accounts SET paid = $2, updated_at = $3 WHERE id = $1",
            account.conference_id,
            account.paid.amount,
            account.updated_at,
        )


_INVOICE = (
    "id, conference_id, organiser_id, conference_title, tier_id, tier_name, participants,"
    " amount, currency, status, payment_id, created_at, updated_at, paid_at"
)


def _invoice(row: Row) -> Invoice:
    return Invoice(
        id=InvoiceId(row["id"]),
        conference_id=row["conference_id"],
        organiser_id=AccountId(row["organiser_id"]),
        conference_title=row["conference_title"],
        tier_id=PlanId(row["tier_id"]),
        tier_name=row["tier_name"],
        participants=row["participants"],
        amount=Money(row["amount"], row["currency"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=InvoiceStatus(row["status"]),
        payment_id=None if row["payment_id"] is None else PaymentId(row["payment_id"]),
        paid_at=row["paid_at"],
    )


class SqlInvoices(SqlRepository):
    async def add(self, invoice: Invoice) -> None:
        i = invoice
        await self.db.execute(
            f"INSERT INTO invoices ({_INVOICE}) VALUES ({placeholders(1, 14)})",
            i.id, i.conference_id, i.organiser_id, i.conference_title, i.tier_id, i.tier_name,
            i.participants, i.amount.amount, i.amount.currency, i.status, i.payment_id,
            i.created_at, i.updated_at, i.paid_at,
        )  # fmt: skip
        self.track(invoice)

    async def save(self, invoice: Invoice) -> None:
        i = invoice
        await self.db.execute(
            "UPDATE invoices SET conference_title = $2, tier_id = $3, tier_name = $4,"
            " participants = $5, amount = $6, status = $7, payment_id = $8, updated_at = $9,"
            " paid_at = $10 WHERE id = $1",
            i.id, i.conference_title, i.tier_id, i.tier_name, i.participants, i.amount.amount,
            i.status, i.payment_id, i.updated_at, i.paid_at,
        )  # fmt: skip
        self.track(invoice)

    async def find(self, invoice_id: InvoiceId) -> Invoice | None:
        row = await self.db.fetchrow(f"SELECT {_INVOICE} FROM invoices WHERE id = $1", invoice_id)
        return None if row is None else self.track(_invoice(row))

    async def get(self, invoice_id: InvoiceId) -> Invoice:
        found = await self.find(invoice_id)
        if found is None:
            raise NotFound("invoice not found")
        return found

    async def open_of(self, conference_id: UUID) -> Invoice | None:
        row = await self.db.fetchrow(
            f"SELECT {_INVOICE} FROM invoices WHERE conference_id = $1 AND status = 'open'",
            conference_id,
        )
        return None if row is None else self.track(_invoice(row))

    async def of_organiser(self, organiser_id: AccountId) -> list[Invoice]:
        rows = await self.db.fetch(
            f"SELECT {_INVOICE} FROM invoices WHERE organiser_id = $1 ORDER BY id DESC",
            organiser_id,
        )
        return [_invoice(row) for row in rows]
