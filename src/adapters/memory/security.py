"""Fast stand-ins for hashing, tokens, phone numbers, one-time codes and SMS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from core.identity.model import Account, AccountId
from core.identity.services import SecretCodes
from core.shared.errors import Unauthenticated, ValidationFailed

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class FastPasswordHasher:
    """Salted SHA-256: fast for tests; never use it for real passwords (argon2 does that)."""

    def hash(self, password: str) -> str:
        salt = secrets.token_hex(8)
        return f"sha256${salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            _, salt, digest = password_hash.split("$")
        except ValueError:
            return False
        expected = hashlib.sha256((salt + password).encode()).hexdigest()
        return hmac.compare_digest(digest, expected)


class SimplePhoneNumbers:
    """Accepts numbers already close to E.164: strips spaces, dashes and brackets."""

    def normalise(self, raw: str) -> str:
        digits = re.sub(r"[\s\-()]", "", raw)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not _E164.match(digits):
            raise ValidationFailed(
                "phone must be in international format, e.g. +79991234567", field="phone"
            )
        return digits


@attrs.define
class FixedCodes:
    """Known codes for listed test phones; everyone else gets a random one."""

    fixed: dict[str, str] = attrs.field(factory=dict)
    fallback: SecretCodes = attrs.field(factory=SecretCodes)

    def new_code(self, phone: str) -> str:
        return self.fixed.get(phone) or self.fallback.new_code(phone)


@attrs.define
class MemorySmsSender:
    sent: list[tuple[str, str]] = attrs.field(factory=list)

    async def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


@attrs.define
class MemoryAccessTokens:
    """HMAC-signed `account:expiry` tokens with the same lifetime rules as the JWT adapter."""

    secret: bytes = attrs.field(factory=lambda: secrets.token_bytes(32))
    ttl: timedelta = timedelta(minutes=15)

    def issue(self, account: Account, now: datetime) -> tuple[str, datetime]:
        expires = now + self.ttl
        body = base64.urlsafe_b64encode(
            json.dumps({"sub": str(account.id), "exp": expires.timestamp()}).encode()
        ).decode()
        sig = hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()
        return f"{body}.{sig}", expires

    def verify(self, token: str, now: datetime) -> AccountId:
        try:
            body, sig = token.rsplit(".", 1)
            good = hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()
            claims = json.loads(base64.urlsafe_b64decode(body.encode()))
        except (ValueError, TypeError) as exc:
            raise Unauthenticated("access token is not valid") from exc
        if not hmac.compare_digest(sig, good):
            raise Unauthenticated("access token is not valid")
        if now.timestamp() >= claims["exp"]:
            raise Unauthenticated("access token has expired; refresh it")
        return AccountId(UUID(claims["sub"]))
