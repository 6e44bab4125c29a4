"""The desk: find a participant as you type, confirm the hand-over with Enter.

The page asks for a pickup point first (staff tied to one point go straight to theirs). The
search box fetches `desk/search` fragments as one types; `desk/confirm` hands the pack over
and answers with the outcome: "Handed over" and the time, or where and when someone else
already did it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.i18n import t
from adapters.http.pages.layout import form_fields, hhmm, language, render, see_other, uuid_field
from adapters.http.pages.session import SignedIn
from core.distribution import participants as participant_list
from core.distribution import services
from core.distribution.desk import deliver_pack
from core.distribution.model import (
    AlreadyDelivered,
    ConferenceId,
    ParticipantId,
    PickupPoint,
    PointId,
)
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.paging import PageRequest

RESULTS = 8


class DeskPages(Controller):
    path = "/conferences/{conference_id:uuid}/desk"
    include_in_schema = False

    @get("/")
    async def desk(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
        point: FromQuery[UUID | None] = None,
    ) -> Template | Redirect:
        conference, standing = await services.get_conference(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        if standing.point_id is not None and point != standing.point_id:
            return see_other(f"/conferences/{conference_id}/desk?point={standing.point_id}")
        points = await services.list_points(conference.id, actor=signed_in, uow=platform.new_uow())
        chosen = _point(points, point) if point else None
        return render(
            request,
            "distribution/desk.html",
            {"conference": conference, "standing": standing, "points": points, "point": chosen},
        )

    @get("/search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
        point: FromQuery[UUID],
        q: FromQuery[str] = "",
    ) -> Template:
        conference, _ = await services.get_conference(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        people: list[Any] = []
        more = False
        if q.strip():
            found = await participant_list.find_participants(
                conference.id, q[:200], PageRequest(limit=RESULTS), actor=signed_in,
                uow=platform.new_uow(),
            )  # fmt: skip
            people, more = list(found.items), found.next_cursor is not None
        points = await services.list_points(conference.id, actor=signed_in, uow=platform.new_uow())
        return render(
            request,
            "distribution/_desk_results.html",
            {
                "conference": conference,
                "people": people,
                "more": more,
                "searched": bool(q.strip()),
                "point": _point(points, point),
                "names": {p.id: p.name for p in points},
            },
        )

    @post("/confirm")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        fields = await form_fields(request)
        participant_id, point_id = uuid_field(fields, "participant"), uuid_field(fields, "point")
        if participant_id is None or point_id is None:
            raise ValidationFailed("choose a participant and a pickup point")
        conference, _ = await services.get_conference(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        lang, zone = language(request), conference.time_zone
        context: dict[str, Any] = {"conference": conference}
        try:
            participant, repeated = await deliver_pack(
                conference.id, ParticipantId(participant_id), PointId(point_id),
                actor=signed_in, uow=platform.new_uow(), clock=platform.clock,
            )  # fmt: skip
        except AlreadyDelivered as exc:
            points = await services.list_points(
                conference.id, actor=signed_in, uow=platform.new_uow()
            )
            names = {p.id: p.name for p in points}
            where = names.get(exc.point_id, "?") if exc.point_id else "?"
            message = t("desk.already", lang, point=where, time=hhmm(exc.delivered_at, zone))
            person = await participant_list.get_participant(
                conference.id, ParticipantId(participant_id), actor=signed_in,
                uow=platform.new_uow(),
            )  # fmt: skip
            return _outcome(request, context, "refused", message, person.person.full_name, 409)
        except Conflict as exc:  # the point is closed or out of packs
            return _outcome(request, context, "refused", exc.detail, "", 409)
        key = "desk.repeated" if repeated else "desk.handed_over_at"
        message = t(key, lang, time=hhmm(participant.delivered_at, zone))
        return _outcome(request, context, "delivered", message, participant.person.full_name)


def _point(points: list[PickupPoint], point_id: UUID) -> PickupPoint:
    for point in points:
        if point.id == point_id:
            return point
    raise NotFound("pickup point not found")


def _outcome(
    request: Request[Any, Any, Any],
    context: dict[str, Any],
    state: str,
    message: str,
    who: str,
    status: int = 200,
) -> Template:
    return render(
        request,
        "distribution/_desk_outcome.html",
        {**context, "state": state, "message": message, "who": who},
        status=status,
    )
