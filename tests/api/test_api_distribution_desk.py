"""At the desk over HTTP: the hand-over, stock, live figures, planning and rebalancing.

The clock stands at 2030-01-01 12:00 UTC, when the hand-out starts (it ends at 16:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .apiclient import Api, User, assert_problem
from .distribution_steps import (
    CONFERENCES,
    deliver,
    join_as_staff,
    new_conference,
    new_participant,
    new_point,
    ok,
    points,
    search,
)

SURNAMES = ["Алексеев", "Борисова", "Васильев", "Григорьева", "Дмитриев", "Егорова",
            "Жуков", "Зайцева", "Иванов", "Козлова", "Лебедев", "Морозова"]  # fmt: skip


async def test_a_hand_over_happens_once_and_takes_one_pack(
    api: Api, host: User, guest: User
) -> None:
    cid = await new_conference(api, host)
    a = (await new_point(api, host, cid, "Hall A", stock=5))["id"]
    b = (await new_point(api, host, cid, "Hall B", stock=5))["id"]
    pid = (await new_participant(api, host, cid, "Иванов", "Иван"))["id"]
    await join_as_staff(api, host, guest, cid)

    first = ok(await deliver(api, host, cid, pid, a))
    again = ok(await deliver(api, host, cid, pid, a))
    elsewhere = await deliver(api, host, cid, pid, b)
    other_desk = await deliver(api, guest, cid, pid, a)

    assert first["repeated"] is False
    assert first["participant"]["delivered"] is True
    assert first["participant"]["delivered_point_id"] == a
    assert first["participant"]["delivered_at"].startswith("2030-01-01T12:00:00")
    assert again["repeated"] is True
    assert again["participant"] == first["participant"]
    detail = assert_problem(elsewhere, 409, "already-delivered")["detail"]
    assert "Иванов Иван already got their pack at another point" in detail
    assert "2030-01-01T12:00:00" in detail
    assert "at this point" in assert_problem(other_desk, 409, "already-delivered")["detail"]
    stock = {p["name"]: p["stock"] for p in (await points(api, host, cid)).values()}
    assert stock == {"Hall A": 4, "Hall B": 5}


async def test_a_closed_or_empty_point_hands_nothing_out(api: Api, host: User) -> None:
    cid = await new_conference(api, host)
    empty = (await new_point(api, host, cid, "Empty", stock=0))["id"]
    closed = (await new_point(api, host, cid, "Closed", stock=3))["id"]
    pid = (await new_participant(api, host, cid, "Иванов", "Иван"))["id"]
    r = await api.client.patch(f"{CONFERENCES}/{cid}/points/{closed}", json={"is_open": False},
                               headers=host.headers)  # fmt: skip
    assert ok(r)["is_open"] is False

    assert "no packs left" in assert_problem(
        await deliver(api, host, cid, pid, empty), 409, "conflict"
    )["detail"]  # fmt: skip
    assert "closed" in assert_problem(
        await deliver(api, host, cid, pid, closed), 409, "conflict"
    )["detail"]  # fmt: skip
    (still,) = await search(api, host, cid)
    assert still["delivered"] is False
    assert {p["stock"] for p in (await points(api, host, cid)).values()} == {0, 3}


async def _planned_conference(api: Api, host: User) -> tuple[str, str, str]:
    cid = await new_conference(api, host)
    a = (await new_point(api, host, cid, "Hall A", desks=2, stock=20))["id"]
    api.clock.advance(timedelta(seconds=1))  # points are listed by id, ordered to the ms
    b = (await new_point(api, host, cid, "Hall B", desks=1, stock=20))["id"]
    for n, last in enumerate(SURNAMES):
        await new_participant(api, host, cid, last, f"Гость{n}")
    return cid, a, b


async def test_a_plan_recommends_desks_and_applying_it_assigns_everyone(
    api: Api, host: User
) -> None:
    cid, a, b = await _planned_conference(api, host)

    r = await api.client.post(f"{CONFERENCES}/{cid}/plan", json={"target_mean_wait_seconds": 60},
                              headers=host.headers)  # fmt: skip
    report = ok(r)
    applied = ok(await api.client.post(f"{CONFERENCES}/{cid}/plan/apply", json={},
                                       headers=host.headers))  # fmt: skip

    assert report["participants"] == len(SURNAMES)
    assert report["recommended"]["desks"] >= 1
    assert sum(report["recommended"]["desks_per_point"]) == report["recommended"]["desks"]
    assert report["current"]["desks_per_point"] == [2, 1]
    assert {p["point_id"] for p in report["points"]} == {a, b}
    assert sum(p["planned"] for p in report["points"]) == len(SURNAMES)
    simulated = {"mean_wait_seconds", "p95_wait_seconds", "max_queue"}
    assert set(report["ours"]) == set(report["alphabetical"]) == simulated
    assert applied["assigned"] == len(SURNAMES)
    everyone = await search(api, host, cid)
    assert all(p["assigned_point_id"] in (a, b) for p in everyone)
    assert all(p["slot_starts_at"] is not None for p in everyone)
    per_point = {x: sum(p["assigned_point_id"] == x for p in everyone) for x in (a, b)}
    assert per_point == {p["point_id"]: p["planned"] for p in applied["points"]}
    starts = [datetime.fromisoformat(p["slot_starts_at"]) for p in everyone]
    assert min(starts) == datetime.fromisoformat("2030-01-01T12:00:00+00:00")
    assert max(starts) < datetime.fromisoformat("2030-01-01T16:00:00+00:00")


async def test_stats_count_plans_hand_overs_windows_and_stock(api: Api, host: User) -> None:
    cid, a, b = await _planned_conference(api, host)
    ok(await api.client.post(f"{CONFERENCES}/{cid}/plan/apply", json={}, headers=host.headers))
    everyone = await search(api, host, cid)
    at_a = [p for p in everyone if p["assigned_point_id"] == a]
    assert len(at_a) >= 2, "the plan should give the two-desk point most people"
    own, visitor = at_a[0], at_a[1]

    ok(await deliver(api, host, cid, own["id"], a))  # at its own point, 10 minutes ago
    api.clock.advance(timedelta(minutes=10))
    host = await api.login(host)
    ok(await deliver(api, host, cid, visitor["id"], b))  # now: planned for A, served at B
    stats = ok(await api.client.get(f"{CONFERENCES}/{cid}/stats", headers=host.headers))

    now = api.clock.now()
    assert datetime.fromisoformat(stats["at"]) == now
    total, rows = stats["total"], {p["point_id"]: p for p in stats["points"]}
    n, n_a = len(everyone), len(at_a)
    assert stats["unassigned"] == 0
    assert _figures(total) == (n, n - 2, 2, 1, 1, 2, 0)
    assert _figures(rows[a]) == (n_a, n_a - 2, 1, 0, 0, 1, 20 - 1)
    assert _figures(rows[b]) == (n - n_a, n - n_a, 1, 1, 1, 1, 20 - 1)
    for point_id, desks in ((a, 2), (b, 1)):
        due = [
            p for p in everyone
            if p["assigned_point_id"] == point_id and p["id"] not in (own["id"], visitor["id"])
            and now - timedelta(minutes=15) < datetime.fromisoformat(p["slot_starts_at"]) <= now
        ]  # fmt: skip
        assert rows[point_id]["estimated_queue"] == len(due)
        assert rows[point_id]["estimated_wait_seconds"] == round(30 * len(due) / desks)


def _figures(row: dict[str, Any]) -> tuple[int, ...]:
    """assigned, remaining, handed_out, for_other_points, last_5_min, last_15_min, stock"""
    return tuple(row[k] for k in ("assigned", "remaining", "handed_out", "for_other_points",
                                  "last_5_min", "last_15_min", "stock"))  # fmt: skip


async def test_closing_a_point_and_rebalancing_moves_its_people_still_due(
    api: Api, host: User
) -> None:
    cid, a, b = await _planned_conference(api, host)
    ok(await api.client.post(f"{CONFERENCES}/{cid}/plan/apply", json={}, headers=host.headers))
    at_a = [p for p in await search(api, host, cid) if p["assigned_point_id"] == a]
    served = at_a[0]
    ok(await deliver(api, host, cid, served["id"], a))
    ok(await api.client.patch(f"{CONFERENCES}/{cid}/points/{a}", json={"is_open": False},
                              headers=host.headers))  # fmt: skip
    stranded = {p["id"] for p in at_a[1:]}

    body = {"from_point_id": a, "slot_minutes": 15}
    proposal = ok(await api.client.post(f"{CONFERENCES}/{cid}/rebalance", json=body,
                                        headers=host.headers))  # fmt: skip

    assert (proposal["from_point_id"], proposal["applied"]) == (a, False)
    assert {m["participant_id"] for m in proposal["moves"]} == stranded
    assert {m["to_point_id"] for m in proposal["moves"]} == {b}
    assert proposal["packs_needed"] == {b: len(stranded)}
    assert all(m["slot_starts_at"] >= "2030-01-01T12:00:00" for m in proposal["moves"])
    still = await search(api, host, cid, point_id=a, delivered="false")
    assert {p["id"] for p in still} == stranded  # a proposal stores nothing

    applied = ok(await api.client.post(f"{CONFERENCES}/{cid}/rebalance/apply", json=body,
                                       headers=host.headers))  # fmt: skip

    assert applied["applied"] is True
    assert {m["participant_id"] for m in applied["moves"]} == stranded
    assert await search(api, host, cid, point_id=a, delivered="false") == []
    moved = await search(api, host, cid, point_id=b)
    assert stranded <= {p["id"] for p in moved}
    assert [p["id"] for p in await search(api, host, cid, point_id=a)] == [served["id"]]
