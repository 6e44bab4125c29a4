"""The waiting list over HTTP: join a full event, get an offer when a seat frees up, book it."""

from __future__ import annotations

from .apiclient import Api, User, assert_problem


async def test_a_freed_seat_is_offered_to_the_waiting_guest_who_books_it(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, capacity=1)
    taken = await api.book(guest, event["id"])
    ann = await api.register("Ann Waiting")
    url = f"/api/v1/events/{event['id']}/waitlist"
    r = await api.client.post(url, json={"seats": 1}, headers=ann.headers)
    assert (r.status_code, r.json()["status"]) == (201, "waiting"), r.text
    entry_id = r.json()["id"]
    assert_problem(
        await api.client.post(url, json={"seats": 1}, headers=ann.headers), 409, "conflict"
    )
    early = await api.client.post(f"/api/v1/waitlist/{entry_id}/accept", headers=ann.headers)
    assert "no open offer" in assert_problem(early, 409, "conflict")["detail"]

    r = await api.client.post(
        f"/api/v1/bookings/{taken.json()['id']}/cancel", headers=guest.headers
    )
    assert r.status_code == 200, r.text
    [offered] = (await api.client.get("/api/v1/waitlist", headers=ann.headers)).json()["items"]
    assert (offered["id"], offered["status"]) == (entry_id, "offered")
    assert offered["offer_expires_at"] is not None
    other = await api.register("Olga Late")
    assert_problem(await api.book(other, event["id"]), 409, "conflict")  # the seat is held

    r = await api.client.post(f"/api/v1/waitlist/{entry_id}/accept", headers=ann.headers)
    assert (r.status_code, r.json()["status"], r.json()["seats"]) == (201, "confirmed", 1), r.text
    assert (await api.client.get("/api/v1/waitlist", headers=ann.headers)).json()["items"] == []


async def test_an_event_with_free_seats_says_to_book_instead(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, capacity=3)
    r = await api.client.post(
        f"/api/v1/events/{event['id']}/waitlist", json={"seats": 2}, headers=guest.headers
    )
    assert "book them instead" in assert_problem(r, 409, "conflict")["detail"]
    r = await api.client.post(
        f"/api/v1/events/{event['id']}/waitlist", json={"seats": 0}, headers=guest.headers
    )
    assert assert_problem(r, 400, "bad-request")["field"] == "seats"


async def test_leaving_the_list(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host, capacity=1)
    await api.book(guest, event["id"])
    ann = await api.register("Ann Waiting")
    r = await api.client.post(
        f"/api/v1/events/{event['id']}/waitlist", json={"seats": 1}, headers=ann.headers
    )
    entry_id = r.json()["id"]
    assert_problem(
        await api.client.post(f"/api/v1/waitlist/{entry_id}/leave", headers=guest.headers),
        404,
        "not-found",
    )
    r = await api.client.post(f"/api/v1/waitlist/{entry_id}/leave", headers=ann.headers)
    assert (r.status_code, r.json()["status"]) == (200, "left")
