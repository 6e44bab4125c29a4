"""A guest's booking pages: the event page and its form, paid and free bookings, the list of
one's bookings (see `pagesite.py` for the site and its browsers)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .apiclient import User, event_body
from .pagesite import Site, csrf_of, signed_in

PRICE = {"amount": 150000, "currency": "RUB"}
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


async def publish(site: Site, host: User, **overrides: Any) -> dict[str, Any]:
    r = await site.api.client.post(
        "/api/v1/events", json=event_body(**overrides), headers=host.headers
    )
    assert r.status_code == 201, r.text
    event: dict[str, Any] = r.json()
    return event


async def seats_left(site: Site, event: dict[str, Any]) -> int:
    r = await site.api.client.get(f"/api/v1/events/{event['id']}")
    left: int = r.json()["seats_left"]
    return left


async def test_a_visitor_sees_the_event_and_is_asked_to_sign_in_to_book(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser, price=PRICE)
    visitor = await site.browser()

    page = await visitor.get(f"/events/{event['id']}")

    assert page.status_code == 200
    assert "Film night: Solaris" in page.text
    assert 'data-testid="event-price">1500.00 RUB<' in page.text
    assert 'data-testid="seats-left">10<' in page.text
    assert f'href="/login?next={quote("/events/" + event["id"], safe="")}"' in page.text
    assert 'data-testid="book-form"' not in page.text
    r = await visitor.post(f"/events/{event['id']}/book", data={"seats": "1"})
    assert r.status_code in (303, 403)  # no session (and no CSRF cookie yet): nothing booked
    assert await seats_left(site, event) == 10


async def test_a_free_event_is_booked_at_once_and_listed_with_its_tickets(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser)
    guest = await site.api.register("Gleb Guest")
    client, token = await signed_in(site, guest)
    page = await client.get(f"/events/{event['id']}")
    assert 'data-testid="book-form"' in page.text
    key = KEY.search(page.text)
    assert key

    r = await client.post(
        f"/events/{event['id']}/book",
        data={"seats": "2", "idempotency_key": key.group(1), "csrf_token": token},
    )

    assert (r.status_code, r.headers["location"]) == (303, "/bookings")
    assert await seats_left(site, event) == 8
    mine = await client.get("/bookings")
    assert "Film night: Solaris" in mine.text
    assert ">confirmed<" in mine.text
    assert mine.text.count("<code>") == 2  # one barcode per seat
    again = await client.post(  # the same form sent twice books once
        f"/events/{event['id']}/book",
        data={"seats": "2", "idempotency_key": key.group(1), "csrf_token": token},
    )
    assert again.status_code == 303
    assert await seats_left(site, event) == 8


async def test_a_paid_event_goes_on_to_the_payment_page_and_waits_for_it(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser, price=PRICE)
    guest = await site.api.register("Gleb Guest")
    client, token = await signed_in(site, guest)

    r = await client.post(f"/events/{event['id']}/book", data={"seats": "1", "csrf_token": token})

    assert r.status_code == 303
    assert "/pay/sandbox/" in r.headers["location"]
    checkout = await client.get(r.headers["location"])
    assert checkout.status_code == 200
    assert "1500.00 RUB" in checkout.text
    assert await seats_left(site, event) == 9  # held while the guest pays
    mine = await client.get("/bookings")
    assert ">awaiting payment<" in mine.text
    assert "<code>" not in mine.text  # no ticket before the payment


async def test_a_refused_booking_shows_the_page_again_with_the_reason(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser, capacity=2)
    guest = await site.api.register("Gleb Guest")
    client, token = await signed_in(site, guest)
    url = f"/events/{event['id']}/book"

    for seats, status, reason in [
        ("3", 409, "seats"),
        ("two", 422, "seats must be a whole number"),
        ("0", 422, "seats"),
    ]:
        r = await client.post(url, data={"seats": seats, "csrf_token": token})
        assert r.status_code == status, (seats, r.text)
        assert 'data-testid="book-error"' in r.text
        assert reason in r.text
        assert f'value="{seats}"' in r.text  # what was typed stays in the form

    assert await seats_left(site, event) == 2
    assert 'data-testid="no-bookings"' in (await client.get("/bookings")).text


async def test_a_private_event_needs_its_invitation_on_the_page_too(
    site: Site, organiser: User
) -> None:
    event = await publish(site, organiser, visibility="private")
    r = await site.api.client.post(
        f"/api/v1/events/{event['id']}/invitations", headers=organiser.headers
    )
    assert r.status_code == 201, r.text
    invite = r.json()["token"]
    guest = await site.api.register("Gleb Guest")
    client, token = await signed_in(site, guest)

    assert (await client.get(f"/events/{event['id']}")).status_code == 404
    page = await client.get(f"/events/{event['id']}", params={"invite": invite})
    assert page.status_code == 200
    assert f'name="invite" value="{invite}"' in page.text
    refused = await client.post(
        f"/events/{event['id']}/book", data={"seats": "1", "csrf_token": token}
    )
    assert refused.status_code == 404
    booked = await client.post(
        f"/events/{event['id']}/book",
        data={"seats": "1", "invite": invite, "csrf_token": csrf_of(page.text)},
    )
    assert booked.status_code == 303
    assert (await client.get(f"/events/{event['id']}")).status_code == 200  # a guest now


async def test_a_cancelled_event_offers_no_form(site: Site, organiser: User) -> None:
    event = await publish(site, organiser)
    r = await site.api.client.post(
        f"/api/v1/events/{event['id']}/cancel", json={"reason": "rain"}, headers=organiser.headers
    )
    assert r.status_code == 200, r.text
    guest = await site.api.register("Gleb Guest")
    client, token = await signed_in(site, guest)

    page = await client.get(f"/events/{event['id']}")

    assert "This event is cancelled." in page.text
    assert 'data-testid="book-form"' not in page.text
    r = await client.post(f"/events/{event['id']}/book", data={"seats": "1", "csrf_token": token})
    assert r.status_code == 409


async def test_the_pages_speak_russian_on_request(site: Site, organiser: User) -> None:
    event = await publish(site, organiser)
    visitor = await site.browser()
    page = await visitor.get(f"/events/{event['id']}", params={"lang": "ru"})
    assert "Войти, чтобы забронировать" in page.text
    assert "бесплатно" in page.text


async def test_the_events_page_lists_upcoming_public_events_and_searches_them(
    site: Site, organiser: User
) -> None:
    film = await publish(site, organiser)
    match = await publish(site, organiser, title="Co-watching: the cup final", city="Kazan")
    await publish(site, organiser, title="Secret screening", visibility="private")
    visitor = await site.browser()

    everything = await visitor.get("/events")
    assert everything.status_code == 200
    assert f'href="/events/{film["id"]}"' in everything.text
    assert f'href="/events/{match["id"]}"' in everything.text
    assert "Secret screening" not in everything.text
    in_kazan = await visitor.get("/events", params={"city": "Kazan"})
    assert f'href="/events/{match["id"]}"' in in_kazan.text
    assert f'href="/events/{film["id"]}"' not in in_kazan.text
    by_text = await visitor.get("/events", params={"q": "solaris"})
    assert f'href="/events/{film["id"]}"' in by_text.text
    assert f'href="/events/{match["id"]}"' not in by_text.text
    nothing = await visitor.get("/events", params={"q": "opera"})
    assert 'data-testid="no-events"' in nothing.text
    assert (await visitor.get("/events", params={"cursor": "forged"})).status_code == 422


async def test_the_events_page_pages_by_twenty(site: Site, organiser: User) -> None:
    for n in range(21):
        await publish(site, organiser, title=f"Screening {n:02d}",
                      starts_at=f"2030-02-{n + 1:02d}T19:00:00+03:00",
                      ends_at=f"2030-02-{n + 1:02d}T22:00:00+03:00")  # fmt: skip
    visitor = await site.browser()

    first = await visitor.get("/events")

    assert first.text.count("Screening ") == 20
    more = re.search(r'href="(/events\?[^"]+)" data-testid="more-events"', first.text)
    assert more
    second = await visitor.get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert "Screening 20" in second.text
    assert second.text.count("Screening ") == 1
    assert 'data-testid="more-events"' not in second.text
