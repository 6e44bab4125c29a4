"""A host's pages: their events, changing one (the guests are told), cancelling, marking it
held, the guest list with ratings; a guest's waiting list and reviews on the event page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .apiclient import User
from .pagesite import Site, signed_in
from .test_pages_booking import publish

ENDED = datetime(2030, 2, 1, 20, 0, tzinfo=UTC)


async def test_the_host_changes_the_start_in_local_time_and_the_guest_sees_it(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser)
    guest = await site.api.register("Gleb Guest")
    assert (await site.api.book(guest, event["id"])).status_code == 201
    client, token = await signed_in(site, organiser)
    mine = await client.get("/hosting")
    assert f'data-testid="hosted-{event["id"]}"' in mine.text
    page = await client.get(f"/hosting/events/{event['id']}")
    assert 'value="2030-02-01T19:00"' in page.text  # Moscow time, as the host thinks of it
    assert "Gleb Guest" in page.text

    r = await client.post(
        f"/hosting/events/{event['id']}/edit",
        data={
            "csrf_token": token,
            "title": "Film night: Solaris",
            "starts_at": "2030-02-01T20:30",
            "ends_at": "2030-02-01T23:00",
            "city": "Moscow",
            "address": "Cinema club, hall 2",
            "capacity": "10",
        },
    )
    assert (r.status_code, r.headers["location"]) == (303, f"/hosting/events/{event['id']}?saved=1")
    r = await site.api.client.get(f"/api/v1/events/{event['id']}")
    assert datetime.fromisoformat(r.json()["starts_at"]) == datetime(2030, 2, 1, 17, 30, tzinfo=UTC)
    shown = await (await site.browser()).get(f"/events/{event['id']}")
    assert "2030-02-01 20:30" in shown.text


async def test_a_bad_time_is_shown_on_the_form_and_changes_nothing(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser)
    client, token = await signed_in(site, organiser)
    r = await client.post(
        f"/hosting/events/{event['id']}/edit",
        data={"csrf_token": token, "starts_at": "tomorrow", "ends_at": "2030-02-01T23:00"},
    )
    assert r.status_code == 422
    assert "starts_at must look like" in r.text
    other = await site.api.register("Not The Host")
    client, token = await signed_in(site, other)
    r = await client.get(f"/hosting/events/{event['id']}")
    assert r.status_code == 403


async def test_the_host_cancels_and_marks_held(site: Site, organiser: User) -> None:
    cancelled = await publish(site, organiser)
    held = await publish(site, organiser, title="Held one")
    client, token = await signed_in(site, organiser)
    r = await client.post(
        f"/hosting/events/{cancelled['id']}/cancel", data={"csrf_token": token, "reason": "Rain"}
    )
    assert r.status_code == 303
    r = await site.api.client.get(f"/api/v1/events/{cancelled['id']}")
    assert r.json()["status"] == "cancelled"
    site.api.clock.current = datetime.fromisoformat(held["starts_at"]) + timedelta(minutes=1)
    client, token = await signed_in(site, await site.api.login(organiser))
    page = await client.get(f"/hosting/events/{held['id']}")
    assert 'data-testid="mark-held"' in page.text
    r = await client.post(f"/hosting/events/{held['id']}/held", data={"csrf_token": token})
    assert r.status_code == 303
    page = await client.get("/hosting")
    assert "held" in page.text


async def test_a_guest_waits_for_a_full_event_and_takes_the_offer(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser, capacity=1)
    first = await site.api.register("First Guest")
    booked = await site.api.book(first, event["id"])
    ann = await site.api.register("Ann Waiting")
    client, token = await signed_in(site, ann)
    page = await client.get(f"/events/{event['id']}")
    assert 'data-testid="waitlist-form"' in page.text
    r = await client.post(
        f"/events/{event['id']}/waitlist", data={"csrf_token": token, "seats": "1"}
    )
    assert r.status_code == 303
    assert 'data-testid="waitlist-waiting"' in (await client.get(f"/events/{event['id']}")).text
    await site.api.client.post(
        f"/api/v1/bookings/{booked.json()['id']}/cancel", headers=first.headers
    )
    page = await client.get(f"/events/{event['id']}")
    assert 'data-testid="waitlist-offer"' in page.text
    entry = (await site.api.client.get("/api/v1/waitlist", headers=ann.headers)).json()["items"][0]
    r = await client.post(f"/waitlist/{entry['id']}/accept", data={"csrf_token": token})
    assert (r.status_code, r.headers["location"]) == (303, "/bookings")
    assert ">confirmed<" in (await client.get("/bookings")).text


async def test_a_guest_reviews_the_event_on_its_page_after_it_ended(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser)
    guest = await site.api.register("Gleb Guest")
    await site.api.book(guest, event["id"])
    site.api.clock.current = ENDED
    client, token = await signed_in(site, await site.api.login(guest))
    page = await client.get(f"/events/{event['id']}")
    assert 'data-testid="review-form"' in page.text
    r = await client.post(
        f"/events/{event['id']}/review",
        data={"csrf_token": token, "target": "event", "rating": "4", "text": "Good print"},
    )
    assert r.status_code == 303
    page = await client.get(f"/events/{event['id']}")
    assert 'data-testid="event-rating">4.0<' in page.text
    assert "Good print" in page.text
    r = await client.post(
        f"/events/{event['id']}/review",
        data={"csrf_token": token, "target": "event", "rating": "5"},
    )
    assert r.status_code == 409
    assert "already reviewed" in r.text
