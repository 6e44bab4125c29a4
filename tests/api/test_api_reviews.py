"""Host flows and reviews over HTTP: mark an event held, review events, hosts and guests,
ratings on events, profiles and the guest list, a host's past events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .apiclient import Api, User, assert_problem

ENDED = datetime(2030, 2, 1, 20, 0, tzinfo=UTC)  # after the default event's end (22:00 MSK)


@pytest.fixture
async def evening(api: Api, host: User, guest: User) -> dict[str, Any]:
    event = await api.publish(host)
    r = await api.book(guest, event["id"])
    assert r.status_code == 201, r.text
    return event


async def relog(api: Api, *users: User) -> list[User]:
    """Tokens expire when the clock jumps: log in again."""
    return [await api.login(u) for u in users]


async def test_a_guest_reviews_the_event_and_its_host_after_it_ended(
    api: Api, host: User, guest: User, evening: dict[str, Any]
) -> None:
    url = f"/api/v1/events/{evening['id']}/reviews"
    early = await api.client.post(url, json={"target": "event", "rating": 5}, headers=guest.headers)
    assert "once the event is over" in assert_problem(early, 409, "conflict")["detail"]

    api.clock.current = ENDED
    host, guest = await relog(api, host, guest)
    r = await api.client.post(
        url, json={"target": "event", "rating": 5, "text": "Great film"}, headers=guest.headers
    )
    assert r.status_code == 201, r.text
    review = r.json()
    assert (review["rating"], review["text"], review["subject_id"]) == (
        5,
        "Great film",
        evening["id"],
    )
    r = await api.client.post(url, json={"target": "host", "rating": 4}, headers=guest.headers)
    assert r.json()["subject_id"] == host.id
    again = await api.client.post(url, json={"target": "event", "rating": 1}, headers=guest.headers)
    assert_problem(again, 409, "conflict")

    r = await api.client.get(f"/api/v1/events/{evening['id']}")
    assert (r.json()["rating"], r.json()["reviews"]) == (5.0, 1)
    r = await api.client.get(url)
    assert r.json()["rating"] == {"average": 5.0, "count": 1}
    r = await api.client.get(f"/api/v1/accounts/{host.id}/profile")
    assert r.json()["as_host"] == {"average": 4.0, "count": 1}
    r = await api.client.get(f"/api/v1/accounts/{host.id}/reviews?as=host")
    assert [x["rating"] for x in r.json()["items"]] == [4]


async def test_who_may_not_review_is_told_so(
    api: Api, host: User, guest: User, evening: dict[str, Any]
) -> None:
    stranger = await api.register("Stan Stranger")
    api.clock.current = ENDED
    host, guest, stranger = await relog(api, host, guest, stranger)
    url = f"/api/v1/events/{evening['id']}/reviews"
    r = await api.client.post(url, json={"target": "event", "rating": 3}, headers=stranger.headers)
    assert_problem(r, 403, "permission-denied")
    r = await api.client.post(url, json={"target": "host", "rating": 3}, headers=host.headers)
    assert_problem(r, 403, "permission-denied")
    r = await api.client.post(
        url, json={"target": "guest", "rating": 3, "subject_id": stranger.id}, headers=host.headers
    )
    assert assert_problem(r, 422, "validation-failed")["field"] == "subject_id"
    r = await api.client.post(url, json={"target": "event", "rating": 6}, headers=guest.headers)
    assert assert_problem(r, 400, "bad-request")["field"] == "rating"


async def test_the_host_reviews_a_guest_and_sees_the_rating_on_the_guest_list(
    api: Api, host: User, guest: User, evening: dict[str, Any]
) -> None:
    api.clock.current = ENDED
    host, guest = await relog(api, host, guest)
    r = await api.client.post(
        f"/api/v1/events/{evening['id']}/reviews",
        json={"target": "guest", "rating": 2, "subject_id": guest.id, "text": "Late"},
        headers=host.headers,
    )
    assert r.status_code == 201, r.text
    review_id = r.json()["id"]
    r = await api.client.get(f"/api/v1/events/{evening['id']}/guests", headers=host.headers)
    [entry] = r.json()["items"]
    assert (entry["full_name"], entry["rating"], entry["reviews"]) == ("Gleb Guest", 2.0, 1)

    r = await api.client.patch(
        f"/api/v1/reviews/{review_id}", json={"rating": 4}, headers=host.headers
    )
    assert (r.status_code, r.json()["rating"]) == (200, 4)
    r = await api.client.patch(
        f"/api/v1/reviews/{review_id}", json={"rating": 1}, headers=guest.headers
    )
    assert_problem(r, 404, "not-found")
    api.clock.current = ENDED + timedelta(days=15)
    (host,) = await relog(api, host)
    r = await api.client.patch(
        f"/api/v1/reviews/{review_id}", json={"rating": 1}, headers=host.headers
    )
    assert "14 days" in assert_problem(r, 409, "conflict")["detail"]
    r = await api.client.get(f"/api/v1/accounts/{guest.id}/profile")
    assert r.json()["as_guest"] == {"average": 4.0, "count": 1}


async def test_the_host_marks_the_event_held_once_it_started(
    api: Api, host: User, guest: User, evening: dict[str, Any]
) -> None:
    url = f"/api/v1/events/{evening['id']}/held"
    assert_problem(await api.client.post(url, headers=host.headers), 409, "conflict")
    api.clock.current = datetime.fromisoformat(evening["starts_at"]) + timedelta(minutes=5)
    host, guest = await relog(api, host, guest)
    assert_problem(await api.client.post(url, headers=guest.headers), 403, "permission-denied")
    r = await api.client.post(url, headers=host.headers)
    assert (r.status_code, r.json()["status"]) == (200, "held")
    r = await api.client.post(
        f"/api/v1/events/{evening['id']}/reviews",
        json={"target": "event", "rating": 5},
        headers=guest.headers,
    )
    assert r.status_code == 201, r.text


async def test_a_hosts_past_events_with_ratings_and_only_public_ones_for_others(
    api: Api, host: User, guest: User, evening: dict[str, Any]
) -> None:
    private = await api.publish(host, title="Secret screening", visibility="private")
    upcoming = await api.publish(
        host, starts_at="2030-03-01T19:00:00+03:00", ends_at="2030-03-01T21:00:00+03:00"
    )
    api.clock.current = ENDED
    host, guest = await relog(api, host, guest)
    await api.client.post(
        f"/api/v1/events/{evening['id']}/reviews",
        json={"target": "event", "rating": 3},
        headers=guest.headers,
    )
    url = f"/api/v1/accounts/{host.id}/events"
    r = await api.client.get(f"{url}?when=past", headers=guest.headers)
    assert [(e["id"], e["rating"]) for e in r.json()["items"]] == [(evening["id"], 3.0)]
    r = await api.client.get(f"{url}?when=past", headers=host.headers)
    assert {e["id"] for e in r.json()["items"]} == {evening["id"], private["id"]}
    r = await api.client.get(url)
    assert [e["id"] for e in r.json()["items"]] == [upcoming["id"]]
