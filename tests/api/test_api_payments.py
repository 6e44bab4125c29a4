"""Paid bookings over HTTP with the sandbox provider: the hosted page, signed webhooks
(verified before anything is read, applied once), refunds, and who may see a payment."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from adapters.memory import MemoryNotifier
from adapters.payments.sandbox import SIGNATURE_HEADER, sign
from entrypoints.container import Container

from .apiclient import PUBLIC_URL, Api, Loopback, User, assert_problem

PRICE = {"amount": 150000, "currency": "RUB"}
WEBHOOK = "/api/v1/payments/webhooks/sandbox"


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Poll until `check()` holds: the relay and the webhook run in the background."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the background work did not finish in time")
        await asyncio.sleep(0.02)


async def paid_booking(api: Api, host: User, guest: User, seats: int = 2) -> dict[str, Any]:
    event = await api.publish(host, price=PRICE, capacity=5)
    r = await api.book(guest, event["id"], seats=seats)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def intent_of(booking: dict[str, Any]) -> str:
    match = re.search(r"/pay/sandbox/(pi_[0-9a-f]+)$", booking["payment_url"])
    assert match, booking["payment_url"]
    return match.group(1)


async def pay(
    api: Api, booking: dict[str, Any], card: str = "4242 4242 4242 4242"
) -> httpx.Response:
    return await api.client.post(
        f"/pay/sandbox/{intent_of(booking)}", data={"card_number": card, "action": "pay"}
    )


async def booking_status(api: Api, guest: User, booking_id: str) -> str:
    mine = (await api.client.get("/api/v1/bookings", headers=guest.headers)).json()["items"]
    return next(b["status"] for b in mine if b["id"] == booking_id)  # type: ignore[no-any-return]


async def test_a_paid_booking_holds_seats_and_hands_out_the_payment_page(
    api: Api, host: User, guest: User
) -> None:
    booking = await paid_booking(api, host, guest)

    assert booking["status"] == "pending_payment"
    assert booking["tickets"] == []
    assert booking["amount"] == {"amount": 300000, "currency": "RUB"}
    assert booking["payment_url"].startswith(f"{PUBLIC_URL}/pay/sandbox/pi_")
    page = await api.client.get(booking["payment_url"])
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "3000.00 RUB" in page.text
    assert "4242 4242 4242 4242" in page.text


async def test_paying_with_4242_confirms_the_booking_and_issues_tickets(
    api: Api, host: User, guest: User, platform: Container
) -> None:
    booking = await paid_booking(api, host, guest)

    r = await pay(api, booking)

    assert r.status_code == 303
    assert r.headers["location"] == f"{PUBLIC_URL}/pay/return/{booking['payment_id']}"

    async def confirmed() -> bool:
        return await booking_status(api, guest, booking["id"]) == "confirmed"

    await eventually(confirmed)
    mine = (await api.client.get("/api/v1/bookings", headers=guest.headers)).json()["items"]
    assert len(mine[0]["tickets"]) == 2
    payment = await api.client.get(
        f"/api/v1/payments/{booking['payment_id']}", headers=guest.headers
    )
    assert payment.json()["status"] == "succeeded"
    assert payment.json()["captured"] == 300000
    result = await api.client.get(r.headers["location"])
    assert 'data-state="confirmed"' in result.text
    assert isinstance(platform.notifier, MemoryNotifier)
    assert [m.subject for m in platform.notifier.sent] == ["Booked: Film night: Solaris"]


async def test_a_declined_card_releases_the_seats(api: Api, host: User, guest: User) -> None:
    booking = await paid_booking(api, host, guest)

    r = await pay(api, booking, "4000 0000 0000 0002")
    assert r.status_code == 303

    async def released() -> bool:
        return await booking_status(api, guest, booking["id"]) == "expired"

    await eventually(released)
    event = (await api.client.get(f"/api/v1/events/{booking['event_id']}")).json()
    assert event["booked"] == 0
    result = await api.client.get(r.headers["location"])
    assert 'data-state="declined"' in result.text
    assert "card declined" in result.text


async def test_a_card_that_is_not_a_test_card_is_refused_on_the_page(
    api: Api, host: User, guest: User
) -> None:
    booking = await paid_booking(api, host, guest)
    r = await pay(api, booking, "5555 5555 5555 4444")
    assert r.status_code == 422
    assert "use a test card" in r.text


def signed(
    platform: Container,
    payload: dict[str, Any],
    *,
    secret: str | None = None,
    at: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    moment = at if at is not None else int(platform.clock.now().timestamp())
    signature = sign(secret or platform.settings.sandbox_webhook_secret, body, moment)
    return body, {SIGNATURE_HEADER: signature, "content-type": "application/json"}


def success_event(booking: dict[str, Any], event_id: str = "evt_test_1") -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "payment.succeeded",
        "created": 0,
        "data": {
            "intent": intent_of(booking),
            "payment_id": booking["payment_id"],
            "amount": 300000,
            "currency": "RUB",
            "refund": None,
            "refund_id": None,
        },
    }


async def test_bad_signatures_are_refused_with_400_and_change_nothing(
    api: Api, host: User, guest: User, platform: Container
) -> None:
    booking = await paid_booking(api, host, guest)
    body, headers = signed(platform, success_event(booking))
    stale = int(platform.clock.now().timestamp()) - 301
    attempts = {
        "tampered": (body.replace(b"300000", b"300001"), headers),
        "wrong secret": signed(platform, success_event(booking), secret="not-the-secret"),
        "stale": signed(platform, success_event(booking), at=stale),
        "missing": (body, {"content-type": "application/json"}),
    }
    for name, (data, sent_headers) in attempts.items():
        r = await api.client.post(WEBHOOK, content=data, headers=sent_headers)
        assert_problem(r, 400, "invalid-webhook")
        assert r.json()["detail"], name

    r = await api.client.post(WEBHOOK, content=body, headers=headers)  # the genuine one still
    assert r.status_code == 200
    assert r.json() == {"received": True, "duplicate": False}


async def test_one_webhook_ten_times_in_a_row_and_ten_at_once_confirms_once(
    api: Api, host: User, guest: User, platform: Container
) -> None:
    booking = await paid_booking(api, host, guest)
    body, headers = signed(platform, success_event(booking, "evt_once"))

    serial = [await api.client.post(WEBHOOK, content=body, headers=headers) for _ in range(10)]
    burst = await asyncio.gather(
        *(api.client.post(WEBHOOK, content=body, headers=headers) for _ in range(10))
    )

    assert [r.status_code for r in serial + list(burst)] == [200] * 20
    assert [r.json()["duplicate"] for r in serial] == [False] + [True] * 9
    assert all(r.json()["duplicate"] for r in burst)

    async def confirmed() -> bool:
        return await booking_status(api, guest, booking["id"]) == "confirmed"

    await eventually(confirmed)
    await platform.tasks.drain()  # type: ignore[attr-defined]
    assert isinstance(platform.notifier, MemoryNotifier)
    assert len(platform.notifier.sent) == 1
    payment = (
        await api.client.get(f"/api/v1/payments/{booking['payment_id']}", headers=guest.headers)
    ).json()
    assert payment["captured"] == 300000


async def test_a_paid_booking_is_refunded_before_the_start_and_not_after(
    api: Api, host: User, guest: User, platform: Container
) -> None:
    booking = await paid_booking(api, host, guest)
    await pay(api, booking)

    async def confirmed() -> bool:
        return await booking_status(api, guest, booking["id"]) == "confirmed"

    await eventually(confirmed)
    r = await api.client.post(f"/api/v1/bookings/{booking['id']}/refund", headers=guest.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"

    async def refunded() -> bool:
        p = await api.client.get(f"/api/v1/payments/{booking['payment_id']}", headers=guest.headers)
        return p.json()["status"] == "refunded"  # type: ignore[no-any-return]

    await eventually(refunded)
    event = (await api.client.get(f"/api/v1/events/{booking['event_id']}")).json()
    assert event["booked"] == 0

    late = await paid_booking(api, host, guest, seats=1)
    await pay(api, late)

    async def late_confirmed() -> bool:
        return await booking_status(api, guest, late["id"]) == "confirmed"

    await eventually(late_confirmed)
    platform.clock.advance(timedelta(days=60))  # type: ignore[attr-defined]  # past the start
    guest = await api.login(guest)
    r = await api.client.post(f"/api/v1/bookings/{late['id']}/refund", headers=guest.headers)
    assert_problem(r, 409, "conflict")


async def test_a_free_booking_has_nothing_to_refund(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host)
    booking = (await api.book(guest, event["id"])).json()
    r = await api.client.post(f"/api/v1/bookings/{booking['id']}/refund", headers=guest.headers)
    body = assert_problem(r, 409, "conflict")
    assert "cancel it instead" in body["detail"]


async def test_only_the_payer_sees_a_payment(api: Api, host: User, guest: User) -> None:
    booking = await paid_booking(api, host, guest)
    mine = await api.client.get(f"/api/v1/payments/{booking['payment_id']}", headers=guest.headers)
    assert mine.status_code == 200
    assert mine.json()["payment_url"] == booking["payment_url"]
    theirs = await api.client.get(f"/api/v1/payments/{booking['payment_id']}", headers=host.headers)
    assert_problem(theirs, 404, "not-found")


async def test_a_webhook_for_an_unknown_provider_is_404(api: Api) -> None:
    r = await api.client.post("/api/v1/payments/webhooks/acme", content=b"{}")
    assert_problem(r, 404, "not-found")


async def test_a_webhook_endpoint_that_fails_is_retried_until_it_answers(
    api: Api, host: User, guest: User, loopback: Loopback, platform: Container
) -> None:
    booking = await paid_booking(api, host, guest)
    app, loopback.app = loopback.app, None  # the endpoint is down: deliveries raise
    await pay(api, booking)
    await platform.tasks.drain()  # type: ignore[attr-defined]
    assert await booking_status(api, guest, booking["id"]) == "pending_payment"

    loopback.app = app
    platform.clock.advance(timedelta(seconds=65))  # type: ignore[attr-defined]  # past the backoff
    guest = await api.login(guest)
    delivered = await platform.sandbox.deliver_due()

    assert delivered == 1

    async def confirmed() -> bool:
        return await booking_status(api, guest, booking["id"]) == "confirmed"

    await eventually(confirmed)
