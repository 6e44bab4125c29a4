"""Events over HTTP: publish, find, read (public and private), edit, cancel, invite, guests."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

from .apiclient import PUBLIC_URL, Api, User, assert_problem, event_body

EVENT_KEYS = {
    "id", "host_id", "title", "description", "starts_at", "ends_at", "time_zone", "city",
    "address", "capacity", "booked", "seats_left", "visibility", "status", "price",
    "created_at", "updated_at", "rating", "reviews", "venue_id",
}  # fmt: skip


async def test_publish_returns_the_event_with_money_in_minor_units(api: Api, host: User) -> None:
    r = await api.client.post(
        "/api/v1/events",
        json=event_body(price={"amount": 50000, "currency": "RUB"}),
        headers=host.headers,
    )
    assert r.status_code == 201
    event = r.json()
    assert set(event) == EVENT_KEYS
    assert event["host_id"] == host.id
    assert event["price"] == {"amount": 50000, "currency": "RUB"}
    assert (event["capacity"], event["booked"], event["seats_left"]) == (10, 0, 10)
    assert (event["visibility"], event["status"]) == ("public", "scheduled")


async def test_a_free_event_has_a_null_price(api: Api, host: User) -> None:
    assert (await api.publish(host))["price"] is None


async def test_publishing_needs_an_account(api: Api) -> None:
    r = await api.client.post("/api/v1/events", json=event_body())
    assert_problem(r, 401, "unauthenticated")


async def test_publishing_in_the_past_is_422_on_starts_at(api: Api, host: User) -> None:
    body = event_body(starts_at="2029-12-31T19:00:00Z", ends_at="2029-12-31T22:00:00Z")
    r = await api.client.post("/api/v1/events", json=body, headers=host.headers)
    assert assert_problem(r, 422, "validation-failed")["field"] == "starts_at"


async def test_a_naive_datetime_is_422_not_500(api: Api, host: User) -> None:
    body = event_body(starts_at="2030-02-01T19:00:00", ends_at="2030-02-01T22:00:00")
    r = await api.client.post("/api/v1/events", json=body, headers=host.headers)
    assert assert_problem(r, 422, "validation-failed")["field"] == "starts_at"


async def test_an_unknown_time_zone_is_422(api: Api, host: User) -> None:
    body = event_body(time_zone="Mars/Olympus")
    r = await api.client.post("/api/v1/events", json=body, headers=host.headers)
    assert assert_problem(r, 422, "validation-failed")["field"] == "time_zone"


async def test_the_public_list_works_anonymously_and_hides_private_events(
    api: Api, host: User
) -> None:
    public = await api.publish(host, title="Open air")
    await api.publish(host, title="Secret party", visibility="private")
    r = await api.client.get("/api/v1/events")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "next_cursor"}
    assert [e["id"] for e in body["items"]] == [public["id"]]
    assert body["next_cursor"] is None


async def test_the_list_filters_by_city_text_and_time(api: Api, host: User) -> None:
    moscow = await api.publish(host, title="Jazz in the park", city="Moscow")
    spb = await api.publish(
        host,
        title="Film club",
        city="Saint Petersburg",
        starts_at="2030-03-01T19:00:00+03:00",
        ends_at="2030-03-01T21:00:00+03:00",
    )

    async def ids(**params: str) -> list[str]:
        r = await api.client.get("/api/v1/events", params=params)
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()["items"]]

    assert await ids(city="moscow") == [moscow["id"]]
    assert await ids(q="film") == [spb["id"]]
    assert await ids(**{"from": "2030-02-15T00:00:00Z"}) == [spb["id"]]
    assert await ids(to="2030-02-15T00:00:00+00:00") == [moscow["id"]]
    assert await ids(city="") == [moscow["id"], spb["id"]]


async def test_the_list_pages_with_an_opaque_cursor(api: Api, host: User) -> None:
    made = []
    for day in range(1, 6):
        starts = f"2030-02-{day:02d}T19:00:00Z"
        made.append(
            (await api.publish(host, starts_at=starts, ends_at=f"2030-02-{day:02d}T21:00:00Z"))[
                "id"
            ]
        )
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await api.client.get("/api/v1/events", params=params)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


async def test_a_foreign_cursor_is_422_and_a_bad_limit_400(api: Api) -> None:
    r = await api.client.get("/api/v1/events", params={"cursor": "!!not-ours!!"})
    assert assert_problem(r, 422, "validation-failed")["field"] == "cursor"
    r = await api.client.get("/api/v1/events", params={"limit": "1000"})
    assert assert_problem(r, 400, "bad-request")["field"] == "limit"


async def test_a_naive_from_in_the_query_is_422(api: Api) -> None:
    r = await api.client.get("/api/v1/events", params={"from": "2030-02-01T00:00:00"})
    assert assert_problem(r, 422, "validation-failed")["field"] == "from"


async def test_a_public_event_is_readable_anonymously(api: Api, host: User) -> None:
    event = await api.publish(host)
    r = await api.client.get(f"/api/v1/events/{event['id']}")
    assert r.status_code == 200
    assert r.json() == event


async def test_an_unknown_or_malformed_event_id_is_404(api: Api) -> None:
    assert_problem(await api.client.get(f"/api/v1/events/{uuid4()}"), 404, "not-found")
    assert_problem(await api.client.get("/api/v1/events/not-a-uuid"), 404, "not-found")


async def test_a_private_event_is_404_without_its_invitation(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, visibility="private")
    assert_problem(await api.client.get(f"/api/v1/events/{event['id']}"), 404, "not-found")
    r = await api.client.get(f"/api/v1/events/{event['id']}", headers=guest.headers)
    assert_problem(r, 404, "not-found")
    r = await api.client.get(f"/api/v1/events/{event['id']}", params={"invite": "guessed"})
    assert_problem(r, 404, "not-found")


async def test_a_private_event_is_visible_with_its_invitation(api: Api, host: User) -> None:
    event = await api.publish(host, visibility="private")
    token = await api.invitation(host, event["id"])
    r = await api.client.get(f"/api/v1/events/{event['id']}", params={"invite": token})
    assert r.status_code == 200
    assert r.json()["id"] == event["id"]


async def test_a_private_event_is_visible_to_its_host(api: Api, host: User) -> None:
    event = await api.publish(host, visibility="private")
    r = await api.client.get(f"/api/v1/events/{event['id']}", headers=host.headers)
    assert r.status_code == 200


async def test_a_guest_with_a_booking_sees_the_private_event_without_invitation(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, visibility="private")
    token = await api.invitation(host, event["id"])
    booked = await api.book(guest, event["id"], params={"invite": token})
    assert booked.status_code == 201
    r = await api.client.get(f"/api/v1/events/{event['id']}", headers=guest.headers)
    assert r.status_code == 200


async def test_the_invitation_url_points_at_the_event_on_the_public_url(
    api: Api, host: User
) -> None:
    event = await api.publish(host, visibility="private")
    r = await api.client.post(f"/api/v1/events/{event['id']}/invitations", headers=host.headers)
    assert r.status_code == 201
    body = r.json()
    url = urlsplit(body["url"])
    assert f"{url.scheme}://{url.netloc}" == PUBLIC_URL
    assert url.path == f"/api/v1/events/{event['id']}"
    assert parse_qs(url.query)["invite"] == [body["token"]]


async def test_only_the_host_makes_invitations(api: Api, host: User, guest: User) -> None:
    public = await api.publish(host)
    private = await api.publish(host, visibility="private")
    r = await api.client.post(f"/api/v1/events/{public['id']}/invitations", headers=guest.headers)
    assert_problem(r, 403, "permission-denied")
    r = await api.client.post(f"/api/v1/events/{private['id']}/invitations", headers=guest.headers)
    assert_problem(r, 404, "not-found")


async def test_patch_changes_only_the_fields_sent(api: Api, host: User) -> None:
    event = await api.publish(host)
    r = await api.client.patch(
        f"/api/v1/events/{event['id']}",
        json={"title": "Solaris, director's cut", "capacity": 12},
        headers=host.headers,
    )
    assert r.status_code == 200
    edited = r.json()
    assert (edited["title"], edited["capacity"], edited["seats_left"]) == (
        "Solaris, director's cut",
        12,
        12,
    )
    unchanged = EVENT_KEYS - {"title", "capacity", "seats_left", "updated_at"}
    assert {k: edited[k] for k in unchanged} == {k: event[k] for k in unchanged}


async def test_a_foreign_user_editing_a_public_event_is_403(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host)
    r = await api.client.patch(
        f"/api/v1/events/{event['id']}", json={"title": "Mine now"}, headers=guest.headers
    )
    assert_problem(r, 403, "permission-denied")


async def test_a_foreign_user_editing_a_private_event_is_404(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, visibility="private")
    r = await api.client.patch(
        f"/api/v1/events/{event['id']}", json={"title": "Mine now"}, headers=guest.headers
    )
    assert_problem(r, 404, "not-found")


async def test_editing_needs_an_account(api: Api, host: User) -> None:
    event = await api.publish(host)
    r = await api.client.patch(f"/api/v1/events/{event['id']}", json={"title": "x"})
    assert_problem(r, 401, "unauthenticated")


async def test_capacity_below_the_booked_seats_is_409(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    assert (await api.book(guest, event["id"], seats=3)).status_code == 201
    r = await api.client.patch(
        f"/api/v1/events/{event['id']}", json={"capacity": 2}, headers=host.headers
    )
    assert_problem(r, 409, "conflict")


async def test_cancelling_an_event_cancels_its_bookings(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    assert (await api.book(guest, event["id"], seats=2)).status_code == 201
    r = await api.client.post(
        f"/api/v1/events/{event['id']}/cancel", json={"reason": "flooded"}, headers=host.headers
    )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["booked"]) == ("cancelled", 0)
    mine = (await api.client.get("/api/v1/bookings", headers=guest.headers)).json()
    assert [b["status"] for b in mine["items"]] == ["cancelled"]


async def test_cancel_needs_no_body(api: Api, host: User) -> None:
    event = await api.publish(host)
    r = await api.client.post(f"/api/v1/events/{event['id']}/cancel", headers=host.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"


async def test_a_foreign_user_cancelling_is_403_and_twice_is_409(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host)
    r = await api.client.post(f"/api/v1/events/{event['id']}/cancel", headers=guest.headers)
    assert_problem(r, 403, "permission-denied")
    await api.client.post(f"/api/v1/events/{event['id']}/cancel", headers=host.headers)
    r = await api.client.post(f"/api/v1/events/{event['id']}/cancel", headers=host.headers)
    assert_problem(r, 409, "conflict")


async def test_editing_a_started_event_is_409(api: Api, host: User) -> None:
    event = await api.publish(host)
    api.clock.advance(timedelta(days=40))
    host = await api.login(host)
    r = await api.client.patch(
        f"/api/v1/events/{event['id']}", json={"title": "Late"}, headers=host.headers
    )
    assert_problem(r, 409, "conflict")


async def test_the_guest_list_is_for_the_host_only(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    assert (await api.book(guest, event["id"], seats=2)).status_code == 201
    r = await api.client.get(f"/api/v1/events/{event['id']}/guests", headers=host.headers)
    assert r.status_code == 200
    [entry] = r.json()["items"]
    assert (entry["account_id"], entry["full_name"], entry["seats"]) == (guest.id, "Gleb Guest", 2)
    r = await api.client.get(f"/api/v1/events/{event['id']}/guests", headers=guest.headers)
    assert_problem(r, 403, "permission-denied")
    r = await api.client.get(f"/api/v1/events/{event['id']}/guests")
    assert_problem(r, 401, "unauthenticated")


async def test_the_guest_list_of_a_private_event_is_404_for_strangers(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, visibility="private")
    r = await api.client.get(f"/api/v1/events/{event['id']}/guests", headers=guest.headers)
    assert_problem(r, 404, "not-found")
