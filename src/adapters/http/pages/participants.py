"""The participant list: search, add, edit, delete, import a CSV file, export one.

Staff see and search the list; changing it is the organiser's (the core refuses others). A
form that breaks a rule comes back with the organiser's input and the reason.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.i18n import t
from adapters.http.pages.layout import form_fields, language, render, see_other, uuid_field
from adapters.http.pages.session import SignedIn
from adapters.http.participants import MAX_IMPORT_BYTES
from core.distribution import participants as participant_list
from core.distribution import roster, services
from core.distribution.model import ConferenceId, ParticipantId, Person, PointId
from core.distribution.participants import ImportReport
from core.shared.errors import ValidationFailed
from core.shared.paging import PageRequest

PAGE_SIZE = 50
PERSON_FIELDS = ("last_name", "first_name", "second_name", "email", "phone")
FILTERS = {"missing": False, "delivered": True}
NOTES = {"added": "participants.added", "saved": "participants.saved",
         "deleted": "participants.deleted"}  # fmt: skip

Text = Annotated[str, QueryParameter(required=False, max_length=200)]


def _person(fields: dict[str, str]) -> Person:
    return Person(*(fields.get(name, "") for name in PERSON_FIELDS))


class ParticipantPages(Controller):
    path = "/conferences/{conference_id:uuid}/participants"
    include_in_schema = False

    @get("/")
    async def listing(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
        q: Text = "",
        show: Text = "",
        cursor: Text = "",
        done: Text = "",
    ) -> Template:
        return await _listing(
            request, platform, ConferenceId(conference_id), signed_in,
            query={"q": q, "show": show, "cursor": cursor}, note=NOTES.get(done, ""),
        )  # fmt: skip

    @post("/", status_code=303)
    async def add(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        preferred = uuid_field(fields, "preferred_point")
        try:
            await participant_list.add_participant(
                ConferenceId(conference_id), _person(fields),
                PointId(preferred) if preferred else None,
                actor=signed_in, uow=platform.new_uow(), clock=platform.clock,
            )  # fmt: skip
        except ValidationFailed as exc:
            return await _listing(
                request, platform, ConferenceId(conference_id), signed_in,
                form=fields, error=exc.detail, status=422,
            )  # fmt: skip
        return see_other(f"/conferences/{conference_id}/participants?done=added")

    @get("/{participant_id:uuid}/edit")
    async def edit_form(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        conference, standing = await services.get_conference(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        standing.ensure_organiser()
        participant = await participant_list.get_participant(
            conference.id, ParticipantId(participant_id), actor=signed_in, uow=platform.new_uow()
        )
        form = {name: getattr(participant.person, name) for name in PERSON_FIELDS}
        return render(
            request,
            "distribution/participant_edit.html",
            {"conference": conference, "participant": participant, "form": form, "error": ""},
        )

    @post("/{participant_id:uuid}", status_code=303)
    async def save(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            await participant_list.edit_participant(
                ConferenceId(conference_id), ParticipantId(participant_id), _person(fields),
                actor=signed_in, uow=platform.new_uow(), clock=platform.clock,
            )  # fmt: skip
        except ValidationFailed as exc:
            conference, _ = await services.get_conference(
                ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
            )
            participant = await participant_list.get_participant(
                conference.id, ParticipantId(participant_id), actor=signed_in,
                uow=platform.new_uow(),
            )  # fmt: skip
            context = {"conference": conference, "participant": participant}
            return render(
                request,
                "distribution/participant_edit.html",
                {**context, "form": fields, "error": exc.detail},
                status=422,
            )
        return see_other(f"/conferences/{conference_id}/participants?done=saved")

    @post("/{participant_id:uuid}/delete", status_code=303)
    async def delete(
        self,
        conference_id: FromPath[UUID],
        participant_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Redirect:
        await participant_list.remove_participant(
            ConferenceId(conference_id), ParticipantId(participant_id), actor=signed_in,
            uow=platform.new_uow(), clock=platform.clock,
        )  # fmt: skip
        return see_other(f"/conferences/{conference_id}/participants?done=deleted")

    @post("/import", request_max_body_size=MAX_IMPORT_BYTES + 64 * 1024)
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        upload = (await request.form()).get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        if not data:
            return await _listing(
                request, platform, ConferenceId(conference_id), signed_in,
                import_error=t("import.no_file", language(request)), status=422,
            )  # fmt: skip
        try:
            report = await participant_list.import_participants(
                ConferenceId(conference_id), data, actor=signed_in, uow=platform.new_uow(),
                clock=platform.clock,
            )  # fmt: skip
        except ValidationFailed as exc:  # not a CSV file we can read at all
            return await _listing(
                request, platform, ConferenceId(conference_id), signed_in,
                import_error=exc.detail, status=422,
            )  # fmt: skip
        return await _listing(request, platform, ConferenceId(conference_id), signed_in,
                              report=report)  # fmt: skip

    @get("/export.csv")
    async def export_csv(
        self,
        conference_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
        show: Text = "",
        lang: Text = "en",
    ) -> Response[bytes]:
        conference, points, people = await participant_list.all_participants(
            ConferenceId(conference_id), actor=signed_in, uow=platform.new_uow()
        )
        delivered = FILTERS.get(show)
        rows = participant_list.export_rows(conference, points, people, delivered=delivered)
        language = "ru" if lang == "ru" else "en"
        text = roster.roster_csv(rows, lang=language)
        suffix = "" if delivered is None else ("-delivered" if delivered else "-missing")
        return Response(
            text.encode(roster.export_encoding(language)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="participants{suffix}.csv"'},
        )


async def _listing(
    request: Request[Any, Any, Any],
    platform: PlatformDep,
    conference_id: ConferenceId,
    account: Any,
    *,
    query: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    error: str = "",
    note: str = "",
    report: ImportReport | None = None,
    import_error: str = "",
    status: int = 200,
) -> Template:
    query = query or {"q": "", "show": "", "cursor": ""}
    conference, standing = await services.get_conference(
        conference_id, actor=account, uow=platform.new_uow()
    )
    points = await services.list_points(conference_id, actor=account, uow=platform.new_uow())
    page = await participant_list.find_participants(
        conference_id, query["q"], PageRequest.parse(query["cursor"] or None, PAGE_SIZE),
        delivered=FILTERS.get(query["show"]), actor=account, uow=platform.new_uow(),
    )  # fmt: skip
    context = {
        "conference": conference,
        "standing": standing,
        "points": points,
        "names": {p.id: p.name for p in points},
        "people": page.items,
        "next_cursor": page.next_cursor.encode() if page.next_cursor else "",
        "query": query,
        "form": {name: "" for name in PERSON_FIELDS} | (form or {}),
        "error": error,
        "note": note,
        "report": report,
        "import_error": import_error,
    }
    return render(request, "distribution/participants.html", context, status=status)
