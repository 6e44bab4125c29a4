"""Venues and seated events over HTTP and on the event page: import a seat map, publish an
event there, book chosen seats, see them drawn and taken."""

from __future__ import annotations

from typing import Any

from .apiclient import Api, User, assert_problem, event_body
from .pagesite import Site, signed_in

HALL: dict[str, Any] = {
    "name": "Hall 2",
    "categories": [
        {"code": "A", "name": "Stalls", "price": {"amount": 90000, "currency": "RUB"}},
        {"code": "F", "name": "Free corner"},
    ],
    "sections": [
        {"name": "Stalls", "rows": [{"label": "1", "seats": 3, "category": "A"}]},
        {"name": "Corner", "y": 60, "rows": [{"label": "1", "seats": 2, "category": "F"}]},
    ],
}


async def seated_event(api: Api, host: User) -> tuple[dict[str, Any], dict[str, Any]]:
    r = await api.client.post("/api/v1/venues", json=HALL, headers=host.headers)
    assert r.status_code == 201, r.text
    venue = r.json()
    event = await api.publish(host, venue_id=venue["id"], capacity=1)
    return venue, event


async def test_a_venue_is_imported_and_an_event_there_sells_chosen_seats(
    api: Api, host: User, guest: User
) -> None:
    venue, event = await seated_event(api, host)
    assert (venue["seats"], event["capacity"], event["venue_id"]) == (5, 5, venue["id"])
    assert (await api.client.get(f"/api/v1/venues/{venue['id']}")).json()["seat_map"] == venue[
        "seat_map"
    ]
    plan = (await api.client.get(f"/api/v1/events/{event['id']}/seats")).json()["seats"]
    corner = [s for s in plan if s["category"] == "F"]
    r = await api.client.post(
        f"/api/v1/events/{event['id']}/bookings",
        json={"seats": 2, "seat_ids": [corner[0]["id"], corner[1]["id"]]},
        headers=guest.headers,
    )
    assert (r.status_code, r.json()["status"]) == (201, "confirmed"), r.text
    assert sorted(t["seat_id"] for t in r.json()["tickets"]) == sorted(s["id"] for s in corner)
    plan = (await api.client.get(f"/api/v1/events/{event['id']}/seats")).json()["seats"]
    assert [s["free"] for s in plan] == [True, True, True, False, False]
    other = await api.register("Olga Late")
    r = await api.client.post(
        f"/api/v1/events/{event['id']}/bookings",
        json={"seats": 1, "seat_ids": [corner[0]["id"]]},
        headers=other.headers,
    )
    assert "already taken: Corner, row 1, seat 1" in assert_problem(r, 409, "conflict")["detail"]


async def test_a_wrong_seat_map_is_422_naming_the_field(api: Api, host: User) -> None:
    broken = {**HALL, "sections": [{"name": "S", "rows": [{"seats": 2, "category": "Z"}]}]}
    r = await api.client.post("/api/v1/venues", json=broken, headers=host.headers)
    assert assert_problem(r, 422, "validation-failed")["field"] == "sections[0].rows[0].category"
    r = await api.client.post(
        "/api/v1/events", json=event_body(venue_id=host.id), headers=host.headers
    )
    assert_problem(r, 404, "not-found")


async def test_the_event_page_draws_the_map_and_books_ticked_seats(
    site: Site, organiser: User
) -> None:
    _, event = await seated_event(site.api, organiser)
    guest = await site.api.register("Gleb Guest")
    client, token = await signed_in(site, guest)
    page = await client.get(f"/events/{event['id']}")
    assert page.text.count('data-state="free"') == 5
    assert "<title>Stalls, row 1, seat 2</title>" in page.text
    plan = (await site.api.client.get(f"/api/v1/events/{event['id']}/seats")).json()["seats"]
    r = await client.post(
        f"/events/{event['id']}/book",
        data={"csrf_token": token, "seat_ids": [plan[1]["id"]]},
    )
    assert r.status_code == 303
    assert "/pay/sandbox/" in r.headers["location"]  # a Stalls seat has a price
    page = await client.get(f"/events/{event['id']}")
    assert page.text.count('data-state="taken"') == 1
    assert f'data-seat="{plan[1]["id"]}" data-state="taken"' in page.text
