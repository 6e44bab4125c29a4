"""Where a barcode can be seen: a scripted resale session records every response (API and
pages, for the seller, the buyer, another verified person and an anonymous visitor, before
and after the purchase) and searches them all.

Two tickets are sold: a Stagedoor ticket (its barcode dies at the sale and the buyer gets a
new one) and a ticket of another site (its barcode passes to the buyer). Each barcode must
turn up only where it belongs: the buyer's, only in the buyer's responses after the purchase
went through; the seller's Stagedoor barcode only in the seller's own ticket responses
before the sale, never in any resale response. The session is checked to have walked every
resale and ticket operation of the OpenAPI document and every resale and ticket page, and
the barcodes must not show up in the logs or in notifications either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs
import httpx
import pytest

from adapters.memory import MemoryNotifier

from .apiclient import User
from .pagesite import Site, csrf_of, sign_in
from .resale_steps import EXTERNAL, settled, ticket_of, verified

RESALE_API = ("/api/v1/resale/", "/api/v1/tickets")
PAGE_ROUTES = ("/resale", "/tickets", "/account/phone")
TICKET_RESPONSES = re.compile(r"^/(api/v1/)?(tickets|bookings)(/|$)")
"""Where a holder is shown their own ticket's barcode (not resale)."""


@attrs.frozen
class Seen:
    actor: str
    phase: str
    method: str
    path: str
    status: int
    text: str


@attrs.define
class Session:
    """Every response of every actor, tagged with the phase of the story it came in."""

    site: Site
    phase: str = "before"
    seen: list[Seen] = attrs.field(factory=list)

    async def actor(self, name: str, user: User | None) -> Actor:
        async def record(response: httpx.Response) -> None:
            await response.aread()
            request = response.request
            self.seen.append(
                Seen(name, self.phase, request.method, request.url.path, response.status_code,
                     response.text + str(response.headers))
            )  # fmt: skip

        client = await self.site.browser()
        client.event_hooks["response"].append(record)
        token = csrf_of((await client.get("/login")).text)
        if user is not None:
            token = await sign_in(client, user)
        return Actor(name, client, user.headers if user else {}, token)

    def holding(self, needle: str) -> list[Seen]:
        return [s for s in self.seen if needle in s.text]


@attrs.define
class Actor:
    name: str
    client: httpx.AsyncClient
    headers: dict[str, str]
    csrf: str

    async def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, path, headers=self.headers, **kw)

    async def page(self, path: str) -> httpx.Response:
        return await self.client.get(path)

    async def form(self, path: str, data: dict[str, str]) -> httpx.Response:
        return await self.client.post(path, data={**data, "csrf_token": self.csrf})


async def _reads(actor: Actor, listings: Iterable[str], organiser: str) -> None:
    """What anyone may look at: the feed, the listings, one's own lists, rules, tickets."""
    for path in ("/api/v1/resale/listings", "/api/v1/resale/my/listings",
                 "/api/v1/resale/my/purchases", f"/api/v1/resale/rules/{organiser}",
                 "/api/v1/tickets", "/api/v1/bookings"):  # fmt: skip
        await actor.api("GET", path)
    for path in ("/resale", "/resale/mine", "/resale/sell", "/tickets", "/bookings",
                 "/account/phone"):  # fmt: skip
        await actor.page(path)
    for listing in listings:
        await actor.api("GET", f"/api/v1/resale/listings/{listing}")
        await actor.api("GET", f"/api/v1/resale/listings/{listing}/messages")
        await actor.api("GET", f"/api/v1/resale/listings/{listing}/threads")
        await actor.page(f"/resale/listings/{listing}")
        await actor.page(f"/resale/listings/{listing}/messages")


async def _talk(buyer: Actor, seller: Actor, listing: str, buyer_id: str) -> None:
    url = f"/api/v1/resale/listings/{listing}/messages"
    await buyer.api("POST", url, json={"body": "Still available?"})
    await buyer.form(f"/resale/listings/{listing}/messages", {"body": "Which row?"})
    await seller.api("POST", url, json={"body": "Yes", "buyer_id": buyer_id})
    await seller.api("GET", url, params={"buyer_id": buyer_id})
    await seller.page(f"/resale/listings/{listing}/messages?buyer={buyer_id}")


@pytest.fixture
def session(site: Site) -> Session:
    return Session(site)


async def test_barcodes_show_only_in_the_buyers_responses_after_the_purchase(
    site: Site, session: Session, capfd: pytest.CaptureFixture[str]
) -> None:
    api = site.api
    host = await api.register("Hanna Host")
    seller_user = await verified(api, "Sofia Seller", "+79990000001")
    buyer_user = await verified(api, "Boris Buyer", "+79990000002")
    other_user = await verified(api, "Olga Other", "+79990000003")
    ticket = await ticket_of(api, host, seller_user)
    old, external = ticket["barcode"], "KASSA-7781-2290"
    typed = external.replace("-", "")

    seller = await session.actor("seller", seller_user)
    buyer = await session.actor("buyer", buyer_user)
    other = await session.actor("other", other_user)
    anonymous = await session.actor("anonymous", None)
    hosting = await session.actor("host", host)
    everyone = (seller, buyer, other, anonymous)

    # -- before the purchase ----------------------------------------------------------------
    ours = (await seller.api("POST", "/api/v1/resale/listings", json={
        "barcode": old, "price": {"amount": 5_000, "currency": "RUB"}, "event_type": "cinema",
    })).json()["id"]  # fmt: skip
    await seller.page("/resale/sell")
    r = await seller.form("/resale/sell", {
        "source": "external", "issuer": "kassa", "barcode": external, "event_name": "Swan Lake",
        "starts_at": "2030-03-01T19:00", "time_zone": "Europe/Moscow", "city": "Moscow",
        "place": "Bolshoi", "event_type": "theatre", "price": "70", "currency": "RUB",
    })  # fmt: skip
    assert r.status_code == 303, r.text
    theirs = r.headers["location"].rsplit("/", 1)[1]
    listings = (ours, theirs)
    await seller.api("POST", "/api/v1/resale/listings", json={
        "barcode": external, "price": {"amount": 1, "currency": "RUB"}, "event_type": "other",
        **EXTERNAL})  # fmt: skip  # a second listing of one barcode: refused
    for actor in everyone:
        await _reads(actor, listings, host.id)
    for listing in listings:
        await _talk(buyer, seller, listing, buyer_user.id)
        await _talk(other, seller, listing, other_user.id)
    await other.api("PUT", "/api/v1/resale/rules/me/price-cap", json={"price_cap_percent": 150})
    await other.api("PUT", f"/api/v1/resale/rules/{host.id}/fee", json={"fee_bp": 100})

    bought_ours = (await buyer.api("POST", f"/api/v1/resale/listings/{ours}/buy")).json()
    await other.api("POST", f"/api/v1/resale/listings/{ours}/buy")  # 409: someone is paying
    await seller.api("POST", f"/api/v1/resale/listings/{ours}/withdraw")  # 409 as well
    await seller.api("POST", f"/api/v1/resale/listings/{ours}/expire")
    await seller.form(f"/resale/listings/{ours}/expire", {})  # refused the same way
    await seller.form(f"/resale/listings/{ours}/withdraw", {})
    await other.form(f"/resale/listings/{ours}/buy", {})
    await buyer.api("GET", f"/api/v1/resale/purchases/{bought_ours['id']}")
    await buyer.page(f"/resale/purchases/{bought_ours['id']}")
    paying = await buyer.form(f"/resale/listings/{theirs}/buy", {})
    assert paying.status_code == 303, paying.text
    for actor in everyone:
        await _reads(actor, listings, host.id)
        await actor.api("POST", f"/api/v1/resale/listings/{theirs}/dispute")

    for url in (bought_ours["payment_url"], paying.headers["location"]):
        await buyer.page(url)
        r = await buyer.client.post(
            url, data={"card_number": "4242 4242 4242 4242", "action": "pay"}
        )
        assert r.status_code == 303, r.text
        await buyer.page(r.headers["location"])  # the return page sends them on
    session.phase = "after"
    done_ours = await settled(api, buyer_user, bought_ours["id"], "completed")
    await settled(api, buyer_user, await _purchase_of_listing(buyer, theirs), "completed")
    new = done_ours["barcode"]

    # -- after the purchase ------------------------------------------------------------------
    for actor in everyone:
        await _reads(actor, listings, host.id)
        await actor.api("GET", f"/api/v1/resale/purchases/{bought_ours['id']}")
        await actor.page(f"/resale/purchases/{bought_ours['id']}")
        await actor.api("GET", f"/api/v1/tickets/{done_ours['ticket_id']}")
        await actor.api("GET", f"/api/v1/tickets/{done_ours['ticket_id']}/qr.svg")
        await actor.page(f"/tickets/{done_ours['ticket_id']}")
        await actor.api("GET", f"/api/v1/tickets/{ticket['id']}")
        await actor.page(f"/tickets/{ticket['id']}")
    their_purchase = await _purchase_of_listing(buyer, theirs)
    await buyer.api("GET", f"/api/v1/resale/purchases/{their_purchase}")
    await buyer.page(f"/resale/purchases/{their_purchase}")
    for actor in (seller, other, anonymous):
        await actor.api("GET", f"/api/v1/resale/purchases/{their_purchase}")
        await actor.page(f"/resale/purchases/{their_purchase}")
    await buyer.api("POST", f"/api/v1/resale/listings/{theirs}/dispute")
    await hosting.api("POST", f"/api/v1/events/{ticket['event_id']}/door", json={"barcode": old})
    await hosting.api("POST", f"/api/v1/events/{ticket['event_id']}/door", json={"barcode": new})
    for listing in listings:
        await _talk(buyer, seller, listing, buyer_user.id)

    # -- where each barcode turned up --------------------------------------------------------
    for barcode in (new, typed):
        found = session.holding(barcode)
        assert {(s.actor, s.phase) for s in found} == {("buyer", "after")}, barcode
        paths = {s.path for s in found}
        assert any(p.startswith("/api/v1/resale/purchases/") for p in paths), paths
        assert any(p.startswith("/resale/purchases/") for p in paths), paths
    assert any(s.path == "/api/v1/tickets" for s in session.holding(new))
    assert any(s.path == "/tickets" for s in session.holding(new))
    dead = session.holding(old)
    assert dead, "the seller saw their own ticket before the sale: the search must find it"
    for s in dead:
        assert (s.actor, s.phase) == ("seller", "before"), s
        assert TICKET_RESPONSES.match(s.path), s
    assert not any(s.status >= 500 for s in session.seen)

    _walked_everything(session, site)
    logs = capfd.readouterr()
    assert "/api/v1/resale/listings" in logs.out  # the access log was captured here
    for barcode in (old, new, typed, external):
        assert barcode not in logs.out + logs.err
    notifier = site.api.platform.notifier
    assert isinstance(notifier, MemoryNotifier)
    assert notifier.sent  # the sale was told to both sides
    for message in notifier.sent:
        for barcode in (old, new, typed):
            assert barcode not in str(message)


async def _purchase_of_listing(buyer: Actor, listing: str) -> str:
    page = await buyer.page("/resale/mine")
    for purchase in re.findall(r'href="/resale/purchases/([0-9a-f-]+)"', page.text):
        r = await buyer.api("GET", f"/api/v1/resale/purchases/{purchase}")
        if r.json()["listing_id"] == listing:
            return purchase  # type: ignore[no-any-return]
    raise AssertionError("the buyer's purchase of the listing is not on their page")


def _walked_everything(session: Session, site: Site) -> None:
    """Every resale and ticket operation of the API and every such page was requested."""
    walked = {(s.method, s.path) for s in session.seen}
    document = site.app.openapi_schema.to_schema()
    for template, item in document["paths"].items():
        if not template.startswith(RESALE_API) and not template.endswith("/door"):
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                assert any(m == method.upper() and pattern.match(p) for m, p in walked), (
                    f"{method.upper()} {template} was never called"
                )
    for route in site.app.routes:
        if not route.path.startswith(PAGE_ROUTES):
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", route.path.rstrip("/")) + "/?$")
        assert any(pattern.match(p) for _, p in walked), f"page {route.path} was never shown"
