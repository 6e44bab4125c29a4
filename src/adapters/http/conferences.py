"""Conferences over HTTP: the conference, its pickup points and stock, its staff, planning.

Only the organiser and the staff they invited see a conference; for everyone else it does
not exist (404). Staff may look; changes are the organiser's (403 for staff).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import PlatformDep
from adapters.http.distribution_schemas import (
    AcceptIn,
    AppliedOut,
    ApplyPlanIn,
    ConferenceIn,
    ConferenceList,
    ConferenceOut,
    ConferencePatch,
    InvitationIn,
    PlanIn,
    PlanOut,
    PointIn,
    PointList,
    PointOut,
    PointPatch,
    PointPlanOut,
    StaffInvitationOut,
    StaffList,
    StaffOut,
    StockMoveIn,
)
from adapters.http.problems import problem_responses
from core.distribution import desk, services
from core.distribution.capacity import MeanWaitTarget, WaitOverTarget, WaitTarget
from core.distribution.model import ConferenceId, PointId, Role
from core.identity.model import AccountId
from core.shared.errors import ValidationFailed

OWN = problem_responses(401, 403, 404, 409, 422)


def _target(data: PlanIn) -> WaitTarget:
    if data.target_probability is not None or data.target_over_seconds is not None:
        if data.target_probability is None or data.target_over_seconds is None:
            raise ValidationFailed(
                "give both target_over_seconds and target_probability", field="target"
            )
        return WaitOverTarget(timedelta(seconds=data.target_over_seconds), data.target_probability)
    return MeanWaitTarget(timedelta(seconds=data.target_mean_wait_seconds or 60))


class ConferencesController(Controller):
    path = "/api/v1/conferences"
    tags = ["conferences"]
    security = BEARER

    @post("/", status_code=201, operation_id="createConference", responses=OWN)
    async def create(
        self, data: JSONBody[ConferenceIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> ConferenceOut:
        """Start a conference; the caller is its organiser."""
        conference = await services.create_conference(
            services.NewConference(
                account_id, data.title, data.venue, data.handout_starts_at,
                data.handout_ends_at, data.time_zone, timedelta(seconds=data.service_seconds),
            ),
            uow=platform.new_uow(),
            clock=platform.clock,
        )  # fmt: skip
        return ConferenceOut.of(conference, Role.ORGANISER)

    @get("/", operation_id="myConferences", responses=problem_responses(401))
    async def mine(self, platform: PlatformDep, account_id: CurrentAccount) -> ConferenceList:
        """Conferences the caller organises or staffs, newest first."""
        found = await services.my_conferences(account_id, uow=platform.new_uow())
        return ConferenceList([ConferenceOut.of(c, role) for c, role in found])

    @get("/{conference_id:uuid}", operation_id="getConference", responses=OWN)
    async def one(
        self, conference_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ConferenceOut:
        conference, standing = await services.get_conference(
            ConferenceId(conference_id), actor=account_id, uow=platform.new_uow()
        )
        return ConferenceOut.of(conference, standing.role)

    @patch("/{conference_id:uuid}", operation_id="editConference", responses=OWN)
    async def edit(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[ConferencePatch],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ConferenceOut:
        conference = await services.edit_conference(
            ConferenceId(conference_id), data.to_core(), actor=account_id,
            uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return ConferenceOut.of(conference, Role.ORGANISER)

    @post("/{conference_id:uuid}/points", status_code=201, operation_id="addPoint", responses=OWN)
    async def add_point(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[PointIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> PointOut:
        point = await services.add_point(
            services.NewPoint(ConferenceId(conference_id), data.name, data.location,
                              data.desks, data.stock),
            actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return PointOut.of(point)

    @get("/{conference_id:uuid}/points", operation_id="listPoints", responses=OWN)
    async def points(
        self, conference_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> PointList:
        found = await services.list_points(
            ConferenceId(conference_id), actor=account_id, uow=platform.new_uow()
        )
        return PointList([PointOut.of(p) for p in found])

    @patch("/{conference_id:uuid}/points/{point_id:uuid}", operation_id="editPoint", responses=OWN)
    async def edit_point(
        self,
        conference_id: FromPath[UUID],
        point_id: FromPath[UUID],
        data: JSONBody[PointPatch],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> PointOut:
        """Rename, resize, restock, close (`is_open: false`) or reopen a point."""
        point = await services.edit_point(
            ConferenceId(conference_id), PointId(point_id), data.to_core(), actor=account_id,
            uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return PointOut.of(point)

    @post("/{conference_id:uuid}/stock/move", operation_id="moveStock", responses=OWN)
    async def move_stock(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[StockMoveIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> PointList:
        """Carry packs from one point to another."""
        moved = await services.move_stock(
            ConferenceId(conference_id), PointId(data.from_point_id), PointId(data.to_point_id),
            data.packs, actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return PointList([PointOut.of(p) for p in moved])

    @post("/{conference_id:uuid}/plan", status_code=200, operation_id="plan", responses=OWN)
    async def plan(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[PlanIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> PlanOut:
        """Desks recommended for everyone not served yet (Erlang C), and how the current
        points would do with time slots against an alphabetical split (simulated)."""
        report = await desk.plan_conference(
            ConferenceId(conference_id), _target(data),
            slot_length=timedelta(minutes=data.slot_minutes), seed=data.seed,
            actor=account_id, uow=platform.new_uow(),
        )  # fmt: skip
        return PlanOut.of(report)

    @post(
        "/{conference_id:uuid}/plan/apply",
        status_code=200,
        operation_id="applyPlan",
        responses=OWN,
    )
    async def apply(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[ApplyPlanIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> AppliedOut:
        """Give everyone not served yet a point and a time slot, and store it."""
        plan = await desk.apply_plan(
            ConferenceId(conference_id), slot_length=timedelta(minutes=data.slot_minutes),
            actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        loads = [PointPlanOut.of(load) for load in plan.loads]
        return AppliedOut(len(plan.assignments), loads)

    @post(
        "/{conference_id:uuid}/staff/invitations",
        status_code=201,
        operation_id="inviteStaff",
        responses=OWN,
    )
    async def invite(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[InvitationIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> StaffInvitationOut:
        """A single-use link for a helper (for one point, or the whole conference)."""
        invitation, token = await services.invite_staff(
            ConferenceId(conference_id), Role(data.role),
            PointId(data.point_id) if data.point_id else None,
            actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        url = f"{platform.settings.public_url}/staff/join?token={token}"
        return StaffInvitationOut(token, url, invitation.expires_at)

    @post("/staff/accept", status_code=200, operation_id="acceptStaffInvitation", responses=OWN)
    async def accept(
        self, data: JSONBody[AcceptIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> StaffOut:
        member = await services.accept_invitation(
            data.token, actor=account_id, uow=platform.new_uow(), clock=platform.clock
        )
        return StaffOut.of(member)

    @get("/{conference_id:uuid}/staff", operation_id="listStaff", responses=OWN)
    async def staff(
        self, conference_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> StaffList:
        members = await services.list_staff(
            ConferenceId(conference_id), actor=account_id, uow=platform.new_uow()
        )
        return StaffList([StaffOut.of(m) for m in members])

    @delete(
        "/{conference_id:uuid}/staff/{member_id:uuid}",
        status_code=204,
        operation_id="removeStaff",
        responses=OWN,
    )
    async def remove_staff(
        self,
        conference_id: FromPath[UUID],
        member_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> None:
        await services.remove_staff(
            ConferenceId(conference_id), AccountId(member_id), actor=account_id,
            uow=platform.new_uow(),
        )  # fmt: skip
