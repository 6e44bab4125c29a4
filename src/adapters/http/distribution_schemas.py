"""Request and response bodies of the conference pack hand-out API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas import NO_NUL
from core.distribution import model as d
from core.distribution.capacity import DeskLayout
from core.distribution.desk import ConferenceFigures, PlanReport, PointFigures, Rebalance
from core.distribution.model import (
    Conference,
    ConferenceChanges,
    Participant,
    Person,
    PickupPoint,
    PointChanges,
    Role,
    StaffMember,
)
from core.distribution.planner import PointLoad
from core.distribution.queues import QueueStats


def _text(low: int, high: int) -> Meta:
    return Meta(min_length=low, max_length=high, pattern=NO_NUL)


Title = Annotated[str, _text(1, d.TITLE_MAX)]
Venue = Annotated[str, _text(0, d.TITLE_MAX)]
Name = Annotated[str, _text(1, d.NAME_MAX)]
OptName = Annotated[str, _text(0, d.NAME_MAX)]
Email = Annotated[str, _text(0, 254)]
Phone = Annotated[str, _text(0, 32)]
Zone = Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)]
ServiceSeconds = Annotated[int, Meta(ge=5, le=1800)]
Desks = Annotated[int, Meta(ge=1, le=d.DESKS_MAX)]
Stock = Annotated[int, Meta(ge=0, le=d.STOCK_MAX)]
Packs = Annotated[int, Meta(ge=1, le=d.STOCK_MAX)]
SlotMinutes = Annotated[int, Meta(ge=1, le=240)]


class ConferenceIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    handout_starts_at: datetime
    handout_ends_at: datetime
    venue: Venue = ""
    time_zone: Zone = "UTC"
    service_seconds: ServiceSeconds = 30


class ConferencePatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    venue: Venue | None = None
    handout_starts_at: datetime | None = None
    handout_ends_at: datetime | None = None
    time_zone: Zone | None = None
    service_seconds: ServiceSeconds | None = None

    def to_core(self) -> ConferenceChanges:
        seconds = self.service_seconds
        return ConferenceChanges(
            title=self.title,
            venue=self.venue,
            handout_starts_at=self.handout_starts_at,
            handout_ends_at=self.handout_ends_at,
            time_zone=self.time_zone,
            service_time=timedelta(seconds=seconds) if seconds is not None else None,
        )


class ConferenceOut(msgspec.Struct):
    id: UUID
    title: str
    venue: str
    handout_starts_at: datetime
    handout_ends_at: datetime
    time_zone: str
    service_seconds: int
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, c: Conference, role: Role) -> ConferenceOut:
        return cls(
            c.id, c.title, c.venue, c.handout_starts_at, c.handout_ends_at, c.time_zone,
            int(c.service_time.total_seconds()), role, c.created_at,
        )  # fmt: skip


class ConferenceList(msgspec.Struct):
    items: list[ConferenceOut]


class PointIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    location: Venue = ""
    desks: Desks = 1
    stock: Stock = 0


class PointPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    location: Venue | None = None
    desks: Desks | None = None
    stock: Stock | None = None
    is_open: bool | None = None

    def to_core(self) -> PointChanges:
        return PointChanges(**msgspec.structs.asdict(self))


class PointOut(msgspec.Struct):
    id: UUID
    name: str
    location: str
    desks: int
    stock: int
    is_open: bool

    @classmethod
    def of(cls, p: PickupPoint) -> PointOut:
        return cls(p.id, p.name, p.location, p.desks, p.stock, p.is_open)


class PointList(msgspec.Struct):
    items: list[PointOut]


class StockMoveIn(msgspec.Struct, forbid_unknown_fields=True):
    from_point_id: UUID
    to_point_id: UUID
    packs: Packs


class ParticipantIn(msgspec.Struct, forbid_unknown_fields=True):
    last_name: Name
    first_name: Name
    second_name: OptName = ""
    email: Email = ""
    phone: Phone = ""
    preferred_point_id: UUID | None = None

    def person(self) -> Person:
        return Person(self.last_name, self.first_name, self.second_name, self.email, self.phone)


class ParticipantOut(msgspec.Struct):
    id: UUID
    last_name: str
    first_name: str
    second_name: str
    email: str
    phone: str
    preferred_point_id: UUID | None
    assigned_point_id: UUID | None
    slot_starts_at: datetime | None
    slot_ends_at: datetime | None
    delivered: bool
    delivered_at: datetime | None
    delivered_point_id: UUID | None

    @classmethod
    def of(cls, p: Participant) -> ParticipantOut:
        who = p.person
        return cls(
            p.id, who.last_name, who.first_name, who.second_name, who.email, who.phone,
            p.preferred_point_id, p.assigned_point_id,
            p.slot.starts_at if p.slot else None, p.slot.ends_at if p.slot else None,
            p.delivered, p.delivered_at, p.delivered_point_id,
        )  # fmt: skip


class ParticipantPage(msgspec.Struct):
    items: list[ParticipantOut]
    next_cursor: str | None


class ProblemRow(msgspec.Struct):
    line: int
    message: str


class ImportOut(msgspec.Struct):
    added: int
    problems: list[ProblemRow]
    encoding: str
    delimiter: str


class DeliverIn(msgspec.Struct, forbid_unknown_fields=True):
    point_id: UUID


class DeliveryOut(msgspec.Struct):
    participant: ParticipantOut
    repeated: bool
    """True when this desk had already confirmed it: nothing new happened."""


class FiguresOut(msgspec.Struct):
    point_id: UUID | None
    name: str
    desks: int
    is_open: bool
    assigned: int
    remaining: int
    handed_out: int
    for_other_points: int
    last_5_min: int
    last_15_min: int
    estimated_queue: int
    estimated_wait_seconds: int
    stock: int

    @classmethod
    def of(cls, f: PointFigures) -> FiguresOut:
        p = f.point
        return cls(
            p.id if p else None, p.name if p else "total", p.desks if p else 0,
            p.is_open if p else True, f.assigned, f.remaining, f.handed_out,
            f.for_other_points, f.last_5_min, f.last_15_min, f.estimated_queue,
            round(f.estimated_wait.total_seconds()), f.stock,
        )  # fmt: skip


class StatsOut(msgspec.Struct):
    at: datetime
    points: list[FiguresOut]
    total: FiguresOut
    unassigned: int

    @classmethod
    def of(cls, figures: ConferenceFigures) -> StatsOut:
        return cls(
            figures.at,
            [FiguresOut.of(p) for p in figures.points],
            FiguresOut.of(figures.total),
            figures.unassigned,
        )


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    """Either a mean wait target or a P(wait > over) target; the default is mean ≤ 60 s."""

    target_mean_wait_seconds: Annotated[int, Meta(ge=1, le=3600)] | None = None
    target_over_seconds: Annotated[int, Meta(ge=0, le=3600)] | None = None
    target_probability: Annotated[float, Meta(gt=0, lt=1)] | None = None
    slot_minutes: SlotMinutes = 15
    seed: Annotated[int, Meta(ge=0, le=2**31)] = 0


class LayoutOut(msgspec.Struct):
    desks: int
    desks_per_point: list[int]
    utilisation: float
    mean_wait_seconds: float
    p_wait: float


class SimulatedOut(msgspec.Struct):
    mean_wait_seconds: float
    p95_wait_seconds: float
    max_queue: int

    @classmethod
    def of(cls, stats: QueueStats | None) -> SimulatedOut | None:
        if stats is None:
            return None
        return cls(round(stats.mean_wait, 1), round(stats.p95_wait, 1), stats.max_queue)


class PointPlanOut(msgspec.Struct):
    point_id: UUID
    planned: int
    capacity: int
    fill: float

    @classmethod
    def of(cls, load: PointLoad) -> PointPlanOut:
        return cls(load.point_id, load.total_load, load.total_capacity, round(load.fill, 3))


class PlanOut(msgspec.Struct):
    participants: int
    recommended: LayoutOut
    current: LayoutOut | None
    points: list[PointPlanOut]
    ours: SimulatedOut | None
    alphabetical: SimulatedOut | None
    unhonoured_preferences: int

    @classmethod
    def of(cls, report: PlanReport) -> PlanOut:
        plan = report.plan
        return cls(
            participants=report.participants,
            recommended=_layout(report.recommended),
            current=_layout(report.current) if report.current else None,
            points=[PointPlanOut.of(load) for load in (plan.loads if plan else ())],
            ours=SimulatedOut.of(report.ours),
            alphabetical=SimulatedOut.of(report.alphabetical),
            unhonoured_preferences=len(plan.unhonoured) if plan else 0,
        )


def _layout(layout: DeskLayout) -> LayoutOut:
    return LayoutOut(
        desks=layout.desks,
        desks_per_point=list(layout.desks_per_point),
        utilisation=round(layout.pooled.utilisation, 3),
        mean_wait_seconds=round(sum(p.share * p.figures.mean_wait for p in layout.points), 1),
        p_wait=round(sum(p.share * p.figures.p_wait for p in layout.points), 3),
    )


class ApplyPlanIn(msgspec.Struct, forbid_unknown_fields=True):
    slot_minutes: SlotMinutes = 15


class AppliedOut(msgspec.Struct):
    assigned: int
    points: list[PointPlanOut]


class RebalanceIn(msgspec.Struct, forbid_unknown_fields=True):
    from_point_id: UUID
    slot_minutes: SlotMinutes = 15


class MoveOut(msgspec.Struct):
    participant_id: UUID
    to_point_id: UUID
    slot_starts_at: datetime
    slot_ends_at: datetime


class RebalanceOut(msgspec.Struct):
    from_point_id: UUID
    moves: list[MoveOut]
    packs_needed: dict[str, int]
    applied: bool = False

    @classmethod
    def of(cls, r: Rebalance, applied: bool = False) -> RebalanceOut:
        return cls(
            r.from_point,
            [
                MoveOut(m.participant_id, m.to_point, m.slot.starts_at, m.slot.ends_at)
                for m in r.moves
            ],
            {str(k): v for k, v in r.packs_needed.items()},
            applied,
        )


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Literal["staff", "organiser"] = "staff"
    point_id: UUID | None = None


class StaffInvitationOut(msgspec.Struct):
    token: str
    url: str
    expires_at: datetime


class AcceptIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, Meta(min_length=8, max_length=128, pattern=NO_NUL)]


class StaffOut(msgspec.Struct):
    conference_id: UUID
    account_id: UUID
    role: Role
    point_id: UUID | None
    added_at: datetime

    @classmethod
    def of(cls, m: StaffMember) -> StaffOut:
        return cls(m.conference_id, m.account_id, m.role, m.point_id, m.added_at)


class StaffList(msgspec.Struct):
    items: list[StaffOut]
