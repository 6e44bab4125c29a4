"""JWT access tokens (HS256, 15 minutes) signed with the service's secret key."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import jwt

from core.identity.model import Account, AccountId
from core.shared.errors import Unauthenticated

ISSUER = "stagedoor"


class JwtAccessTokens:
    def __init__(self, secret: str, ttl: timedelta = timedelta(minutes=15)) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self.ttl = ttl

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
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthenticated("access token is not valid") from exc
        if now.timestamp() >= claims["exp"]:
            raise Unauthenticated("access token has expired; refresh it")
        return AccountId(subject)
