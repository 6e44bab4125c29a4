"""Identity repositories on SQL: accounts, phone verifications, refresh tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.db.repository import SqlRepository
from adapters.db.session import Row
from core.identity.model import (
    Account,
    AccountId,
    Language,
    PhoneVerification,
    RefreshToken,
    Role,
)
from core.shared.errors import NotFound

_ACCOUNT = (
    "id, full_name, email, password_hash, created_at, phone, phone_verified_at, roles, language"
)


def _account(row: Row) -> Account:
    return Account(
        id=AccountId(row["id"]),
        full_name=row["full_name"],
        email=row["email"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        phone=row["phone"],
        phone_verified_at=row["phone_verified_at"],
        roles=frozenset(Role(r) for r in row["roles"].split(",") if r),
        language=Language(row["language"]),
    )


def _roles(account: Account) -> str:
    return ",".join(sorted(role.value for role in account.roles))


class SqlAccounts(SqlRepository):
    async def get(self, account_id: AccountId) -> Account:
        row = await self.db.fetchrow(f"SELECT {_ACCOUNT} FROM accounts WHERE id = $1", account_id)
        if row is None:
            raise NotFound("account not found")
        return self.track(_account(row))

    async def find_by_email(self, email: str) -> Account | None:
        row = await self.db.fetchrow(f"SELECT {_ACCOUNT} FROM accounts WHERE email = $1", email)
        return None if row is None else self.track(_account(row))

    async def find_by_verified_phone(self, phone: str) -> Account | None:
        row = await self.db.fetchrow(
            f"SELECT {_ACCOUNT} FROM accounts WHERE phone = $1 AND phone_verified_at IS NOT NULL",
            phone,
        )
        return None if row is None else self.track(_account(row))

    async def add(self, account: Account) -> None:
        await self.db.execute(
            f"INSERT INTO accounts ({_ACCOUNT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            account.id,
            account.full_name,
            account.email,
            account.password_hash,
            account.created_at,
            account.phone,
            account.phone_verified_at,
            _roles(account),
            account.language.value,
        )
        self.track(account)

    async def save(self, account: Account) -> None:
        await self.db.execute(
            "UPDATE accounts SET full_name = $2, email = $3, password_hash = $4, phone = $5,"
            " phone_verified_at = $6, roles = $7, language = $8 WHERE id = $1",
            account.id,
            account.full_name,
            account.email,
            account.password_hash,
            account.phone,
            account.phone_verified_at,
            _roles(account),
            account.language.value,
        )
        self.track(account)


_VERIFICATION = "id, account_id, phone, code_hash, created_at, expires_at, wrong_tries, consumed_at"


def _verification(row: Row) -> PhoneVerification:
    return PhoneVerification(
        id=row["id"],
        account_id=AccountId(row["account_id"]),
        phone=row["phone"],
        code_hash=row["code_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        wrong_tries=row["wrong_tries"],
        consumed_at=row["consumed_at"],
    )


class SqlPhoneVerifications(SqlRepository):
    async def add(self, verification: PhoneVerification) -> None:
        v = verification
        await self.db.execute(
            f"INSERT INTO phone_verifications ({_VERIFICATION})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            v.id,
            v.account_id,
            v.phone,
            v.code_hash,
            v.created_at,
            v.expires_at,
            v.wrong_tries,
            v.consumed_at,
        )

    async def latest(self, account_id: AccountId, phone: str) -> PhoneVerification | None:
        row = await self.db.fetchrow(
            f"SELECT {_VERIFICATION} FROM phone_verifications"
            " WHERE account_id = $1 AND phone = $2"
            f" ORDER BY created_at DESC, id DESC LIMIT 1{self.for_update}",
            account_id,
            phone,
        )
        return None if row is None else _verification(row)

    async def sent_since(self, phone: str, since: datetime) -> list[datetime]:
        rows = await self.db.fetch(
            "SELECT created_at FROM phone_verifications WHERE phone = $1 AND created_at > $2",
            phone,
            since,
        )
        return [row["created_at"] for row in rows]

    async def save(self, verification: PhoneVerification) -> None:
        await self.db.execute(
            "UPDATE phone_verifications SET wrong_tries = $2, consumed_at = $3 WHERE id = $1",
            verification.id,
            verification.wrong_tries,
            verification.consumed_at,
        )


_TOKEN = "id, family_id, account_id, token_hash, created_at, expires_at, used_at, revoked_at"


def _token(row: Row) -> RefreshToken:
    return RefreshToken(
        id=row["id"],
        family_id=row["family_id"],
        account_id=AccountId(row["account_id"]),
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlRefreshTokens(SqlRepository):
    async def add(self, token: RefreshToken) -> None:
        t = token
        await self.db.execute(
            f"INSERT INTO refresh_tokens ({_TOKEN}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            t.id,
            t.family_id,
            t.account_id,
            t.token_hash,
            t.created_at,
            t.expires_at,
            t.used_at,
            t.revoked_at,
        )

    async def find(self, token_hash: str) -> RefreshToken | None:
        """Locked on PostgreSQL: two refreshes with one token cannot both rotate it."""
        row = await self.db.fetchrow(
            f"SELECT {_TOKEN} FROM refresh_tokens WHERE token_hash = $1{self.for_update}",
            token_hash,
        )
        return None if row is None else _token(row)

    async def save(self, token: RefreshToken) -> None:
        await self.db.execute(
            "UPDATE refresh_tokens SET used_at = $2, revoked_at = $3 WHERE id = $1",
            token.id,
            token.used_at,
            token.revoked_at,
        )

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        await self.db.execute(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
            family_id,
            now,
        )
