"""Participants over HTTP: the list (search, import, export), the desk, live figures.

`GET .../stats/stream` is a Server-Sent Events stream: the figures at once, then again
within a second of any hand-over or change in the conference (and every 10 s regardless,
since "the last 5 minutes" moves on by itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from litestar.types import SSEData

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import PlatformDep
from adapters.http.distribution_schemas import (
    DeliverIn,
    DeliveryOut,
    ImportOut,
    ParticipantIn,
    ParticipantOut,
    ParticipantPage,
    ProblemRow,
    RebalanceIn,
    RebalanceOut,
    StatsOut,
)
from adapters.http.events import Cursor, Limit
from adapters.http.figures import figure_ticks
from adapters.http.problems import problem_responses
from core.distribution import desk, roster, services
from core.distribution import participants as participant_list
from core.distribution.model import ConferenceId, ParticipantId, PointId
from core.identity.model import AccountId
from core.shared.paging import PageRequest

OWN = problem_responses(401, 403, 404, 409, 422)
MAX_IMPORT_BYTES = 10 * 1024 * 1024

Query = Annotated[
    str | None, QueryParameter(description="Prefix of a name part, email or phone", max_length=200)
]


class ParticipantsController(Controller):
    path = "/api/v1/conferences/{conference_id:uuid}"
    tags = ["participants"]
    security = BEARER

    @get("/participants", operation_id="listParticipants", responses=OWN)
    async def search(
        self,
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
        q: Query = None,
        delivered: FromQuery[bool | None] = None,
        point_id: FromQuery[UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ParticipantPage:
        """Search by any prefix of a name part, email or phone; every word must match, case
        does not matter, nor yo written as ye. Optionally only (un)delivered people, or those
        planned for one point."""
        page = await participant_list.find_participants(
            ConferenceId(conference_id), q or "", PageRequest.parse(cursor, limit),
            delivered=delivered, point_id=PointId(point_id) if point_id else None,
            actor=account_id, uow=platform.new_uow(),
        )  # fmt: skip
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        return ParticipantPage([ParticipantOut.of(p) for p in page.items], next_cursor)

    @post("/participants", status_code=201, operation_id="addParticipant", responses=OWN)
    async def add(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[ParticipantIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ParticipantOut:
        participant = await participant_list.add_participant(
            ConferenceId(conference_id), data.person(),
            PointId(data.preferred_point_id) if data.preferred_point_id else None,
            actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return ParticipantOut.of(participant)

    @get("/participants/{participant_id:uuid}", operation_id="getParticipant", responses=OWN)
    async def one(
        self,
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ParticipantOut:
        participant = await participant_list.get_participant(
            ConferenceId(conference_id), ParticipantId(participant_id), actor=account_id,
            uow=platform.new_uow(),
        )  # fmt: skip
        return ParticipantOut.of(participant)

    @patch("/participants/{participant_id:uuid}", operation_id="editParticipant", responses=OWN)
    async def edit(
        self,
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        data: JSONBody[ParticipantIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ParticipantOut:
        """Replace a participant's name and contacts."""
        participant = await participant_list.edit_participant(
            ConferenceId(conference_id), ParticipantId(participant_id), data.person(),
            actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return ParticipantOut.of(participant)

    @delete(
        "/participants/{participant_id:uuid}",
        status_code=204,
        operation_id="removeParticipant",
        responses=OWN,
    )
    async def remove(
        self,
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> None:
        await participant_list.remove_participant(
            ConferenceId(conference_id), ParticipantId(participant_id), actor=account_id,
            uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip

    @post(
        "/participants/import",
        status_code=200,
        operation_id="importParticipants",
        responses=problem_responses(401, 403, 404, 413, 422),
        request_max_body_size=MAX_IMPORT_BYTES + 1024,
    )
    async def import_csv(
        self,
        conference_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ImportOut:
        """Send the CSV file as the body (UTF-8 or cp1251, `;` or `,`, a header row). Good rows
        are added; each bad one is reported with its line number."""
        report = await participant_list.import_participants(
            ConferenceId(conference_id), await request.body(), actor=account_id,
            uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return ImportOut(
            report.added,
            [ProblemRow(p.line, p.message) for p in report.problems],
            report.encoding,
            report.delimiter,
        )

    @get(
        "/participants/export.csv",
        operation_id="exportParticipants",
        media_type="text/csv",
        responses=OWN,
    )
    async def export_csv(
        self,
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
        delivered: FromQuery[bool | None] = None,
        lang: FromQuery[str] = "en",
    ) -> Response[bytes]:
        """The list as CSV (`;`-separated; `lang=ru` for Russian headers, Excel-friendly)."""
        conference, points, people = await participant_list.all_participants(
            ConferenceId(conference_id), actor=account_id, uow=platform.new_uow()
        )
        rows = participant_list.export_rows(conference, points, people, delivered=delivered)
        language = "ru" if lang == "ru" else "en"
        text = roster.roster_csv(rows, lang=language)
        suffix = "" if delivered is None else ("-delivered" if delivered else "-missing")
        return Response(
            text.encode("utf-8-sig" if language == "ru" else "utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="participants{suffix}.csv"'},
        )

    @post(
        "/participants/{participant_id:uuid}/deliver",
        status_code=200,
        operation_id="deliverPack",
        responses=OWN,
    )
    async def deliver(
        self,
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        data: JSONBody[DeliverIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> DeliveryOut:
        """Confirm the hand-over at a point. Repeating it from the same desk returns the same
        result; anyone else gets a 409 saying where and when it already happened."""
        participant, repeated = await desk.deliver_pack(
            ConferenceId(conference_id), ParticipantId(participant_id), PointId(data.point_id),
            actor=account_id, uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return DeliveryOut(ParticipantOut.of(participant), repeated)

    @get("/stats", operation_id="conferenceStats", responses=OWN)
    async def stats(
        self, conference_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> StatsOut:
        """Per point: planned, remaining, handed out (in all, last 5 and 15 minutes, for
        other points), estimated queue and wait, stock left; and the totals."""
        figures = await desk.conference_figures(
            ConferenceId(conference_id), actor=account_id, uow=platform.new_uow(),
            clock=platform.clock,
        )  # fmt: skip
        return StatsOut.of(figures)

    @get(
        "/stats/stream",
        operation_id="conferenceStatsStream",
        media_type="text/event-stream",
        responses=OWN,
    )
    async def stream(
        self, conference_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> ServerSentEvent:
        """The same figures as Server-Sent Events (`event: stats`), pushed on every change."""
        await services.get_conference(  # a 404 before streaming
            ConferenceId(conference_id), actor=account_id, uow=platform.new_uow()
        )
        return ServerSentEvent(live_figures(platform, ConferenceId(conference_id), account_id))

    @post("/rebalance", status_code=200, operation_id="proposeRebalance", responses=OWN)
    async def rebalance(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[RebalanceIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> RebalanceOut:
        """Propose moving the people still due at a (closed or overloaded) point to the
        other open points, from now on, and the packs each will need. Nothing is stored."""
        return RebalanceOut.of(await _rebalance(platform, conference_id, data, account_id))

    @post("/rebalance/apply", status_code=200, operation_id="applyRebalance", responses=OWN)
    async def apply_rebalance(
        self,
        conference_id: FromPath[UUID],
        data: JSONBody[RebalanceIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> RebalanceOut:
        """Make the proposal (computed afresh) and store it."""
        proposal = await _rebalance(platform, conference_id, data, account_id)
        await desk.apply_rebalance(
            proposal, ConferenceId(conference_id), actor=account_id, uow=platform.new_uow(),
            clock=platform.clock,
        )  # fmt: skip
        return RebalanceOut.of(proposal, applied=True)


async def _rebalance(
    platform: PlatformDep, conference_id: UUID, data: RebalanceIn, account_id: AccountId
) -> desk.Rebalance:
    return await desk.propose_rebalance(
        ConferenceId(conference_id), PointId(data.from_point_id),
        slot_length=timedelta(minutes=data.slot_minutes), actor=account_id,
        uow=platform.new_uow(), clock=platform.clock,
    )  # fmt: skip


async def live_figures(
    platform: PlatformDep, conference_id: ConferenceId, actor: AccountId
) -> AsyncIterator[SSEData]:
    """The figures as `stats` events, now and on every change (see `figure_ticks`)."""
    async for figures in figure_ticks(platform, conference_id, actor):
        yield {"event": "stats", "data": msgspec.json.encode(StatsOut.of(figures)).decode()}
