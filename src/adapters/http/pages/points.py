"""The organiser's point controls on the dashboard: edit or close a point, carry packs
between points, and move the people still due at a point to the others.

Editing and moving packs are plain forms that come back to the dashboard (303), or show it
again with the refusal (422/409) and the typed values. Rebalancing is two HTMX fragments in
the dashboard's rebalance panel: the planner's proposal (nothing stored), then the applied
one, computed afresh at that moment as the JSON API does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.dashboard import dashboard_page
from adapters.http.pages.layout import (
    form_fields,
    int_field,
    render,
    see_other,
    slot_field,
    uuid_field,
)
from adapters.http.pages.session import SignedIn
from adapters.http.problems import status_for
from core.distribution import desk, services
from core.distribution.model import ConferenceId, PickupPoint, PointChanges, PointId
from core.shared.errors import Conflict, DomainError, ValidationFailed

AnyRequest = Request[Any, Any, Any]


def _point_id(fields: dict[str, str], name: str) -> PointId:
    value = uuid_field(fields, name)
    if value is None:
        raise ValidationFailed("choose a pickup point", field=name)
    return PointId(value)


def _changes(fields: dict[str, str]) -> PointChanges:
    state = fields.get("state", "")
    if state not in ("", "open", "closed"):
        raise ValidationFailed("a point is open or closed", field="state")
    return PointChanges(
        name=fields.get("name"),
        location=fields.get("location"),
        desks=int_field(fields, "desks", 0) if fields.get("desks") else None,
        stock=int_field(fields, "stock", 0) if fields.get("stock") else None,
        is_open=(state == "open") if state else None,
    )


class PointPages(Controller):
    path = "/conferences/{conference_id:uuid}"
    include_in_schema = False

    @post("/points/{point_id:uuid}", status_code=303)
    async def edit_point(
        self,
        request: AnyRequest,
        conference_id: FromPath[UUID],
        point_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            await services.edit_point(
                ConferenceId(conference_id), PointId(point_id), _changes(fields),
                actor=signed_in, uow=platform.new_uow(), clock=platform.clock,
            )  # fmt: skip
        except (ValidationFailed, Conflict) as exc:
            return await _refused(request, platform, conference_id, signed_in, exc, str(point_id))
        return see_other(f"/conferences/{conference_id}#manage")

    @post("/stock/move", status_code=303)
    async def move_stock(
        self,
        request: AnyRequest,
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            await services.move_stock(
                ConferenceId(conference_id), _point_id(fields, "from_point"),
                _point_id(fields, "to_point"), int_field(fields, "packs", 0), actor=signed_in,
                uow=platform.new_uow(), clock=platform.clock,
            )  # fmt: skip
        except (ValidationFailed, Conflict) as exc:
            return await _refused(request, platform, conference_id, signed_in, exc, "move")
        return see_other(f"/conferences/{conference_id}#manage")

    @post("/rebalance")
    async def propose(
        self,
        request: AnyRequest,
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        fields = await form_fields(request)
        slot = slot_field(fields)
        proposal = await _proposal(platform, conference_id, fields, slot, signed_in)
        return await _rebalance_fragment(request, platform, conference_id, signed_in, proposal,
                                         slot=slot)  # fmt: skip

    @post("/rebalance/apply")
    async def apply(
        self,
        request: AnyRequest,
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        fields = await form_fields(request)
        slot = slot_field(fields)
        proposal = await _proposal(platform, conference_id, fields, slot, signed_in)
        moved = await desk.apply_rebalance(
            proposal, ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow(),
            clock=platform.clock,
        )  # fmt: skip
        return await _rebalance_fragment(request, platform, conference_id, signed_in, proposal,
                                         slot=slot, moved=moved)  # fmt: skip


async def _proposal(
    platform: PlatformDep, conference_id: UUID, fields: dict[str, str], slot: timedelta, actor: Any
) -> desk.Rebalance:
    return await desk.propose_rebalance(
        ConferenceId(conference_id), _point_id(fields, "from_point"), slot_length=slot,
        actor=actor, uow=platform.new_uow(), clock=platform.clock,
    )  # fmt: skip


async def _rebalance_fragment(
    request: AnyRequest,
    platform: PlatformDep,
    conference_id: UUID,
    actor: Any,
    proposal: desk.Rebalance,
    *,
    slot: timedelta,
    moved: int | None = None,
) -> Template:
    points = await services.list_points(ConferenceId(conference_id), actor=actor,
                                        uow=platform.new_uow())  # fmt: skip
    by_id: dict[PointId, PickupPoint] = {p.id: p for p in points}
    targets = [
        {"point": point, "people": people, "short": max(0, people - point.stock)}
        for point_id, people in proposal.packs_needed.items()
        if (point := by_id.get(point_id)) is not None
    ]
    context = {
        "conference_id": conference_id,
        "from_point": by_id.get(proposal.from_point),
        "people": len(proposal.moves),
        "targets": targets,
        "slot_minutes": int(slot.total_seconds() // 60),
        "moved": moved,
    }
    return render(request, "distribution/_rebalance.html", context)


async def _refused(
    request: AnyRequest,
    platform: PlatformDep,
    conference_id: UUID,
    actor: Any,
    exc: DomainError,
    form: str,
) -> Template:
    """The dashboard again, with the refusal next to the form that caused it."""
    return await dashboard_page(
        request, platform, ConferenceId(conference_id), actor, status=status_for(exc),
        manage_error=exc.detail, manage_form=form,
    )  # fmt: skip
