"""Distribution repositories on SQL: conferences, points, participants (with their search
tokens), staff and staff invitations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.db.repository import SqlRepository, insert_rows, placeholders
from adapters.db.session import Row
from core.distribution import roster
from core.distribution.model import (
    Conference,
    ConferenceId,
    Participant,
    ParticipantId,
    Person,
    PickupPoint,
    PointId,
    Role,
    Slot,
    StaffInvitation,
    StaffMember,
)
from core.distribution.ports import ParticipantQuery, PointCounts
from core.identity.model import AccountId
from core.shared.errors import NotFound, ValidationFailed
from core.shared.paging import Cursor, Page, PageRequest

_CONFERENCE = (
    "id, organiser_id, title, venue, handout_starts_at, handout_ends_at, time_zone,"
    " service_seconds, created_at, updated_at"
)


def _conference(row: Row) -> Conference:
    return Conference(
        id=ConferenceId(row["id"]),
        organiser_id=AccountId(row["organiser_id"]),
        title=row["title"],
        venue=row["venue"],
        handout_starts_at=row["handout_starts_at"],
        handout_ends_at=row["handout_ends_at"],
        time_zone=row["time_zone"],
        service_time=timedelta(seconds=row["service_seconds"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _conference_values(c: Conference) -> list[Any]:
    return [
        c.id,
        c.organiser_id,
        c.title,
        c.venue,
        c.handout_starts_at,
        c.handout_ends_at,
        c.time_zone,
        int(c.service_time.total_seconds()),
        c.created_at,
        c.updated_at,
    ]


class SqlConferences(SqlRepository):
    async def add(self, conference: Conference) -> None:
        await self.db.execute(
            f"INSERT INTO conferences ({_CONFERENCE}) VALUES ({placeholders(1, 10)})",
            *_conference_values(conference),
        )
        self.track(conference)

    async def get(self, conference_id: ConferenceId) -> Conference:
        row = await self.db.fetchrow(
            f"SELECT {_CONFERENCE} FROM conferences WHERE id = $1", conference_id
        )
        if row is None:
            raise NotFound("conference not found")
        return self.track(_conference(row))

    async def save(self, conference: Conference) -> None:
        c = conference
        await self.db.execute(
            "UPDATE conferences SET title = $2, venue = $3, handout_starts_at = $4,"
            " handout_ends_at = $5, time_zone = $6, service_seconds = $7, updated_at = $8"
            " WHERE id = $1",
            c.id, c.title, c.venue, c.handout_starts_at, c.handout_ends_at, c.time_zone,
            int(c.service_time.total_seconds()), c.updated_at,
        )  # fmt: skip
        self.track(conference)

    async def of_account(self, account_id: AccountId) -> list[tuple[Conference, Role]]:
        rows = await self.db.fetch(
            f"SELECT {_CONFERENCE}, 'organiser' AS role FROM conferences WHERE organiser_id = $1"
            f" UNION ALL SELECT {', '.join('c.' + c.strip() for c in _CONFERENCE.split(','))},"
            " s.role FROM conferences c JOIN staff s ON s.conference_id = c.id"
            " WHERE s.account_id = $1 ORDER BY id DESC",
            account_id,
        )
        return [(_conference(row), Role(row["role"])) for row in rows]


_POINT = "id, conference_id, name, location, desks, stock, is_open, created_at"


def _point(row: Row) -> PickupPoint:
    return PickupPoint(
        id=PointId(row["id"]),
        conference_id=ConferenceId(row["conference_id"]),
        name=row["name"],
        location=row["location"],
        desks=row["desks"],
        stock=row["stock"],
        created_at=row["created_at"],
        is_open=bool(row["is_open"]),
    )


class SqlPoints(SqlRepository):
    async def add(self, point: PickupPoint) -> None:
        p = point
        await self.db.execute(
            f"INSERT INTO pickup_points ({_POINT}) VALUES ({placeholders(1, 8)})",
            p.id, p.conference_id, p.name, p.location, p.desks, p.stock, p.is_open, p.created_at,
        )  # fmt: skip

    async def _one(self, point_id: PointId, lock: str) -> PickupPoint:
        row = await self.db.fetchrow(
            f"SELECT {_POINT} FROM pickup_points WHERE id = $1{lock}", point_id
        )
        if row is None:
            raise NotFound("pickup point not found")
        return _point(row)

    async def get(self, point_id: PointId) -> PickupPoint:
        return await self._one(point_id, "")

    async def get_for_update(self, point_id: PointId) -> PickupPoint:
        return await self._one(point_id, self.for_update)

    async def save(self, point: PickupPoint) -> None:
        p = point
        await self.db.execute(
            "UPDATE pickup_points SET name = $2, location = $3, desks = $4, stock = $5,"
            " is_open = $6 WHERE id = $1",
            p.id, p.name, p.location, p.desks, p.stock, p.is_open,
        )  # fmt: skip

    async def of_conference(self, conference_id: ConferenceId) -> list[PickupPoint]:
        rows = await self.db.fetch(
            f"SELECT {_POINT} FROM pickup_points WHERE conference_id = $1 ORDER BY id",
            conference_id,
        )
        return [_point(row) for row in rows]


RARE = 2000
"""A query word matching at most this many tokens is searched ids-first."""


def _end(token: str) -> str:
    """The upper bound of a prefix range: every string starting with `token` sorts below."""
    return token + chr(0xFFFF)


def _has_token(low: str, high: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM participant_tokens t WHERE t.participant_id = participants.id"
        f" AND t.token >= {low} AND t.token < {high})"
    )


_PARTICIPANT = (
    "id, conference_id, last_name, first_name, second_name, email, phone, sort_key,"
    " preferred_point_id, assigned_point_id, slot_starts_at, slot_ends_at, delivered_at,"
    " delivered_point_id, delivered_by, created_at, updated_at"
)


def _participant(row: Row) -> Participant:
    starts, ends = row["slot_starts_at"], row["slot_ends_at"]
    return Participant(
        id=ParticipantId(row["id"]),
        conference_id=ConferenceId(row["conference_id"]),
        person=Person(
            row["last_name"], row["first_name"], row["second_name"], row["email"], row["phone"]
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        preferred_point_id=row["preferred_point_id"],
        assigned_point_id=row["assigned_point_id"],
        slot=Slot(starts, ends) if starts is not None and ends is not None else None,
        delivered_at=row["delivered_at"],
        delivered_point_id=row["delivered_point_id"],
        delivered_by=row["delivered_by"],
    )


def sort_key(person: Person) -> str:
    return roster.fold(f"{person.last_name} {person.first_name} {person.second_name}")


def _values(p: Participant) -> tuple[Any, ...]:
    slot = p.slot
    return (
        p.id, p.conference_id, p.person.last_name, p.person.first_name, p.person.second_name,
        p.person.email, p.person.phone, sort_key(p.person), p.preferred_point_id,
        p.assigned_point_id, slot.starts_at if slot else None, slot.ends_at if slot else None,
        p.delivered_at, p.delivered_point_id, p.delivered_by, p.created_at, p.updated_at,
    )  # fmt: skip


def _token_rows(participants: Sequence[Participant]) -> list[tuple[Any, ...]]:
    rows = []
    for p in participants:
        tokens = roster.search_tokens(
            p.person.last_name, p.person.first_name, p.person.second_name, p.person.email,
            p.person.phone,
        )  # fmt: skip
        rows += [(p.conference_id, token, p.id) for token in sorted(tokens)]
    return rows


class SqlParticipants(SqlRepository):
    async def add(self, participant: Participant) -> None:
        await self.add_many([participant])

    async def add_many(self, participants: Sequence[Participant]) -> None:
        if not participants:
            return
        await insert_rows(
            self.db,
            f"INSERT INTO participants ({_PARTICIPANT})",
            [_values(p) for p in participants],
        )
        await self._write_tokens(participants)
        for participant in participants:
            self.track(participant)

    async def _write_tokens(self, participants: Sequence[Participant]) -> None:
        await insert_rows(
            self.db,
            "INSERT INTO participant_tokens (conference_id, token, participant_id)",
            _token_rows(participants),
        )

    async def _one(self, participant_id: ParticipantId, lock: str) -> Participant:
        row = await self.db.fetchrow(
            f"SELECT {_PARTICIPANT} FROM participants WHERE id = $1{lock}", participant_id
        )
        if row is None:
            raise NotFound("participant not found")
        return self.track(_participant(row))

    async def get(self, participant_id: ParticipantId) -> Participant:
        return await self._one(participant_id, "")

    async def get_for_update(self, participant_id: ParticipantId) -> Participant:
        return await self._one(participant_id, self.for_update)

    async def save(self, participant: Participant) -> None:
        values = _values(participant)
        await self.db.execute(
            "UPDATE participants SET last_name = $2, first_name = $3, second_name = $4,"
            " email = $5, phone = $6, sort_key = $7, preferred_point_id = $8,"
            " assigned_point_id = $9, slot_starts_at = $10, slot_ends_at = $11,"
            " delivered_at = $12, delivered_point_id = $13, delivered_by = $14,"
            " updated_at = $15 WHERE id = $1",
            values[0], *values[2:15], values[16],
        )  # fmt: skip
        await self.db.execute(
            "DELETE FROM participant_tokens WHERE participant_id = $1", participant.id
        )
        await self._write_tokens([participant])
        self.track(participant)

    async def save_assignments(self, participants: Sequence[Participant]) -> None:
        await self.db.executemany(
            "UPDATE participants SET assigned_point_id = $2, slot_starts_at = $3,"
            " slot_ends_at = $4, updated_at = $5 WHERE id = $1",
            [
                (
                    p.id,
                    p.assigned_point_id,
                    p.slot.starts_at if p.slot else None,
                    p.slot.ends_at if p.slot else None,
                    p.updated_at,
                )
                for p in participants
            ],
        )

    async def remove(self, participant_id: ParticipantId) -> None:
        await self.db.execute(
            "DELETE FROM participant_tokens WHERE participant_id = $1", participant_id
        )
        await self.db.execute("DELETE FROM participants WHERE id = $1", participant_id)

    async def search(
        self, conference_id: ConferenceId, query: ParticipantQuery, page: PageRequest
    ) -> Page[Participant]:
        where, args = ["conference_id = $1"], [conference_id]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        hits = ""
        if query.tokens:
            if self.db.dialect == "postgres":
                # Plan with the real prefixes: a generic plan cannot tell "kuz" from "k".
                await self.db.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            narrow = await self._narrowest(conference_id, query.tokens)
            others = [t for t in query.tokens if t != narrow]
            matches = [_has_token(arg(t), arg(_end(t))) for t in others]
            if narrow is None:  # every word is common: walk the list in name order
                where += matches
            else:  # the rare word's few ids first, then the rows, then the other words
                hits = (
                    "WITH hits AS MATERIALIZED (SELECT DISTINCT participant_id"
                    " FROM participant_tokens WHERE conference_id = $1"
                    f" AND token >= {arg(narrow)} AND token < {arg(_end(narrow))}) "
                )
                # CROSS JOIN keeps the ids as the outer loop on SQLite, which would otherwise
                # walk the whole list in name order to avoid a sort.
                where += ["participants.id = hits.participant_id", *matches]
        if query.delivered is not None:
            where.append("delivered_at IS NOT NULL" if query.delivered else "delivered_at IS NULL")
        if query.point_id is not None:
            where.append(f"assigned_point_id = {arg(query.point_id)}")
        if page.cursor is not None:
            key, last_id = _after(page.cursor)
            where.append(f"(sort_key, id) > ({arg(key)}, {arg(last_id)})")
        source = "hits CROSS JOIN participants" if hits else "participants"
        rows = await self.db.fetch(
            f"{hits}SELECT {_PARTICIPANT} FROM {source} WHERE {' AND '.join(where)}"
            f" ORDER BY sort_key, id LIMIT {arg(page.limit + 1)}",
            *args,
        )
        items = [_participant(row) for row in rows[: page.limit]]
        more = len(rows) > page.limit
        last = rows[page.limit - 1] if more else None
        return Page(items, Cursor((last["sort_key"], str(last["id"]))) if last else None)

    async def _narrowest(self, conference_id: ConferenceId, tokens: Sequence[str]) -> str | None:
        """The query word with the fewest matches if it has at most RARE of them, else None.

        A rare word is searched ids-first; when every word is common, walking the list in
        name order meets the page's LIMIT soon. The planner cannot tell the two apart with
        the generic plans of prepared statements, so this asks the index (cheaply: at most
        RARE + 1 index entries per word).
        """
        best: tuple[int, str] | None = None
        for token in tokens:
            seen = await self.db.fetchval(
                "SELECT COUNT(*) FROM (SELECT 1 FROM participant_tokens WHERE conference_id = $1"
                f" AND token >= $2 AND token < $3 LIMIT {RARE + 1}) AS found",
                conference_id,
                token,
                _end(token),
            )
            if int(seen) <= RARE and (best is None or int(seen) < best[0]):
                best = (int(seen), token)
        return None if best is None else best[1]

    async def all_of(self, conference_id: ConferenceId) -> list[Participant]:
        rows = await self.db.fetch(
            f"SELECT {_PARTICIPANT} FROM participants WHERE conference_id = $1 ORDER BY id",
            conference_id,
        )
        return [_participant(row) for row in rows]

    async def emails_of(self, conference_id: ConferenceId) -> set[str]:
        rows = await self.db.fetch(
            "SELECT email FROM participants WHERE conference_id = $1 AND email <> ''",
            conference_id,
        )
        return {row["email"] for row in rows}

    async def counts(
        self, conference_id: ConferenceId, now: datetime, windows: Sequence[float]
    ) -> list[PointCounts]:
        recent = now - timedelta(seconds=windows[-1] if windows else 0)
        planned = await self.db.fetch(
            "SELECT assigned_point_id AS point, COUNT(*) AS assigned,"
            " COUNT(delivered_at) AS assigned_delivered,"
            " SUM(CASE WHEN delivered_at IS NULL AND slot_starts_at > $2"
            " AND slot_starts_at <= $3 THEN 1 ELSE 0 END) AS due"
            " FROM participants WHERE conference_id = $1 GROUP BY assigned_point_id",
            conference_id,
            recent,
            now,
        )
        since = "".join(
            f", SUM(CASE WHEN delivered_at > ${n + 2} THEN 1 ELSE 0 END) AS since{n}"
            for n in range(len(windows))
        )
        handed = await self.db.fetch(
            "SELECT delivered_point_id AS point, COUNT(*) AS handed_out,"
            " SUM(CASE WHEN assigned_point_id IS NULL OR assigned_point_id <> delivered_point_id"
            f" THEN 1 ELSE 0 END) AS for_others{since}"
            " FROM participants WHERE conference_id = $1 AND delivered_at IS NOT NULL"
            " AND delivered_point_id IS NOT NULL GROUP BY delivered_point_id",
            conference_id,
            *[now - timedelta(seconds=s) for s in windows],
        )
        return _merge_counts(planned, handed, len(windows))


def _merge_counts(planned: Sequence[Row], handed: Sequence[Row], windows: int) -> list[PointCounts]:
    rows: dict[PointId | None, dict[str, Any]] = {None: {"point_id": None}}
    total = rows[None]
    for row in planned:
        key = PointId(row["point"]) if row["point"] is not None else None
        assigned, done, due = (
            int(row["assigned"]),
            int(row["assigned_delivered"]),
            int(row["due"] or 0),
        )
        total["assigned"] = total.get("assigned", 0) + assigned
        total["assigned_delivered"] = total.get("assigned_delivered", 0) + done
        total["due_recently"] = total.get("due_recently", 0) + due
        if key is not None:
            rows[key] = {"point_id": key, "assigned": assigned, "assigned_delivered": done,
                         "due_recently": due}  # fmt: skip
    for row in handed:
        key = PointId(row["point"])
        mine = rows.setdefault(key, {"point_id": key})
        since = tuple(int(row[f"since{n}"] or 0) for n in range(windows))
        mine.update(handed_out=int(row["handed_out"]), handed_out_for_others=int(row["for_others"]),
                    handed_out_since=since)  # fmt: skip
        total["handed_out"] = total.get("handed_out", 0) + mine["handed_out"]
        total["handed_out_for_others"] = (
            total.get("handed_out_for_others", 0) + mine["handed_out_for_others"]
        )
        previous = total.get("handed_out_since", (0,) * windows)
        total["handed_out_since"] = tuple(a + b for a, b in zip(previous, since, strict=True))
    for fields in rows.values():  # a point with nothing handed out yet: zero per window
        fields.setdefault("handed_out_since", (0,) * windows)
    return [PointCounts(**fields) for fields in rows.values()]


def _after(cursor: Cursor) -> tuple[str, Any]:
    try:
        key, last_id = cursor.key
        return key, UUID(last_id)
    except ValueError:
        raise ValidationFailed("cursor is not one this service issued", field="cursor") from None


_STAFF = "conference_id, account_id, role, point_id, added_at"


class SqlStaff(SqlRepository):
    async def get(self, conference_id: ConferenceId, account_id: AccountId) -> StaffMember | None:
        row = await self.db.fetchrow(
            f"SELECT {_STAFF} FROM staff WHERE conference_id = $1 AND account_id = $2",
            conference_id,
            account_id,
        )
        return None if row is None else _member(row)

    async def add(self, member: StaffMember) -> None:
        await self.remove(member.conference_id, member.account_id)
        await self.db.execute(
            f"INSERT INTO staff ({_STAFF}) VALUES ({placeholders(1, 5)})",
            member.conference_id, member.account_id, member.role, member.point_id,
            member.added_at,
        )  # fmt: skip

    async def of_conference(self, conference_id: ConferenceId) -> list[StaffMember]:
        rows = await self.db.fetch(
            f"SELECT {_STAFF} FROM staff WHERE conference_id = $1 ORDER BY added_at, account_id",
            conference_id,
        )
        return [_member(row) for row in rows]

    async def remove(self, conference_id: ConferenceId, account_id: AccountId) -> None:
        await self.db.execute(
            "DELETE FROM staff WHERE conference_id = $1 AND account_id = $2",
            conference_id,
            account_id,
        )


def _member(row: Row) -> StaffMember:
    return StaffMember(
        conference_id=ConferenceId(row["conference_id"]),
        account_id=AccountId(row["account_id"]),
        role=Role(row["role"]),
        added_at=row["added_at"],
        point_id=row["point_id"],
    )


_INVITATION = "id, conference_id, token_hash, role, point_id, created_at, expires_at, used_by"


class SqlStaffInvitations(SqlRepository):
    async def add(self, invitation: StaffInvitation) -> None:
        i = invitation
        await self.db.execute(
            f"INSERT INTO staff_invitations ({_INVITATION}) VALUES ({placeholders(1, 8)})",
            i.id, i.conference_id, i.token_hash, i.role, i.point_id, i.created_at, i.expires_at,
            i.used_by,
        )  # fmt: skip

    async def find(self, token_hash: str) -> StaffInvitation | None:
        row = await self.db.fetchrow(
            f"SELECT {_INVITATION} FROM staff_invitations WHERE token_hash = $1{self.for_update}",
            token_hash,
        )
        if row is None:
            return None
        return StaffInvitation(
            id=row["id"],
            conference_id=ConferenceId(row["conference_id"]),
            token_hash=row["token_hash"],
            role=Role(row["role"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            point_id=row["point_id"],
            used_by=row["used_by"],
        )

    async def save(self, invitation: StaffInvitation) -> None:
        await self.db.execute(
            "UPDATE staff_invitations SET used_by = $2 WHERE id = $1",
            invitation.id,
            invitation.used_by,
        )
