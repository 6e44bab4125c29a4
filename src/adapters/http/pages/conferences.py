"""The list of my conferences, a form to start one, and accepting a staff invitation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.i18n import t
from adapters.http.pages.layout import (
    form_fields,
    int_field,
    language,
    local_datetime,
    render,
    see_other,
)
from adapters.http.pages.session import SignedIn
from core.distribution import services
from core.distribution.model import Role
from core.shared.errors import ValidationFailed

EMPTY_FORM = {"title": "", "venue": "", "starts": "", "ends": "", "zone": "UTC", "service": "30"}


def new_conference(fields: dict[str, str], organiser: Any, message: str) -> services.NewConference:
    zone = fields.get("zone") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {zone!r}; use an IANA name like Europe/Moscow", field="zone"
        ) from None
    return services.NewConference(
        organiser_id=organiser,
        title=fields.get("title", ""),
        venue=fields.get("venue", ""),
        handout_starts_at=local_datetime(fields.get("starts", ""), zone, "starts", message),
        handout_ends_at=local_datetime(fields.get("ends", ""), zone, "ends", message),
        time_zone=zone,
        service_time=timedelta(seconds=int_field(fields, "service", 30)),
    )


class ConferencePages(Controller):
    path = "/conferences"
    include_in_schema = False

    @get("/")
    async def mine(
        self, request: Request[Any, Any, Any], platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        return await _list(request, platform, signed_in, EMPTY_FORM)

    @post("/", status_code=303)
    async def create(
        self, request: Request[Any, Any, Any], platform: PlatformDep, signed_in: SignedIn
    ) -> Template | Redirect:
        fields = await form_fields(request)
        message = t("conferences.bad_time", language(request))
        try:
            conference = await services.create_conference(
                new_conference(fields, signed_in, message),
                uow=platform.new_uow(),
                clock=platform.clock,
            )
        except ValidationFailed as exc:
            return await _list(request, platform, signed_in, fields, error=exc.detail, status=422)
        return see_other(f"/conferences/{conference.id}")


async def _list(
    request: Request[Any, Any, Any],
    platform: PlatformDep,
    account: Any,
    form: dict[str, str],
    *,
    error: str = "",
    status: int = 200,
) -> Template:
    found = await services.my_conferences(account, uow=platform.new_uow())
    return render(
        request,
        "distribution/conferences.html",
        {"conferences": found, "form": {**EMPTY_FORM, **form}, "error": error},
        status=status,
    )


class StaffJoinPages(Controller):
    path = "/staff/join"
    include_in_schema = False

    @get("/")
    async def invitation(
        self, request: Request[Any, Any, Any], signed_in: SignedIn, token: FromQuery[str] = ""
    ) -> Template:
        return render(request, "distribution/join.html", {"token": token[:200]})

    @post("/", status_code=303)
    async def accept(
        self, request: Request[Any, Any, Any], platform: PlatformDep, signed_in: SignedIn
    ) -> Redirect:
        fields = await form_fields(request)
        member = await services.accept_invitation(
            fields.get("token", ""), actor=signed_in, uow=platform.new_uow(), clock=platform.clock
        )
        where = "" if member.role is Role.ORGANISER else "/desk"
        return see_other(f"/conferences/{member.conference_id}{where}")
