"""Accounts, phone verification codes and refresh-token families."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import NewType
from uuid import UUID

import attrs

from core.identity import events
from core.shared.errors import RateLimited, Unauthenticated, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7

AccountId = NewType("AccountId", UUID)

PASSWORD_MIN = 8
PASSWORD_MAX = 128
NAME_MAX = 200
EMAIL_MAX = 254
CODE_TTL = timedelta(minutes=10)
CODE_MAX_WRONG_TRIES = 5
SENDS_PER_WINDOW = 3
SEND_WINDOW = timedelta(minutes=10)
REFRESH_TTL = timedelta(days=30)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Role(enum.StrEnum):
    """What an account may do beyond booking; every account is a guest and may host."""

    GUEST = "guest"
    HOST = "host"
    ORGANISER = "organiser"
    VENUE_ADMIN = "venue_admin"
    SUPPORT = "support"
    PLATFORM_ADMIN = "platform_admin"


DEFAULT_ROLES = frozenset({Role.GUEST, Role.HOST})


class Language(enum.StrEnum):
    """The language an account is written to in (emails, reminders)."""

    EN = "en"
    RU = "ru"


def parse_language(raw: str) -> Language:
    try:
        return Language(raw.strip().lower())
    except ValueError:
        raise ValidationFailed("language must be 'en' or 'ru'", field="language") from None


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise ValidationFailed("email must look like name@example.org", field="email")
    return email


def check_full_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(f"full name must be 1 to {NAME_MAX} characters", field="full_name")
    return name


def check_password(password: str) -> str:
    """Length in characters, never truncated; argon2 takes the whole string."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ValidationFailed(
            f"password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters", field="password"
        )
    return password


@attrs.define
class Account(Aggregate):
    """A person using Stagedoor. The email is unique; so is the phone once verified."""

    id: AccountId
    full_name: str
    email: str
    password_hash: str = attrs.field(repr=False)
    created_at: datetime
    phone: str | None = None
    phone_verified_at: datetime | None = None
    roles: frozenset[Role] = DEFAULT_ROLES
    language: Language = Language.EN

    @property
    def phone_verified(self) -> bool:
        return self.phone is not None and self.phone_verified_at is not None

    def verify_phone(self, phone: str, now: datetime) -> None:
        self.phone = phone
        self.phone_verified_at = now
        self.record(
            events.PhoneVerified(
                event_id=uuid7(now), occurred_at=now, account_id=self.id, phone=phone
            )
        )

    def note_registration_attempt(self, now: datetime) -> None:
        """Someone tried to register with this email: tell the owner, tell the caller nothing."""
        self.record(
            events.RegistrationAttempted(event_id=uuid7(now), occurred_at=now, account_id=self.id)
        )


def hash_code(verification_id: UUID, code: str) -> str:
    return hashlib.sha256(f"{verification_id}:{code}".encode()).hexdigest()


@attrs.define
class PhoneVerification:
    """One code sent to one phone for one account; single use, short-lived, few tries."""

    id: UUID
    account_id: AccountId
    phone: str
    code_hash: str = attrs.field(repr=False)
    created_at: datetime
    expires_at: datetime
    wrong_tries: int = 0
    consumed_at: datetime | None = None

    @classmethod
    def issue(
        cls, account_id: AccountId, phone: str, code: str, now: datetime
    ) -> PhoneVerification:
        vid = uuid7(now)
        return cls(
            id=vid,
            account_id=account_id,
            phone=phone,
            code_hash=hash_code(vid, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )

    def check(self, code: str, now: datetime) -> bool:
        """True and consumed when the code is right; counts a wrong try otherwise.

        Raises when the code can no longer be used at all (spent, expired, too many tries).
        """
        if self.consumed_at is not None:
            raise ValidationFailed("this code was already used; request a new one", field="code")
        if now >= self.expires_at:
            raise ValidationFailed("this code has expired; request a new one", field="code")
        if self.wrong_tries >= CODE_MAX_WRONG_TRIES:
            raise ValidationFailed("too many wrong tries; request a new code", field="code")
        if hmac.compare_digest(self.code_hash, hash_code(self.id, code)):
            self.consumed_at = now
            return True
        self.wrong_tries += 1
        return False

    @property
    def tries_left(self) -> int:
        return max(0, CODE_MAX_WRONG_TRIES - self.wrong_tries)


def check_send_allowed(sent_at: list[datetime], now: datetime) -> None:
    """At most SENDS_PER_WINDOW codes per phone in any SEND_WINDOW."""
    recent = sorted(t for t in sent_at if t > now - SEND_WINDOW)
    if len(recent) >= SENDS_PER_WINDOW:
        wait = recent[-SENDS_PER_WINDOW] + SEND_WINDOW - now
        raise RateLimited(
            "too many codes sent to this phone; try again later",
            retry_after=max(1, int(wait.total_seconds()) + 1),
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@attrs.define
class RefreshToken:
    """One link of a rotating refresh-token chain; reusing a spent link burns the family."""

    id: UUID
    family_id: UUID
    account_id: AccountId
    token_hash: str = attrs.field(repr=False)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def spend(self, now: datetime) -> None:
        if self.revoked_at is not None or now >= self.expires_at:
            raise Unauthenticated("refresh token expired or revoked; log in again")
        self.used_at = now


@attrs.frozen
class Session:
    """What a successful login or refresh hands back."""

    account_id: AccountId
    access_token: str = attrs.field(repr=False)
    access_expires_at: datetime
    refresh_token: str = attrs.field(repr=False)
    refresh_expires_at: datetime
