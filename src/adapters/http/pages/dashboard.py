"""The organiser's dashboard: every point's load, stock, pace and queue, updated live.

`/conferences/{id}/live` is a Server-Sent Events stream of the rendered figures (`event:
figures`, HTML for htmx's SSE extension to swap in): at once, then within a second of every
hand-over or change in the conference (a tick on the live channel), and every 10 s regardless
since "the last 5 minutes" moves on by itself. The stream ends when the page's session
expires or the caller loses access to the conference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.types import SSEData

from adapters.http.deps import PlatformDep
from adapters.http.figures import figure_ticks
from adapters.http.pages.layout import (
    base_context,
    form_fields,
    int_field,
    render,
    see_other,
    uuid_field,
)
from adapters.http.pages.session import CurrentPageSession, PageSession, SignedIn
from core.distribution import desk, services
from core.distribution.model import Conference, ConferenceId, PointId, Role
from core.shared.errors import ValidationFailed

FIGURES = "distribution/_figures.html"


class DashboardPages(Controller):
    path = "/conferences/{conference_id:uuid}"
    include_in_schema = False

    @get("/")
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        return await dashboard_page(request, platform, ConferenceId(conference_id), signed_in)

    @get("/live")
    async def live(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        page_session: CurrentPageSession,
    ) -> ServerSentEvent:
        conference, _ = await services.get_conference(
            ConferenceId(conference_id), actor=page_session.account_id, uow=platform.new_uow()
        )  # a stranger gets the 404 before any stream starts
        return ServerSentEvent(_figures_stream(request, platform, conference, page_session))

    @post("/points", status_code=303)
    async def add_point(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            await services.add_point(
                services.NewPoint(
                    ConferenceId(conference_id), fields.get("name", ""),
                    fields.get("location", ""), int_field(fields, "desks", 1),
                    int_field(fields, "stock", 0),
                ),
                actor=signed_in, uow=platform.new_uow(), clock=platform.clock,
            )  # fmt: skip
        except ValidationFailed as exc:
            return await dashboard_page(
                request, platform, ConferenceId(conference_id), signed_in,
                point_error=exc.detail, point_form=fields, status=422,
            )  # fmt: skip
        return see_other(f"/conferences/{conference_id}")

    @post("/invitations")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        fields = await form_fields(request)
        point = uuid_field(fields, "point")
        _, token = await services.invite_staff(
            ConferenceId(conference_id), Role.STAFF, PointId(point) if point else None,
            actor=signed_in, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        link = f"{platform.settings.public_url}/staff/join?token={token}"
        return await dashboard_page(
            request, platform, ConferenceId(conference_id), signed_in, invitation=link
        )


async def dashboard_page(
    request: Request[Any, Any, Any],
    platform: PlatformDep,
    conference_id: ConferenceId,
    account: Any,
    *,
    status: int = 200,
    **extra: Any,
) -> Template:
    conference, standing = await services.get_conference(
        conference_id, actor=account, uow=platform.new_uow()
    )
    figures = await desk.conference_figures(
        conference_id, actor=account, uow=platform.new_uow(), clock=platform.clock
    )
    context = {
        "conference": conference,
        "standing": standing,
        "figures": figures,
        "points": [f.point for f in figures.points if f.point is not None],
        "point_form": {"name": "", "location": "", "desks": "1", "stock": "0"},
        "point_error": "",
        "invitation": "",
        "manage_error": "",
        "manage_form": "",
        **extra,
    }
    return render(request, "distribution/dashboard.html", context, status=status)


async def _figures_stream(
    request: Request[Any, Any, Any],
    platform: PlatformDep,
    conference: Conference,
    session: PageSession,
) -> AsyncIterator[SSEData]:
    """The figures fragment now, then after every tick of the live channel (or 10 s)."""
    template = request.app.template_engine.get_template(FIGURES)  # type: ignore[union-attr]
    context = {**base_context(request, ""), "conference": conference}
    ticks = figure_ticks(platform, conference.id, session.account_id, until=session.expires_at)
    async for figures in ticks:
        yield {"event": "figures", "data": template.render(**context, figures=figures)}
