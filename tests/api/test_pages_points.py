"""The organiser's point controls on the dashboard page: edit and close a point, carry packs,
and rebalance the people still due at a point (see `pagesite.py` for the conference)."""

from __future__ import annotations

from typing import Any

import httpx

from .apiclient import User
from .pagesite import Conference, Site, signed_in, staff_of


async def points_of(site: Site, organiser: User, conference: Conference) -> dict[str, Any]:
    r = await site.api.client.get(
        f"/api/v1/conferences/{conference.id}/points", headers=organiser.headers
    )
    assert r.status_code == 200, r.text
    return {p["id"]: p for p in r.json()["items"]}


async def people_of(site: Site, organiser: User, conference: Conference) -> list[dict[str, Any]]:
    r = await site.api.client.get(
        f"/api/v1/conferences/{conference.id}/participants", headers=organiser.headers
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def htmx(token: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": token}


async def test_the_organiser_renames_resizes_restocks_and_closes_a_point(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    page = await client.get(f"/conferences/{conference.id}")
    assert f'data-testid="edit-{conference.point_id}"' in page.text

    r = await client.post(
        f"/conferences/{conference.id}/points/{conference.point_id}",
        data={"name": "Hall A (east)", "location": "Floor 2", "desks": "3", "stock": "80",
              "state": "closed", "csrf_token": token},
    )  # fmt: skip

    assert r.status_code == 303
    assert r.headers["location"] == f"/conferences/{conference.id}#manage"
    point = (await points_of(site, organiser, conference))[conference.point_id]
    assert {k: point[k] for k in ("name", "location", "desks", "stock", "is_open")} == {
        "name": "Hall A (east)",
        "location": "Floor 2",
        "desks": 3,
        "stock": 80,
        "is_open": False,
    }
    dashboard = (await client.get(f"/conferences/{conference.id}")).text
    assert "Hall A (east)" in dashboard
    assert f'data-testid="stock-{conference.point_id}">80<' in dashboard

    reopened = await client.post(
        f"/conferences/{conference.id}/points/{conference.point_id}",
        data={"state": "open", "csrf_token": token},
    )
    assert reopened.status_code == 303
    point = (await points_of(site, organiser, conference))[conference.point_id]
    assert (point["is_open"], point["name"], point["stock"]) == (True, "Hall A (east)", 80)


async def test_a_refused_edit_shows_the_dashboard_with_the_reason_and_changes_nothing(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    url = f"/conferences/{conference.id}/points/{conference.point_id}"
    before = await points_of(site, organiser, conference)

    for data, status, reason in [
        ({"name": "Hall A", "desks": "0"}, 422, "desks"),
        ({"name": "Hall A", "desks": "two"}, 422, "desks must be a whole number"),
        ({"name": "Hall A", "state": "half-open"}, 422, "a point is open or closed"),
        ({"name": ""}, 422, "name"),
    ]:
        r = await client.post(url, data={**data, "csrf_token": token})
        assert r.status_code == status, (data, r.text)
        assert 'data-testid="manage-error"' in r.text
        assert reason in r.text
        assert 'data-testid="figures"' in r.text or 'id="figures"' in r.text

    assert await points_of(site, organiser, conference) == before


async def test_packs_are_carried_between_points_and_never_below_zero(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    url = f"/conferences/{conference.id}/stock/move"
    move = {"from_point": conference.point_id, "to_point": conference.other_point_id}

    r = await client.post(url, data={**move, "packs": "20", "csrf_token": token})

    assert r.status_code == 303
    points = await points_of(site, organiser, conference)
    assert (points[conference.point_id]["stock"], points[conference.other_point_id]["stock"]) == (
        30,
        70,
    )
    too_many = await client.post(url, data={**move, "packs": "31", "csrf_token": token})
    assert too_many.status_code == 409
    assert "has only 30 packs to give" in too_many.text
    same = await client.post(
        url,
        data={"from_point": conference.point_id, "to_point": conference.point_id, "packs": "1",
              "csrf_token": token},
    )  # fmt: skip
    assert same.status_code == 422
    assert "between two points" in same.text
    missing = await client.post(url, data={"to_point": conference.point_id, "packs": "1",
                                           "csrf_token": token})  # fmt: skip
    assert missing.status_code == 422
    assert "choose a pickup point" in missing.text
    assert await points_of(site, organiser, conference) == points


async def test_the_people_of_a_closed_point_are_proposed_then_moved_to_the_others(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    applied = await site.api.client.post(
        f"/api/v1/conferences/{conference.id}/plan/apply", json={}, headers=organiser.headers
    )
    assert applied.status_code == 200, applied.text
    due = [
        p["id"]
        for p in await people_of(site, organiser, conference)
        if p["assigned_point_id"] == conference.point_id
    ]
    assert due, "the plan puts somebody at each of the two points"
    closed = await client.post(
        f"/conferences/{conference.id}/points/{conference.point_id}",
        data={"state": "closed", "csrf_token": token},
    )
    assert closed.status_code == 303
    form = {"from_point": conference.point_id, "slot_minutes": "15"}

    proposal = await client.post(
        f"/conferences/{conference.id}/rebalance", data=form, headers=htmx(token)
    )

    assert proposal.status_code == 200, proposal.text
    assert f"{len(due)} participants still due at Hall A would move" in proposal.text
    assert "Hall B" in proposal.text
    assert 'data-testid="apply-rebalance"' in proposal.text
    still = await people_of(site, organiser, conference)
    assert {p["id"] for p in still if p["assigned_point_id"] == conference.point_id} == set(due)

    moved = await client.post(
        f"/conferences/{conference.id}/rebalance/apply", data=form, headers=htmx(token)
    )

    assert moved.status_code == 200, moved.text
    assert f"{len(due)} participants moved from Hall A" in moved.text
    after = {p["id"]: p for p in await people_of(site, organiser, conference)}
    assert all(after[pid]["assigned_point_id"] == conference.other_point_id for pid in due)
    again = await client.post(
        f"/conferences/{conference.id}/rebalance", data=form, headers=htmx(token)
    )
    assert "Nobody is still due at Hall A" in again.text


async def test_a_rebalance_without_another_open_point_is_refused_in_the_panel(
    site: Site, organiser: User, conference: Conference
) -> None:
    client, token = await signed_in(site, organiser)
    await site.api.client.post(
        f"/api/v1/conferences/{conference.id}/plan/apply", json={}, headers=organiser.headers
    )
    for point in (conference.point_id, conference.other_point_id):
        await client.post(
            f"/conferences/{conference.id}/points/{point}",
            data={"state": "closed", "csrf_token": token},
        )
    form = {"from_point": conference.point_id, "slot_minutes": "15"}

    r = await client.post(f"/conferences/{conference.id}/rebalance", data=form, headers=htmx(token))

    assert r.status_code == 422
    assert "no other open point" in r.text
    assert "<html" not in r.text  # a fragment for the panel, not a whole page
    bad_slot = await client.post(
        f"/conferences/{conference.id}/rebalance", data={**form, "slot_minutes": "0"},
        headers=htmx(token),
    )  # fmt: skip
    assert bad_slot.status_code == 422
    assert "from 1 to 240 minutes" in bad_slot.text


async def test_staff_and_strangers_cannot_use_the_point_controls(
    site: Site, organiser: User, conference: Conference
) -> None:
    helper = await staff_of(site, organiser, conference)
    stranger = await site.api.register("Sergei Stranger")
    before = await points_of(site, organiser, conference)
    for person, status in ((helper, 403), (stranger, 404)):
        client, token = await signed_in(site, person)
        page = await client.get(f"/conferences/{conference.id}")
        assert 'data-testid="manage"' not in page.text
        posts: list[tuple[str, dict[str, str]]] = [
            (f"points/{conference.point_id}", {"name": "Mine", "state": "closed"}),
            ("stock/move", {"from_point": conference.point_id,
                            "to_point": conference.other_point_id, "packs": "5"}),
            ("rebalance/apply", {"from_point": conference.point_id}),
        ]  # fmt: skip
        for path, data in posts:
            r = await client.post(
                f"/conferences/{conference.id}/{path}", data={**data, "csrf_token": token}
            )
            assert r.status_code == status, (person.email, path, r.text)
    assert await points_of(site, organiser, conference) == before


async def test_the_point_controls_need_the_csrf_token(
    site: Site, organiser: User, conference: Conference
) -> None:
    client: httpx.AsyncClient
    client, _ = await signed_in(site, organiser)
    r = await client.post(
        f"/conferences/{conference.id}/points/{conference.point_id}", data={"state": "closed"}
    )
    assert r.status_code == 403
    assert (await points_of(site, organiser, conference))[conference.point_id]["is_open"]
