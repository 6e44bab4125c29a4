"""Signing in and out of the pages: an email and password form, and a session cookie."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import form_fields, render, see_other
from adapters.http.pages.session import (
    SESSION_TTL,
    PageSession,
    cleared_session_cookie,
    current_session,
    safe_next,
    session_cookie,
)
from core.identity import services
from core.identity.commands import Login
from core.shared.errors import Unauthenticated

NextUrl = Annotated[str | None, QueryParameter(name="next", required=False, max_length=2000)]


class SignInPages(Controller):
    include_in_schema = False

    @get("/login")
    async def form(
        self,
        request: Request[Any, Any, Any],
        next_url: NextUrl = None,
        signed_out: FromQuery[int] = 0,
    ) -> Template | Redirect:
        if current_session(request) is not None:
            return see_other(safe_next(next_url))
        return render(
            request,
            "distribution/login.html",
            {"next": safe_next(next_url), "signed_out": bool(signed_out), "email": ""},
        )

    @post("/login", status_code=303)
    async def sign_in(
        self, request: Request[Any, Any, Any], platform: PlatformDep
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            account = await services.authenticate(
                Login(fields.get("email", ""), fields.get("password", "")),
                uow=platform.new_uow(),
                hasher=platform.hasher,
            )
        except Unauthenticated:
            context = {"next": safe_next(fields.get("next")), "email": fields.get("email", "")}
            return render(
                request, "distribution/login.html", {**context, "failed": True}, status=401
            )
        page = PageSession(account.id, platform.clock.now() + SESSION_TTL)
        return see_other(safe_next(fields.get("next")), cookies=[session_cookie(platform, page)])

    @post("/logout", status_code=303)
    async def sign_out(self, platform: PlatformDep) -> Redirect:
        return see_other("/login?signed_out=1", cookies=[cleared_session_cookie(platform)])
