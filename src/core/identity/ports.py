"""What identity needs from the outside world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.identity.model import Account, AccountId, PhoneVerification, RefreshToken
from core.shared.uow import UnitOfWork


class AccountRepository(Protocol):
    async def get(self, account_id: AccountId) -> Account: ...

    async def find_by_email(self, email: str) -> Account | None: ...

    async def find_by_verified_phone(self, phone: str) -> Account | None: ...

    async def add(self, account: Account) -> None: ...

    async def save(self, account: Account) -> None: ...


class PhoneVerificationRepository(Protocol):
    async def add(self, verification: PhoneVerification) -> None: ...

    async def latest(self, account_id: AccountId, phone: str) -> PhoneVerification | None: ...

    async def sent_since(self, phone: str, since: datetime) -> list[datetime]: ...

    async def save(self, verification: PhoneVerification) -> None: ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def find(self, token_hash: str) -> RefreshToken | None: ...

    async def save(self, token: RefreshToken) -> None: ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> None: ...


class IdentityUnitOfWork(UnitOfWork, Protocol):
    accounts: AccountRepository
    phone_verifications: PhoneVerificationRepository
    refresh_tokens: RefreshTokenRepository


class PasswordHasher(Protocol):
    """One-way password hashing (argon2id in production)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class PhoneNumbers(Protocol):
    """Turns what a person typed into E.164 (`+79990000001`) or raises ValidationFailed."""

    def normalise(self, raw: str) -> str: ...


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class CodeSource(Protocol):
    """Makes one-time codes; production draws 6 digits from `secrets`."""

    def new_code(self, phone: str) -> str: ...


class AccessTokens(Protocol):
    """Short-lived signed access tokens (JWT in production)."""

    def issue(self, account: Account, now: datetime) -> tuple[str, datetime]: ...

    def verify(self, token: str, now: datetime) -> AccountId: ...
