"""JWT access tokens (HS256, 15 minutes) signed with the service's secret key."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import jwt

from core.identity.model import Account, AccountId
from core.shared.errors import Unauthenticated

ISSUER = "stagedoor"


CHECKED_MAX = 4096
"""Tokens remembered as verified; a client presents the same one for its 15 minutes."""


class JwtAccessTokens:
    """Issues and verifies access tokens. A token verified once is remembered (its subject
    and expiry, by the token's exact text) so that its signature is not checked again on every
    request; expiry is still checked against the clock each time."""

    def __init__(self, secret: str, ttl: timedelta = timedelta(minutes=15)) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self.ttl = ttl
        self._checked: dict[str, tuple[AccountId, float]] = {}

    def issue(self, account: Account, now: datetime) -> tuple[str, datetime]:
        expires = now + self.ttl
        claims = {
            "sub": str(account.id),
            "iss": ISSUER,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "roles": sorted(r.value for r in account.roles),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256"), expires

    def verify(self, token: str, now: datetime) -> AccountId:
        known = self._checked.get(token)
        if known is None:
            known = self._decode(token)
            if len(self._checked) >= CHECKED_MAX:
                self._checked.clear()  # cheaper than LRU bookkeeping; refilled as used
            self._checked[token] = known
        subject, expires = known
        if now.timestamp() >= expires:
            raise Unauthenticated("access token has expired; refresh it")
        return subject

    def _decode(self, token: str) -> tuple[AccountId, float]:
        """Check the signature and claims; the subject and the expiry."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={
                    "require": ["sub", "exp", "iat"],
                    "verify_exp": False,  # checked below against the Clock port
                    "verify_iat": False,
                },
            )
            subject = UUID(claims["sub"])
            expires = float(claims["exp"])
        except (jwt.InvalidTokenError, ValueError, KeyError, TypeError) as exc:
            raise Unauthenticated("access token is not valid") from exc
        return AccountId(subject), expires
