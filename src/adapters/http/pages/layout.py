"""What every organiser and desk page shares: its language, its CSRF token, its error pages.

`render` wraps Litestar's `Template` with the context all templates expect (`t`, `lang`,
`csrf_token`, `lang_url`, `hhmm`) and sets the language and CSRF cookies when they are new.
The error handlers answer in HTML: a refused page looks like a page, and a refused HTMX
request gets a short message for its target. A missing conference and one the caller may not
see both get the same "not found" page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from adapters.http.deps import provide_platform
from adapters.http.pages import i18n
from adapters.http.pages.session import (
    CSRF_COOKIE,
    CsrfRefused,
    SignInRequired,
    csrf_cookie,
    csrf_token_is_ours,
    current_session,
    login_url,
    new_csrf_token,
)
from adapters.http.problems import status_for, unexpected_error_to_response
from core.shared.errors import DomainError, NotFound, PermissionDenied, ValidationFailed

AnyRequest = Request[Any, Any, Any]
YEAR = 365 * 24 * 3600


def language(request: AnyRequest) -> str:
    return i18n.choose_language(
        request.query_params, request.cookies, request.headers.get("accept-language")
    )


def is_htmx(request: AnyRequest) -> bool:
    return request.headers.get("hx-request") == "true"


def hhmm(moment: datetime | None, zone: str = "UTC") -> str:
    """A moment as hours and minutes in the conference's time zone."""
    return "" if moment is None else moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def day_and_time(moment: datetime | None, zone: str = "UTC") -> str:
    return "" if moment is None else moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def minutes_seconds(delta: timedelta) -> str:
    seconds = max(0, round(delta.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def translator(lang: str) -> Callable[..., str]:
    return partial(i18n.t, lang=lang)


def _lang_url(request: AnyRequest) -> Callable[[str], str]:
    def url(code: str) -> str:
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        return f"{request.url.path}?{urlencode({**query, 'lang': code})}"

    return url


def base_context(request: AnyRequest, csrf_token: str) -> dict[str, Any]:
    lang = language(request)
    return {
        "lang": lang,
        "t": translator(lang),
        "csrf_token": csrf_token,
        "lang_url": _lang_url(request),
        "languages": i18n.LANGUAGES,
        "hhmm": hhmm,
        "day_and_time": day_and_time,
        "htmx": is_htmx(request),
        "signed_in": current_session(request) is not None,
        "minutes_seconds": minutes_seconds,
    }


def render(
    request: AnyRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    cookies: Sequence[Cookie] = (),
    headers: dict[str, str] | None = None,
) -> Template:
    """A page (or fragment) with the shared context; new language/CSRF cookies are set."""
    platform = provide_platform(request.app.state)
    jar = list(cookies)
    token = request.cookies.get(CSRF_COOKIE)
    if not csrf_token_is_ours(token, platform.settings.secret_key):
        token = new_csrf_token(platform.settings.secret_key)
        jar.append(csrf_cookie(platform, token))
    chosen = i18n.pick(request.query_params.get("lang"))
    if chosen is not None and chosen != request.cookies.get(i18n.LANG_COOKIE):
        jar.append(Cookie(key=i18n.LANG_COOKIE, value=chosen, max_age=YEAR, samesite="lax"))
    return Template(
        template_name=template,
        context={**base_context(request, str(token)), **(context or {})},
        status_code=status,
        cookies=jar,
        headers=headers,
    )


def see_other(url: str, *, cookies: Sequence[Cookie] = ()) -> Redirect:
    """After a form: go (303) to the page that shows the result."""
    return Redirect(url, status_code=303, cookies=list(cookies))


# -- errors ----------------------------------------------------------------------------------


def error_page(request: AnyRequest, status: int, title_key: str, message: str) -> Template:
    template = "distribution/_message.html" if is_htmx(request) else "distribution/error.html"
    context = {"title_key": title_key, "message": message, "tone": "error"}
    return render(request, template, context, status=status)


def _sign_in(request: AnyRequest, exc: SignInRequired) -> Response[Any]:
    url = login_url(exc.back_to)
    if is_htmx(request):  # htmx follows redirects silently; ask it to load the page instead
        return Response(b"", status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


def _domain_error(request: AnyRequest, exc: DomainError) -> Template:
    t = translator(language(request))
    if isinstance(exc, NotFound):
        return error_page(request, 404, "error.not_found.title", t("error.not_found"))
    if isinstance(exc, CsrfRefused):
        return error_page(request, 403, "error.forbidden.title", t("error.csrf"))
    if isinstance(exc, PermissionDenied):
        return error_page(request, 403, "error.forbidden.title", t("error.forbidden"))
    title = "error.invalid.title" if isinstance(exc, ValidationFailed) else "error.conflict.title"
    return error_page(request, status_for(exc), title, exc.detail)


def _http_error(request: AnyRequest, exc: HTTPException) -> Template | Response[Any]:
    t = translator(language(request))
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    if exc.status_code in (404, 405):
        return error_page(request, 404, "error.not_found.title", t("error.not_found"))
    return error_page(request, exc.status_code, "error.invalid.title", str(exc.detail))


def _unexpected(request: AnyRequest, exc: Exception) -> Template:
    unexpected_error_to_response(request, exc)  # logs it, with the traceback scrubbed
    t = translator(language(request))
    return error_page(request, 500, "error.server.title", t("error.server"))


PAGE_ERRORS: ExceptionHandlersMap = {
    SignInRequired: _sign_in,
    DomainError: _domain_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}


# -- forms -----------------------------------------------------------------------------------


async def form_fields(request: AnyRequest) -> dict[str, str]:
    """The text fields of a posted form (files left out), trimmed."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def uuid_field(fields: dict[str, str], name: str) -> UUID | None:
    """An optional id from a form; a malformed one is refused as bad input."""
    value = fields.get(name, "")
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise ValidationFailed(f"{name} is not a valid id", field=name) from None


def local_datetime(value: str, zone: str | ZoneInfo, field: str, message: str) -> datetime:
    """A `datetime-local` form value read in the time zone `zone` (a value carrying its own
    offset keeps it); ValidationFailed(`message`) on `field` when it is not a date and time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(message, field=field) from None
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))


def int_field(fields: dict[str, str], name: str, default: int) -> int:
    value = fields.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number", field=name) from None


def slot_field(fields: dict[str, str]) -> timedelta:
    """The planner's time-slot length from a form's `slot_minutes` (default 15)."""
    minutes = int_field(fields, "slot_minutes", 15)
    if not 1 <= minutes <= 240:
        raise ValidationFailed("a time slot lasts from 1 to 240 minutes", field="slot_minutes")
    return timedelta(minutes=minutes)
