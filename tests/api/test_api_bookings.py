"""Bookings over HTTP: book with tickets, idempotent retries, capacity, cancel, my list."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from .apiclient import Api, User, assert_problem

BOOKING_KEYS = {
    "id", "event_id", "guest_id", "seats", "status", "amount", "created_at", "cancelled_at",
    "tickets", "payment_id", "hold_expires_at", "payment_url", "seat_ids",
}  # fmt: skip


async def test_booking_returns_one_ticket_per_seat(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    r = await api.book(guest, event["id"], seats=3)
    assert r.status_code == 201
    booking = r.json()
    assert set(booking) == BOOKING_KEYS
    assert (booking["event_id"], booking["guest_id"], booking["seats"]) == (
        event["id"],
        guest.id,
        3,
    )
    assert booking["status"] == "confirmed"
    assert booking["amount"] is None
    assert (booking["payment_id"], booking["payment_url"]) == (None, None)
    assert len(booking["tickets"]) == 3
    assert all(set(t) == {"id", "barcode", "status", "seat_id"} for t in booking["tickets"])
    assert all(t["status"] == "valid" for t in booking["tickets"])
    assert all(t["seat_id"] is None for t in booking["tickets"])  # general admission
    assert len({t["barcode"] for t in booking["tickets"]}) == 3
    assert "idempotent-replayed" not in r.headers
    after = (await api.client.get(f"/api/v1/events/{event['id']}")).json()
    assert (after["booked"], after["seats_left"]) == (3, 7)


async def test_booking_needs_an_account(api: Api, host: User) -> None:
    event = await api.publish(host)
    r = await api.client.post(f"/api/v1/events/{event['id']}/bookings", json={"seats": 1})
    assert_problem(r, 401, "unauthenticated")


async def test_host_cannot_book_own_event(api: Api, host: User) -> None:
    event = await api.publish(host)
    assert_problem(await api.book(host, event["id"]), 403, "permission-denied")


async def test_booking_more_seats_than_left_is_409(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host, capacity=2)
    assert (await api.book(guest, event["id"], seats=2)).status_code == 201
    other = await api.register("Olga Other")
    r = await api.book(other, event["id"], seats=1)
    assert "0 seats left" in assert_problem(r, 409, "conflict")["detail"]


async def test_seats_out_of_range_are_refused(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    for seats in (0, 21, -1, 10**30):
        r = await api.book(guest, event["id"], seats=seats)
        assert assert_problem(r, 400, "bad-request")["field"] == "seats"


async def test_booking_a_cancelled_event_is_409(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    await api.client.post(f"/api/v1/events/{event['id']}/cancel", headers=host.headers)
    assert_problem(await api.book(guest, event["id"]), 409, "conflict")


async def test_booking_a_started_event_is_409(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    api.clock.advance(timedelta(days=40))
    guest = await api.login(guest)
    assert_problem(await api.book(guest, event["id"]), 409, "conflict")


async def test_booking_an_unknown_event_is_404(api: Api, guest: User) -> None:
    assert_problem(await api.book(guest, str(uuid4())), 404, "not-found")


async def test_booking_a_private_event_needs_its_invitation(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, visibility="private")
    assert_problem(await api.book(guest, event["id"]), 404, "not-found")
    token = await api.invitation(host, event["id"])
    assert (await api.book(guest, event["id"], params={"invite": token})).status_code == 201


async def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host)
    key = {"Idempotency-Key": "booking-7f3a"}
    first = await api.book(guest, event["id"], seats=2, headers=key)
    again = await api.book(guest, event["id"], seats=2, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    after = (await api.client.get(f"/api/v1/events/{event['id']}")).json()
    assert after["booked"] == 2


async def test_the_same_idempotency_key_with_another_body_is_422(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host)
    key = {"Idempotency-Key": "booking-7f3a"}
    assert (await api.book(guest, event["id"], seats=2, headers=key)).status_code == 201
    r = await api.book(guest, event["id"], seats=3, headers=key)
    assert assert_problem(r, 422, "validation-failed")["field"] == "Idempotency-Key"


async def test_idempotency_keys_belong_to_one_account(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    key = {"Idempotency-Key": "shared-key"}
    other = await api.register("Olga Other")
    mine = await api.book(guest, event["id"], headers=key)
    theirs = await api.book(other, event["id"], headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_my_bookings_are_paged_newest_first(api: Api, host: User, guest: User) -> None:
    made = []
    for _ in range(3):
        event = await api.publish(host)
        made.append((await api.book(guest, event["id"])).json()["id"])
        api.clock.advance(timedelta(seconds=1))
    first = (await api.client.get("/api/v1/bookings?limit=2", headers=guest.headers)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = await api.client.get(
        "/api/v1/bookings", params={"cursor": first["next_cursor"]}, headers=guest.headers
    )
    seen = [b["id"] for b in first["items"] + rest.json()["items"]]
    assert seen == made[::-1]
    assert rest.json()["next_cursor"] is None
    assert all(b["tickets"] for b in first["items"])


async def test_my_bookings_need_an_account(api: Api) -> None:
    assert_problem(await api.client.get("/api/v1/bookings"), 401, "unauthenticated")


async def test_cancelling_a_booking_gives_the_seats_back(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    booking = (await api.book(guest, event["id"], seats=2)).json()
    r = await api.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=guest.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert r.json()["cancelled_at"] is not None
    assert all(t["status"] == "void" for t in r.json()["tickets"])
    after = (await api.client.get(f"/api/v1/events/{event['id']}")).json()
    assert after["booked"] == 0
    again = await api.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=guest.headers)
    assert_problem(again, 409, "conflict")


async def test_someone_elses_booking_is_404(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    booking = (await api.book(guest, event["id"])).json()
    r = await api.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=host.headers)
    assert_problem(r, 404, "not-found")
    r = await api.client.post(f"/api/v1/bookings/{uuid4()}/cancel", headers=host.headers)
    assert_problem(r, 404, "not-found")
    r = await api.client.post("/api/v1/bookings/nope/cancel", headers=host.headers)
    assert_problem(r, 404, "not-found")
