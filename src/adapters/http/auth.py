"""Authentication: the bearer-token dependencies every controller uses, and the auth endpoints.

An access token is checked with the container's `AccessTokens` against the Clock port, never
the wall clock. Routes that need an account ask for `account_id`; public reads ask for
`viewer`, which is None for anonymous callers. A token that is sent but invalid is always a
401 (with `WWW-Authenticate: Bearer`), so a client knows to refresh instead of silently
seeing less.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from litestar.params import JSONBody, SkipValidation

from adapters.http.deps import Platform, PlatformDep
from adapters.http.problems import problem_responses
from adapters.http.schemas import (
    AccountOut,
    AccountPatch,
    LoginIn,
    PhoneStartIn,
    PhoneStartOut,
    PhoneVerifyIn,
    RefreshIn,
    RegisterIn,
    TokensOut,
)
from core.identity import services
from core.identity.commands import (
    ChooseLanguage,
    Login,
    RefreshSession,
    Register,
    StartPhoneVerification,
    VerifyPhone,
)
from core.identity.model import AccountId, Session
from core.shared.errors import Unauthenticated

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
"""OpenAPI security requirement of routes that need an access token."""
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]
"""Public reads: anonymous, or with a token to see what only that account may see."""


def _bearer_token(header: str | None) -> str | None:
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send the access token as `Authorization: Bearer <token>`")
    return token.strip()


def _verify(platform: Platform, token: str) -> AccountId:
    try:
        return platform.tokens.verify(token, platform.clock.now())
    except (ValueError, TypeError, KeyError) as exc:  # a token adapter's parsing slip
        raise Unauthenticated("access token is not valid") from exc


def provide_account(request: Request[Any, Any, Any], platform: PlatformDep) -> AccountId:
    """The calling account; 401 without a valid access token."""
    token = _bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated("sign in first: send `Authorization: Bearer <access token>`")
    return _verify(platform, token)


def provide_viewer(request: Request[Any, Any, Any], platform: PlatformDep) -> AccountId | None:
    """The calling account when a token is sent, None for anonymous callers."""
    token = _bearer_token(request.headers.get("authorization"))
    return None if token is None else _verify(platform, token)


AUTH_DEPENDENCIES = {
    "account_id": Provide(provide_account, sync_to_thread=False),
    "viewer": Provide(provide_viewer, sync_to_thread=False),
}

CurrentAccount = SkipValidation[AccountId]
Viewer = SkipValidation[AccountId | None]


def _seconds(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds()))


def tokens_out(session: Session, now: datetime) -> TokensOut:
    return TokensOut(
        access_token=session.access_token,
        expires_in=_seconds(session.access_expires_at - now),
        refresh_token=session.refresh_token,
        refresh_expires_in=_seconds(session.refresh_expires_at - now),
    )


class AuthController(Controller):
    """Accounts and sessions: register, log in, refresh, verify a phone, who am I."""

    path = "/api/v1"
    tags = ["auth"]

    @post(
        "/auth/register",
        status_code=201,
        operation_id="register",
        responses=problem_responses(422),
    )
    async def register(self, data: JSONBody[RegisterIn], platform: PlatformDep) -> AccountOut:
        """Create an account. A taken email gets the same answer; its owner is told instead."""
        account = await services.register(
            Register(data.full_name, data.email, data.password, data.phone, data.language),
            uow=platform.new_uow(),
            hasher=platform.hasher,
            phones=platform.phones,
            clock=platform.clock,
        )
        return AccountOut.of(account)

    @post("/auth/login", status_code=200, operation_id="login", responses=problem_responses(401))
    async def login(self, data: JSONBody[LoginIn], platform: PlatformDep) -> TokensOut:
        """Exchange email and password for tokens; a wrong email looks like a wrong password."""
        session = await services.login(
            Login(data.email, data.password),
            uow=platform.new_uow(),
            hasher=platform.hasher,
            tokens=platform.tokens,
            clock=platform.clock,
        )
        return tokens_out(session, platform.clock.now())

    @post(
        "/auth/refresh", status_code=200, operation_id="refresh", responses=problem_responses(401)
    )
    async def refresh(self, data: JSONBody[RefreshIn], platform: PlatformDep) -> TokensOut:
        """Rotate a refresh token; presenting a spent one revokes the whole login."""
        session = await services.refresh_session(
            RefreshSession(data.refresh_token),
            uow=platform.new_uow(),
            tokens=platform.tokens,
            clock=platform.clock,
        )
        return tokens_out(session, platform.clock.now())

    @post(
        "/auth/phone/start",
        status_code=202,
        operation_id="startPhoneVerification",
        security=BEARER,
        responses=problem_responses(401, 404, 409, 422, 429),
    )
    async def start_phone(
        self, data: JSONBody[PhoneStartIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> PhoneStartOut:
        """Send a one-time code to the phone (at most three per ten minutes)."""
        verification = await services.start_phone_verification(
            StartPhoneVerification(account_id, data.phone),
            uow=platform.new_uow(),
            phones=platform.phones,
            sms=platform.sms,
            codes=platform.codes,
            clock=platform.clock,
        )
        return PhoneStartOut(_seconds(verification.expires_at - verification.created_at))

    @post(
        "/auth/phone/verify",
        status_code=200,
        operation_id="verifyPhone",
        security=BEARER,
        responses=problem_responses(401, 404, 409, 422),
    )
    async def verify_phone(
        self, data: JSONBody[PhoneVerifyIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> AccountOut:
        """Check the code; five wrong tries spend it."""
        account = await services.verify_phone(
            VerifyPhone(account_id, data.phone, data.code),
            uow=platform.new_uow(),
            phones=platform.phones,
            clock=platform.clock,
        )
        return AccountOut.of(account)

    @get("/me", operation_id="me", security=BEARER, responses=problem_responses(401, 404))
    async def me(self, platform: PlatformDep, account_id: CurrentAccount) -> AccountOut:
        """The calling account."""
        return AccountOut.of(await services.get_account(account_id, uow=platform.new_uow()))

    @patch(
        "/me", operation_id="updateMe", security=BEARER, responses=problem_responses(401, 404, 422)
    )
    async def update_me(
        self, data: JSONBody[AccountPatch], platform: PlatformDep, account_id: CurrentAccount
    ) -> AccountOut:
        """Change the calling account's settings: the language its emails are written in."""
        account = await services.choose_language(
            ChooseLanguage(account_id, data.language), uow=platform.new_uow()
        )
        return AccountOut.of(account)
