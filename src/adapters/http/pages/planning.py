"""The planner on the participants page: what it recommends, how waits would go, apply it.

Both answers are HTMX fragments for the planner's panel. Running a plan stores nothing;
applying one gives everyone not served yet a point and a time slot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.response import Template

from adapters.http.deps import PlatformDep
from adapters.http.distribution_schemas import PlanOut, PointPlanOut
from adapters.http.pages.layout import form_fields, int_field, render, slot_field
from adapters.http.pages.session import SignedIn
from core.distribution import desk, services
from core.distribution.capacity import MeanWaitTarget
from core.distribution.model import ConferenceId
from core.shared.errors import ValidationFailed


class PlanningPages(Controller):
    path = "/conferences/{conference_id:uuid}/plan"
    include_in_schema = False

    @post("/")
    async def run(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        fields = await form_fields(request)
        slot = slot_field(fields)
        wait = int_field(fields, "mean_wait", 60)
        if not 1 <= wait <= 3600:
            raise ValidationFailed("the target wait is from 1 to 3600 seconds", field="mean_wait")
        report = await desk.plan_conference(
            ConferenceId(conference_id), MeanWaitTarget(timedelta(seconds=wait)),
            slot_length=slot, actor=signed_in, uow=platform.new_uow(),
        )  # fmt: skip
        points = await services.list_points(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        return render(
            request,
            "distribution/_plan.html",
            {
                "conference_id": conference_id,
                "plan": PlanOut.of(report),
                "names": {p.id: p.name for p in points},
                "slot_minutes": int(slot.total_seconds() // 60),
            },
        )

    @post("/apply")
    async def apply(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        fields = await form_fields(request)
        plan = await desk.apply_plan(
            ConferenceId(conference_id), slot_length=slot_field(fields), actor=signed_in,
            uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        points = await services.list_points(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        return render(
            request,
            "distribution/_plan_applied.html",
            {
                "assigned": len(plan.assignments),
                "loads": [PointPlanOut.of(load) for load in plan.loads],
                "names": {p.id: p.name for p in points},
            },
        )
