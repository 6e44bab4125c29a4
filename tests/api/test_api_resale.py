"""Resale over HTTP: sell, buy on the payment page, the barcode for the buyer only, the dead
old barcode at the door, one buyer at a time, refusals with the field named, messages with
contacts masked, organiser rules, and a cancelled event unwinding its sales."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from .apiclient import Api, User, assert_problem
from .resale_steps import (
    EXTERNAL,
    bought,
    listed,
    make_admin,
    pay,
    purchase_of,
    sell,
    settled,
    start_buying,
    ticket_of,
    verified,
)


@pytest.fixture
async def seller(api: Api) -> User:
    return await verified(api, "Sofia Seller", "+79990000001")


@pytest.fixture
async def buyer(api: Api) -> User:
    return await verified(api, "Boris Buyer", "+79990000002")


@pytest.fixture
async def other(api: Api) -> User:
    return await verified(api, "Olga Other", "+79990000003")


async def test_a_sale_reissues_the_ticket_and_only_the_buyer_sees_the_new_barcode(
    api: Api, host: User, seller: User, buyer: User, other: User
) -> None:
    ticket = await ticket_of(api, host, seller)
    old = ticket["barcode"]
    listing = await listed(api, seller, old)
    assert listing["authenticity"] == "genuine"
    assert listing["event_name"] == "Film night: Solaris"
    assert listing["barcode_hint"] == "…" + old[-4:]
    assert (listing["fee"], listing["proceeds"]) == (
        {"amount": 6_000, "currency": "RUB"},
        {"amount": 114_000, "currency": "RUB"},
    )
    public = (await api.client.get(f"/api/v1/resale/listings/{listing['id']}")).json()
    assert (public["barcode_hint"], public["fee"], public["mine"]) == (None, None, False)

    purchase = await bought(api, buyer, listing["id"])

    new = purchase["barcode"]
    assert new
    assert new != old
    mine = (await api.client.get("/api/v1/tickets", headers=buyer.headers)).json()["items"]
    assert [(t["id"], t["barcode"], t["from_resale"]) for t in mine] == [
        (purchase["ticket_id"], new, True)
    ]
    qr = await api.client.get(
        f"/api/v1/tickets/{purchase['ticket_id']}/qr.svg", headers=buyer.headers
    )
    assert qr.status_code == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.headers["cache-control"] == "no-store"
    assert qr.text.startswith("<svg")
    assert new not in qr.text  # the QR code draws the barcode; it does not spell it out
    for stranger in (seller, other):
        r = await api.client.get(
            f"/api/v1/resale/purchases/{purchase['id']}", headers=stranger.headers
        )
        assert_problem(r, 404, "not-found")
        r = await api.client.get(
            f"/api/v1/tickets/{purchase['ticket_id']}", headers=stranger.headers
        )
        assert_problem(r, 404, "not-found")
    sellers = (await api.client.get("/api/v1/tickets", headers=seller.headers)).json()["items"]
    assert [(t["status"], t["barcode"], t["qr_url"]) for t in sellers] == [("revoked", None, None)]
    booking = (await api.client.get("/api/v1/bookings", headers=seller.headers)).json()["items"][0]
    assert booking["tickets"] == [
        {"id": ticket["id"], "barcode": None, "status": "revoked", "seat_id": None}
    ]
    r = await api.client.get(f"/api/v1/tickets/{ticket['id']}/qr.svg", headers=seller.headers)
    assert_problem(r, 409, "conflict")

    door = f"/api/v1/events/{ticket['event_id']}/door"
    checks = [
        (await api.client.post(door, json={"barcode": code}, headers=host.headers)).json()
        for code in (old, new, new, "NOSUCHBARCODE")
    ]
    assert [(c["outcome"], c["admitted"]) for c in checks] == [
        ("revoked", False),
        ("admitted", True),
        ("already_admitted", False),
        ("unknown", False),
    ]
    assert "resold" in checks[0]["reason"]
    r = await api.client.post(door, json={"barcode": new}, headers=buyer.headers)
    assert_problem(r, 403, "permission-denied")

    feed = (await api.client.get("/api/v1/resale/listings")).json()["items"]
    assert feed == []
    sold = (await api.client.get("/api/v1/resale/my/listings", headers=seller.headers)).json()
    assert [(i["status"], i["escrow"]) for i in sold["items"]] == [("sold", "held")]
    purchases = (await api.client.get("/api/v1/resale/my/purchases", headers=buyer.headers)).json()
    assert [(i["id"], i["bought"]) for i in purchases["items"]] == [(listing["id"], True)]
    r = await api.client.get(f"/api/v1/resale/listings/{listing['id']}", headers=other.headers)
    assert_problem(r, 404, "not-found")


async def test_one_buyer_pays_at_a_time_and_comes_back_to_the_same_purchase(
    api: Api, host: User, seller: User, buyer: User, other: User
) -> None:
    listing = await listed(api, seller, (await ticket_of(api, host, seller))["barcode"])
    first = await start_buying(api, buyer, listing["id"])
    assert first.status_code == 201, first.text
    assert first.json()["payment_url"].startswith("https://stagedoor.test/pay/sandbox/")
    assert first.json()["barcode"] is None
    again = await start_buying(api, buyer, listing["id"])
    assert (again.json()["id"], again.json()["payment_url"]) == (
        first.json()["id"],
        first.json()["payment_url"],
    )
    assert_problem(await start_buying(api, other, listing["id"]), 409, "conflict")
    assert_problem(await start_buying(api, seller, listing["id"]), 403, "permission-denied")
    held = (await api.client.get(f"/api/v1/resale/listings/{listing['id']}")).json()
    assert held["status"] == "held"
    r = await api.client.post(
        f"/api/v1/resale/listings/{listing['id']}/withdraw", headers=seller.headers
    )
    assert_problem(r, 409, "conflict")

    await pay(api, first.json(), "4000 0000 0000 0002")  # declined
    failed = await settled(api, buyer, first.json()["id"], "failed")
    assert failed["barcode"] is None
    assert failed["listing"]["status"] == "available"
    second = await start_buying(api, other, listing["id"])
    assert second.status_code == 201, second.text


async def test_unverified_people_can_neither_sell_nor_buy(
    api: Api, host: User, seller: User
) -> None:
    plain = await api.register("Pavel Plain")
    ticket = await ticket_of(api, host, plain)
    r = await sell(api, plain, ticket["barcode"])
    assert "verify your phone" in assert_problem(r, 403, "permission-denied")["detail"]
    listing = await listed(api, seller, (await ticket_of(api, host, seller))["barcode"])
    r = await start_buying(api, plain, listing["id"])
    assert "verify your phone" in assert_problem(r, 403, "permission-denied")["detail"]
    r = await api.client.post("/api/v1/resale/listings", json={})
    assert_problem(r, 401, "unauthenticated")


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"price": {"amount": 0, "currency": "RUB"}}, 400, "price.amount"),
        ({"price": {"amount": 100, "currency": "rub"}}, 400, "price.currency"),
        ({"price": {"amount": 10**12, "currency": "RUB"}}, 400, "price.amount"),
        ({"barcode": ""}, 400, "barcode"),
        ({"barcode": "AB\x00CD"}, 400, "barcode"),
        ({"event_type": "opera-ish"}, 400, "event_type"),
        ({"issuer": "no spaces please"}, 400, "issuer"),
        ({"surprise": 1}, 400, None),
        ({"issuer": "kassa"}, 422, "event_name"),
        (
            {**EXTERNAL, "event": {**EXTERNAL["event"], "starts_at": "2029-01-01T10:00:00Z"}},
            422,
            "starts_at",
        ),
        (
            {**EXTERNAL, "event": {**EXTERNAL["event"], "starts_at": "2030-03-01T19:00:00"}},
            422,
            "starts_at",
        ),
        ({**EXTERNAL, "event": {**EXTERNAL["event"], "city": ""}}, 400, "event.city"),
        ({"barcode": "NOSUCHBARCODE22"}, 422, "barcode"),
    ],
)
async def test_malformed_listings_are_refused_naming_the_field_and_store_nothing(
    api: Api, seller: User, change: dict[str, Any], status: int, field: str | None
) -> None:
    body = {"barcode": "EXT-1", "price": {"amount": 100, "currency": "RUB"}}
    body |= {"event_type": "theatre", **change}
    r = await api.client.post("/api/v1/resale/listings", json=body, headers=seller.headers)
    problem = assert_problem(r, status, "bad-request" if status == 400 else "validation-failed")
    if field is not None:
        named = problem.get("field") or [e["field"] for e in problem.get("errors", [])]
        assert field in named, problem
    mine = (await api.client.get("/api/v1/resale/my/listings", headers=seller.headers)).json()
    assert mine["items"] == []


async def test_an_external_ticket_is_unverified_its_money_waits_and_can_be_disputed(
    api: Api, seller: User, buyer: User, other: User
) -> None:
    listing = await listed(api, seller, "kassa-555-777", amount=5_000, **EXTERNAL)
    assert (listing["authenticity"], listing["issuer"]) == ("unverified", "kassa")
    assert (listing["city"], listing["place"]) == ("Moscow", "Bolshoi")
    r = await sell(api, other, "KASSA 555 777", **EXTERNAL)
    assert "already on sale" in assert_problem(r, 409, "conflict")["detail"]
    purchase = await bought(api, buyer, listing["id"])
    assert (purchase["ticket_id"], purchase["barcode"]) == (None, "KASSA555777")
    assert purchase["listing"]["escrow"] == "held"
    r = await api.client.post(
        f"/api/v1/resale/listings/{listing['id']}/dispute", headers=seller.headers
    )
    assert_problem(r, 404, "not-found")
    r = await api.client.post(
        f"/api/v1/resale/listings/{listing['id']}/dispute", headers=buyer.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["escrow"] == "disputed"


async def test_messages_mask_contacts_and_the_seller_answers_in_the_buyers_thread(
    api: Api, host: User, seller: User, buyer: User, other: User
) -> None:
    listing = await listed(api, seller, (await ticket_of(api, host, seller))["barcode"])
    url = f"/api/v1/resale/listings/{listing['id']}/messages"
    r = await api.client.post(
        url, json={"body": "Is it row 5? Call me +7 999 123-45-67 or boris@mail.example"},
        headers=buyer.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["body"] == "Is it row 5? Call me [hidden] or [hidden]"
    assert (r.json()["author"], r.json()["mine"]) == ("buyer", True)
    api.clock.advance(timedelta(minutes=1))
    r = await api.client.post(url, json={"body": "Yes"}, headers=seller.headers)
    assert_problem(r, 422, "validation-failed")
    r = await api.client.post(
        url, json={"body": "Yes, row 5", "buyer_id": other.id}, headers=seller.headers
    )
    assert_problem(r, 404, "not-found")
    r = await api.client.post(
        url, json={"body": "Yes, row 5", "buyer_id": buyer.id}, headers=seller.headers
    )
    assert r.status_code == 201, r.text
    threads = await api.client.get(
        f"/api/v1/resale/listings/{listing['id']}/threads", headers=seller.headers
    )
    assert [(t["buyer_id"], t["messages"]) for t in threads.json()["items"]] == [(buyer.id, 2)]
    seen = (await api.client.get(url, headers=buyer.headers)).json()["items"]
    assert [(m["author"], m["mine"]) for m in seen] == [("buyer", True), ("seller", False)]
    assert (await api.client.get(url, headers=other.headers)).json()["items"] == []
    r = await api.client.get(
        f"/api/v1/resale/listings/{listing['id']}/threads", headers=other.headers
    )
    assert_problem(r, 404, "not-found")
    r = await api.client.post(url, json={"body": "x" * 2001}, headers=buyer.headers)
    assert_problem(r, 400, "bad-request")


async def test_the_feed_filters_and_pages_and_sellers_withdraw_or_expire(
    api: Api, seller: User, buyer: User
) -> None:
    made = []
    for n, (kind, city) in enumerate(
        [("sport", "Kazan"), ("theatre", "Moscow"), ("sport", "Moscow")]
    ):
        facts = {**EXTERNAL["event"], "event_name": f"Match {n}", "city": city}
        made.append(
            await listed(api, seller, f"EXT-{n}", event_type=kind, issuer="kassa", event=facts)
        )
        api.clock.advance(timedelta(seconds=1))  # ids of one millisecond have no order
    page = (await api.client.get("/api/v1/resale/listings", params={"limit": 2})).json()
    rest = (
        await api.client.get("/api/v1/resale/listings", params={"cursor": page["next_cursor"]})
    ).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == [m["id"] for m in reversed(made)]
    assert rest["next_cursor"] is None

    async def ids(**params: str) -> list[str]:
        r = await api.client.get("/api/v1/resale/listings", params=params)
        return [i["id"] for i in r.json()["items"]]

    assert await ids(event_type="sport", city="moscow") == [made[2]["id"]]
    assert await ids(q="match 1") == [made[1]["id"]]
    assert_problem(
        await api.client.get("/api/v1/resale/listings", params={"event_type": "x"}),
        400,
        "bad-request",
    )
    assert_problem(
        await api.client.get("/api/v1/resale/listings", params={"cursor": "@@"}),
        422,
        "validation-failed",
    )

    withdrawn = await api.client.post(
        f"/api/v1/resale/listings/{made[0]['id']}/withdraw", headers=seller.headers
    )
    expired = await api.client.post(
        f"/api/v1/resale/listings/{made[1]['id']}/expire", headers=seller.headers
    )
    assert (withdrawn.json()["status"], expired.json()["status"]) == ("withdrawn", "expired")
    assert await ids() == [made[2]["id"]]
    r = await api.client.post(
        f"/api/v1/resale/listings/{made[2]['id']}/withdraw", headers=buyer.headers
    )
    assert_problem(r, 403, "permission-denied")
    r = await api.client.post(
        f"/api/v1/resale/listings/{made[0]['id']}/withdraw", headers=buyer.headers
    )
    assert_problem(r, 404, "not-found")


async def test_organisers_cap_prices_and_only_admins_set_fees(
    api: Api, host: User, seller: User, other: User
) -> None:
    host_id = host.id
    r = await api.client.put(
        "/api/v1/resale/rules/me/price-cap", json={"price_cap_percent": 120}, headers=host.headers
    )
    assert r.json() == {"organiser_id": host_id, "price_cap_percent": 120, "fee_bp": 500}
    r = await api.client.put(
        "/api/v1/resale/rules/me/price-cap", json={"price_cap_percent": 99}, headers=host.headers
    )
    assert_problem(r, 400, "bad-request")
    fee_url = f"/api/v1/resale/rules/{host_id}/fee"
    assert_problem(
        await api.client.put(fee_url, json={"fee_bp": 0}, headers=other.headers),
        403,
        "permission-denied",
    )
    await make_admin(api, other)
    other = await api.login(other)
    r = await api.client.put(fee_url, json={"fee_bp": 1000}, headers=other.headers)
    assert r.json()["fee_bp"] == 1000
    assert (await api.client.get(f"/api/v1/resale/rules/{host_id}")).json()["fee_bp"] == 1000

    price = {"amount": 100_000, "currency": "RUB"}
    ticket = await ticket_of(api, host, seller, price=price)
    r = await sell(api, seller, ticket["barcode"], amount=120_001)
    assert assert_problem(r, 422, "validation-failed")["field"] == "price"
    listing = await listed(api, seller, ticket["barcode"], amount=120_000)
    assert listing["fee"] == {"amount": 12_000, "currency": "RUB"}


async def test_a_listed_ticket_keeps_its_booking_until_the_listing_goes(
    api: Api, host: User, seller: User
) -> None:
    ticket = await ticket_of(api, host, seller)
    listing = await listed(api, seller, ticket["barcode"])
    cancel = f"/api/v1/bookings/{ticket['booking_id']}/cancel"
    r = await api.client.post(cancel, headers=seller.headers)
    assert "withdraw the listing first" in assert_problem(r, 409, "conflict")["detail"]
    r = await sell(api, seller, ticket["barcode"])
    assert_problem(r, 409, "conflict")
    await api.client.post(
        f"/api/v1/resale/listings/{listing['id']}/withdraw", headers=seller.headers
    )
    assert (await api.client.post(cancel, headers=seller.headers)).status_code == 200


async def test_a_cancelled_event_unwinds_the_sale_and_refunds_the_buyer(
    api: Api, host: User, seller: User, buyer: User
) -> None:
    ticket = await ticket_of(api, host, seller)
    listing = await listed(api, seller, ticket["barcode"])
    purchase = await bought(api, buyer, listing["id"])
    r = await api.client.post(
        f"/api/v1/events/{ticket['event_id']}/cancel",
        json={"reason": "flood"},
        headers=host.headers,
    )
    assert r.status_code == 200, r.text
    unwound = await settled(api, buyer, purchase["id"], "refunded")
    assert (unwound["barcode"], unwound["listing"]["escrow"]) == (None, "refunded")
    payment = await api.client.get(
        f"/api/v1/payments/{purchase['payment_id']}", headers=buyer.headers
    )
    assert payment.json()["refunded"] + payment.json()["refund_pending"] == 120_000
    mine = (await api.client.get("/api/v1/tickets", headers=buyer.headers)).json()["items"]
    assert [(t["status"], t["barcode"]) for t in mine] == [("void", None)]
    assert (await purchase_of(api, buyer, purchase["id"]))["status"] == "refunded"
