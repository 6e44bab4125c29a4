"""Who is signed in on the pages, and whether a form really came from them.

The pages do not use the API's bearer tokens. Signing in sets `stagedoor_session`: the account
id and an expiry, HMAC-SHA256-signed with a key derived from the service's secret key
(HttpOnly, SameSite=Lax, Secure when the service is served over https). Nothing is stored on
the server, so a session ends at its expiry or when its cookie is dropped (signing out).

Every page POST carries a CSRF token (double submit): the same signed random token in the
`stagedoor_csrf` cookie and in the form field `csrf_token` or the `X-CSRF-Token` header (HTMX
sends it from `hx-headers`). A cross-site form cannot read the cookie, so it cannot repeat it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

import attrs
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers import BaseRouteHandler
from litestar.params import SkipValidation

from adapters.http.deps import Platform, provide_platform
from core.identity.model import AccountId
from core.shared.errors import PermissionDenied

SESSION_COOKIE = "stagedoor_session"
CSRF_COOKIE = "stagedoor_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL = timedelta(hours=12)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """Raised when a page needs an account and the request carries no valid session."""

    def __init__(self, back_to: str) -> None:
        super().__init__("sign in first")
        self.back_to = back_to


class CsrfRefused(PermissionDenied):
    """Raised when a page POST lacks the CSRF token of its cookie."""

    code = "csrf-refused"


@attrs.frozen
class PageSession:
    account_id: AccountId
    expires_at: datetime


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"stagedoor.pages.{purpose}".encode(), hashlib.sha256).digest()


def _mac(secret: str, purpose: str, text: str) -> str:
    digest = hmac.new(_key(secret, purpose), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def seal(session: PageSession, secret: str) -> str:
    """The cookie value of a session: `<account id>.<expiry, unix s>.<signature>`."""
    body = f"{session.account_id}.{int(session.expires_at.timestamp())}"
    return f"{body}.{_mac(secret, 'session', body)}"


def unseal(value: str | None, secret: str, now: datetime) -> PageSession | None:
    """The session in a cookie value, or None when it is absent, forged or expired."""
    if not value or value.count(".") != 2:
        return None
    account, expiry, mac = value.split(".")
    if not _same(mac, _mac(secret, "session", f"{account}.{expiry}")):
        return None
    try:
        session = PageSession(AccountId(UUID(account)), datetime.fromtimestamp(int(expiry), tz=UTC))
    except (ValueError, OverflowError, OSError):
        return None
    return session if now < session.expires_at else None


def new_csrf_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_mac(secret, 'csrf', nonce)}"


def csrf_token_is_ours(token: str | None, secret: str) -> bool:
    if not token or token.count(".") != 1:
        return False
    nonce, mac = token.split(".")
    return _same(mac, _mac(secret, "csrf", nonce))


def _same(sent: str, expected: str) -> bool:
    """Constant-time equality that also copes with whatever characters a client sent."""
    return hmac.compare_digest(sent.encode(), expected.encode())


def _secure(platform: Platform) -> bool:
    return platform.settings.public_url.startswith("https://")


def session_cookie(platform: Platform, session: PageSession) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=seal(session, platform.settings.secret_key),
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(platform),
    )


def cleared_session_cookie(platform: Platform) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE, value="", max_age=0, httponly=True, samesite="lax",
        secure=_secure(platform),
    )  # fmt: skip


def csrf_cookie(platform: Platform, token: str) -> Cookie:
    return Cookie(
        key=CSRF_COOKIE, value=token, httponly=True, samesite="lax", secure=_secure(platform)
    )


def current_session(request: ASGIConnection[Any, Any, Any, Any]) -> PageSession | None:
    platform = provide_platform(request.app.state)
    return unseal(
        request.cookies.get(SESSION_COOKIE), platform.settings.secret_key, platform.clock.now()
    )


def viewer_of(request: ASGIConnection[Any, Any, Any, Any]) -> AccountId | None:
    """Who is signed in on this request's page session, if anyone."""
    session = current_session(request)
    return None if session is None else session.account_id


def back_to(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Where the request was headed: its path and query, for `?next=` after signing in."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.url.path + (f"?{query}" if query else "")


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='')}"


def safe_next(value: str | None) -> str:
    """A local path to go back to after signing in; anything else goes to the list.

    Only printable ASCII without backslashes: browsers drop tabs and newlines from URLs and
    read `\\` as `/`, which would turn `/<tab>/evil.example` into another site's address.
    """
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and all("!" <= c <= "~" and c != "\\" for c in value)
    ):
        return value
    return "/conferences"


def provide_page_session(request: Request[Any, Any, Any]) -> PageSession:
    """The signed-in account of a page; otherwise off to the sign-in page (and back)."""
    session = current_session(request)
    if session is None:
        raise SignInRequired(back_to(request))
    return session


def provide_signed_in(page_session: SkipValidation[PageSession]) -> AccountId:
    return page_session.account_id


SignedIn = SkipValidation[AccountId]
CurrentPageSession = SkipValidation[PageSession]


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Every page request that changes something must repeat its CSRF cookie."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    secret = provide_platform(connection.app.state).settings.secret_key
    expected = connection.cookies.get(CSRF_COOKIE)
    sent = connection.headers.get(CSRF_HEADER)
    if not sent:
        # The form is read once here and kept in the connection state for the handler.
        form = await Request[Any, Any, Any](connection.scope, connection.receive).form()
        sent = form.get(CSRF_FIELD)
    if not (
        isinstance(sent, str)
        and expected
        and csrf_token_is_ours(expected, secret)
        and _same(sent, expected)
    ):
        raise CsrfRefused("the form's CSRF token is missing or does not match its cookie")
