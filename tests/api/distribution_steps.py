"""Steps the conference pack hand-out API tests take: a conference, points, participants,
staff, a hand-over. The clock stands at 2030-01-01 12:00 UTC, inside the hand-out window."""

from __future__ import annotations

from typing import Any

import httpx

from .apiclient import Api, User

CONFERENCES = "/api/v1/conferences"


def conference_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "DevConf 2030",
        "venue": "Expo hall",
        "handout_starts_at": "2030-01-01T12:00:00Z",
        "handout_ends_at": "2030-01-01T16:00:00Z",
        "time_zone": "Europe/Moscow",
        "service_seconds": 30,
    }
    body.update(overrides)
    return body


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def new_conference(api: Api, organiser: User, **overrides: Any) -> str:
    r = await api.client.post(CONFERENCES, json=conference_body(**overrides),
                              headers=organiser.headers)  # fmt: skip
    return str(ok(r, 201)["id"])


async def new_point(
    api: Api, organiser: User, conference_id: str, name: str, *, desks: int = 1, stock: int = 50
) -> dict[str, Any]:
    r = await api.client.post(
        f"{CONFERENCES}/{conference_id}/points",
        json={"name": name, "location": "Level 1", "desks": desks, "stock": stock},
        headers=organiser.headers,
    )
    return ok(r, 201)  # type: ignore[no-any-return]


async def new_participant(
    api: Api, organiser: User, conference_id: str, last: str, first: str, **more: Any
) -> dict[str, Any]:
    r = await api.client.post(
        f"{CONFERENCES}/{conference_id}/participants",
        json={"last_name": last, "first_name": first, **more},
        headers=organiser.headers,
    )
    return ok(r, 201)  # type: ignore[no-any-return]


async def join_as_staff(
    api: Api, organiser: User, helper: User, conference_id: str, point_id: str | None = None
) -> None:
    r = await api.client.post(
        f"{CONFERENCES}/{conference_id}/staff/invitations",
        json={"role": "staff", "point_id": point_id},
        headers=organiser.headers,
    )
    token = ok(r, 201)["token"]
    r = await api.client.post(f"{CONFERENCES}/staff/accept", json={"token": token},
                              headers=helper.headers)  # fmt: skip
    assert ok(r)["role"] == "staff"


async def deliver(
    api: Api, who: User, conference_id: str, participant_id: str, point_id: str
) -> httpx.Response:
    return await api.client.post(
        f"{CONFERENCES}/{conference_id}/participants/{participant_id}/deliver",
        json={"point_id": point_id},
        headers=who.headers,
    )


async def search(api: Api, who: User, conference_id: str, **params: Any) -> list[dict[str, Any]]:
    """Every participant the query finds, following the cursors (one page at most 100)."""
    found: list[dict[str, Any]] = []
    params = {"limit": 100, **params}
    while True:
        r = await api.client.get(f"{CONFERENCES}/{conference_id}/participants", params=params,
                                 headers=who.headers)  # fmt: skip
        page = ok(r)
        found += page["items"]
        if page["next_cursor"] is None:
            return found
        params["cursor"] = page["next_cursor"]


async def points(api: Api, who: User, conference_id: str) -> dict[str, dict[str, Any]]:
    r = await api.client.get(f"{CONFERENCES}/{conference_id}/points", headers=who.headers)
    return {p["id"]: p for p in ok(r)["items"]}
