"""Resale and ticket pages: the feed and its filters, the sell form (with its refusals), buying
through the payment page to the barcode, withdrawing, messages, my tickets, phone checks."""

from __future__ import annotations

import re

from .apiclient import User
from .pagesite import Site, csrf_of, signed_in
from .resale_steps import listed, pay, settled, ticket_of, verified

LOCATION_PURCHASE = re.compile(r"^/resale/purchases/([0-9a-f-]+)$")


async def people(site: Site) -> tuple[User, User, User]:
    host = await site.api.register("Hanna Host")
    seller = await verified(site.api, "Sofia Seller", "+79990000001")
    buyer = await verified(site.api, "Boris Buyer", "+79990000002")
    return host, seller, buyer


async def test_the_feed_lists_tickets_on_sale_with_filters_in_both_languages(
    site: Site,
) -> None:
    host, seller, _ = await people(site)
    ticket = await ticket_of(site.api, host, seller)
    listing = await listed(site.api, seller, ticket["barcode"], event_type="cinema")
    visitor = await site.browser()
    page = await visitor.get("/resale")
    assert page.status_code == 200
    assert f'data-testid="listing-{listing["id"]}"' in page.text
    assert "Film night: Solaris" in page.text
    assert "1200.00 RUB" in page.text
    assert "verified by its issuer" in page.text
    assert ticket["barcode"] not in page.text
    none = await visitor.get("/resale", params={"event_type": "sport"})
    assert 'data-testid="no-listings"' in none.text
    found = await visitor.get("/resale", params={"city": "moscow", "q": "solaris"})
    assert listing["id"] in found.text
    ru = await visitor.get("/resale", params={"lang": "ru"})
    assert "Билеты от других зрителей" in ru.text
    assert "кино" in ru.text
    one = await visitor.get(f"/resale/listings/{listing['id']}")
    assert 'data-testid="sign-in-to-buy"' in one.text
    assert ticket["barcode"] not in one.text
    assert 'data-testid="barcode-hint"' not in one.text


async def test_selling_from_the_form_and_buying_through_the_payment_page(site: Site) -> None:
    host, seller, buyer = await people(site)
    ticket = await ticket_of(site.api, host, seller)
    selling, token = await signed_in(site, seller)
    form = await selling.get("/resale/sell")
    assert "Film night: Solaris" in form.text
    assert ticket["barcode"] not in form.text  # the ticket is chosen, its barcode stays home
    r = await selling.post(
        "/resale/sell",
        data={"source": "stagedoor", "ticket_id": ticket["id"], "event_type": "cinema",
              "price": "1500,50", "currency": "RUB", "csrf_token": token},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    listing_url = r.headers["location"]
    mine = await selling.get(listing_url)
    assert 'data-testid="listing-mine"' in mine.text
    assert f"…{ticket['barcode'][-4:]}" in mine.text
    assert ticket["barcode"] not in mine.text
    assert "1500.50 RUB" in mine.text
    assert "1425.47 RUB" in mine.text  # the proceeds: less the 5 % fee (75.025 rounds to 75.03)

    buying, buyer_token = await signed_in(site, buyer)
    page = await buying.get(listing_url)
    assert 'data-testid="buy-form"' in page.text
    r = await buying.post(f"{listing_url}/buy", data={"csrf_token": buyer_token})
    assert r.status_code == 303, r.text
    assert "/pay/sandbox/pi_" in r.headers["location"]
    held = await selling.get(listing_url)
    assert 'data-testid="withdraw"' not in held.text  # someone is paying
    back = await pay(site.api, {"payment_url": r.headers["location"]})
    returned = await buying.get(back)  # the provider sends the buyer back here
    assert returned.status_code == 303
    purchase_url = returned.headers["location"]
    found = LOCATION_PURCHASE.match(purchase_url)
    assert found, purchase_url
    purchase_id = found.group(1)
    done = await settled(site.api, buyer, purchase_id, "completed")
    page = await buying.get(purchase_url)
    assert 'data-state="completed"' in page.text
    assert f">{done['barcode']}<" in page.text
    assert "<svg" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert (await selling.get(purchase_url)).status_code == 404
    sold = await selling.get(listing_url)
    assert "money held until the event starts" in sold.text
    assert done["barcode"] not in sold.text
    tickets = await buying.get("/tickets")
    assert done["barcode"] in tickets.text
    assert "bought on resale" in tickets.text
    old = await selling.get("/tickets")
    assert ticket["barcode"] not in old.text
    assert "resold: its barcode is dead" in old.text


async def test_a_refused_sell_form_names_the_field_keeps_the_input_and_stores_nothing(
    site: Site,
) -> None:
    _, seller, _ = await people(site)
    client, token = await signed_in(site, seller)
    base = {"source": "external", "issuer": "kassa", "barcode": "KASSA-1", "event_name": "Gig",
            "starts_at": "2030-03-01T19:00", "time_zone": "Europe/Moscow", "city": "Omsk",
            "place": "Club", "event_type": "concert", "price": "100", "currency": "RUB",
            "csrf_token": token}  # fmt: skip
    cases = [
        ({"price": "abc"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "1.001"}, "price"),
        ({"currency": "XYZ"}, "currency"),
        ({"event_type": "circus"}, "event_type"),
        ({"event_name": ""}, "event_name"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"starts_at": "2029-01-01T10:00"}, "starts_at"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"source": "stagedoor"}, "ticket_id"),
        ({"issuer": "stagedoor"}, "issuer"),
    ]
    for change, field in cases:
        r = await client.post("/resale/sell", data={**base, **change})
        assert r.status_code == 422, (change, r.status_code)
        assert f'data-field="{field}"' in r.text, change
        assert "KASSA-1" not in r.text  # a typed barcode is not sent back
        assert 'value="Omsk"' in r.text or change.get("source") == "stagedoor"
    mine = await client.get("/resale/mine")
    assert 'data-testid="none-listed"' in mine.text
    r = await client.post("/resale/sell", data=base)
    assert r.status_code == 303, r.text
    page = await client.get(r.headers["location"])
    assert "not verified" in page.text


async def test_the_seller_withdraws_and_buyers_and_sellers_talk_with_contacts_masked(
    site: Site,
) -> None:
    host, seller, buyer = await people(site)
    listing = await listed(site.api, seller, (await ticket_of(site.api, host, seller))["barcode"])
    url = f"/resale/listings/{listing['id']}"
    buying, buyer_token = await signed_in(site, buyer)
    r = await buying.post(
        f"{url}/messages",
        data={"body": "Write me at boris@mail.example", "csrf_token": buyer_token},
    )
    assert r.status_code == 303, r.text
    thread = await buying.get(r.headers["location"])
    assert "Write me at [hidden]" in thread.text
    assert "boris@mail.example" not in thread.text
    selling, token = await signed_in(site, seller)
    page = await selling.get(url)
    link = re.search(r'href="(/resale/listings/[^"]+/messages\?buyer=[^"]+)"', page.text)
    assert link, page.text
    seen = await selling.get(link.group(1))
    assert "Write me at [hidden]" in seen.text
    buyer_id = link.group(1).split("buyer=")[1]
    r = await selling.post(
        f"{url}/messages", data={"body": "Call +7 (999) 765-43-21", "buyer_id": buyer_id,
                                 "csrf_token": token},
    )  # fmt: skip
    assert r.status_code == 303
    answer = await buying.get(f"{url}/messages")
    assert "Call [hidden]" in answer.text
    r = await buying.post(f"{url}/messages", data={"body": "", "csrf_token": buyer_token})
    assert r.status_code == 422

    r = await selling.post(f"{url}/withdraw", data={"csrf_token": token})
    assert r.status_code == 303
    assert "withdrawn" in (await selling.get(url)).text
    assert (await buying.get(url)).status_code == 404
    assert "Film night" not in (await buying.get("/resale")).text


async def test_my_tickets_show_barcodes_and_qr_codes_to_their_holder_only(site: Site) -> None:
    host, holder, other = await people(site)
    ticket = await ticket_of(site.api, host, holder)
    mine, _ = await signed_in(site, holder)
    listed_page = await mine.get("/tickets")
    assert ticket["barcode"] in listed_page.text
    assert f'data-testid="sell-{ticket["id"]}"' in listed_page.text
    one = await mine.get(f"/tickets/{ticket['id']}")
    assert ticket["barcode"] in one.text
    assert 'data-testid="ticket-qr"' in one.text
    assert one.headers["cache-control"] == "no-store"
    stranger, _ = await signed_in(site, other)
    refused = await stranger.get(f"/tickets/{ticket['id']}")
    assert refused.status_code == 404
    assert ticket["barcode"] not in refused.text
    anonymous = await site.browser()
    r = await anonymous.get("/tickets")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


async def test_a_phone_is_verified_on_its_page(site: Site) -> None:
    person = await site.api.register("Pavel Phone")
    client, token = await signed_in(site, person)
    page = await client.get("/account/phone")
    assert 'data-testid="phone-send"' in page.text
    r = await client.post("/account/phone", data={"phone": "+79990000004", "csrf_token": token})
    assert 'data-testid="phone-sent"' in r.text
    r = await client.post(
        "/account/phone", data={"phone": "+79990000004", "code": "000000", "csrf_token": token}
    )
    assert r.status_code == 422
    assert 'data-testid="phone-error"' in r.text
    r = await client.post(
        "/account/phone", data={"phone": "+79990000004", "code": "222222", "csrf_token": token}
    )
    assert 'data-testid="phone-done"' in r.text
    assert 'data-testid="phone-done"' in (await client.get("/account/phone")).text
    assert csrf_of(page.text)
