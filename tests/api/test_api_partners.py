"""The partner API: keys organisers issue, JSON-LD availability with ETags, two-phase holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from .apiclient import PUBLIC_URL, Api, User, assert_problem

ALL_SCOPES = ["availability:read", "holds:write"]


async def issue_key(api: Api, organiser: User, scopes: list[str] | None = None) -> str:
    r = await api.client.post(
        "/api/v1/partner-keys",
        json={"name": "Kassir", "scopes": scopes or ALL_SCOPES},
        headers=organiser.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["secret"]  # type: ignore[no-any-return]


def as_partner(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def hold(
    api: Api, secret: str, event_id: str, seats: int = 2, **extra: Any
) -> httpx.Response:
    body = {"event_id": event_id, "seats": seats, "reference": "order-1", **extra}
    return await api.client.post("/api/v1/partner/holds", json=body, headers=as_partner(secret))


async def test_a_key_is_shown_once_listed_without_its_secret_and_revocable(
    api: Api, host: User
) -> None:
    r = await api.client.post(
        "/api/v1/partner-keys",
        json={"name": "Kassir", "scopes": ["availability:read"]},
        headers=host.headers,
    )
    assert r.status_code == 201
    issued = r.json()
    secret, key = issued["secret"], issued["key"]
    assert secret.startswith("sdpk_")
    assert key["hint"] == secret[:9]
    assert key["scopes"] == ["availability:read"]

    listed = (await api.client.get("/api/v1/partner-keys", headers=host.headers)).json()
    assert [k["id"] for k in listed["items"]] == [key["id"]]
    assert secret not in str(listed)

    feed = await api.client.get("/api/v1/partner/events", headers=as_partner(secret))
    assert feed.status_code == 200
    revoked = await api.client.delete(f"/api/v1/partner-keys/{key['id']}", headers=host.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = await api.client.get("/api/v1/partner/events", headers=as_partner(secret))
    assert_problem(refused, 401, "unauthenticated")


async def test_another_account_cannot_revoke_a_key(api: Api, host: User, guest: User) -> None:
    r = await api.client.post(
        "/api/v1/partner-keys", json={"name": "K", "scopes": ALL_SCOPES}, headers=host.headers
    )
    key_id = r.json()["key"]["id"]
    refused = await api.client.delete(f"/api/v1/partner-keys/{key_id}", headers=guest.headers)
    assert_problem(refused, 404, "not-found")


async def test_key_requests_are_checked_field_by_field(api: Api, host: User) -> None:
    for body, field in [
        ({"name": "", "scopes": ALL_SCOPES}, "name"),
        ({"name": "K", "scopes": []}, "scopes"),
        ({"name": "K", "scopes": ["everything"]}, "scopes"),
        ({"name": "K", "scopes": ALL_SCOPES, "extra": 1}, None),
    ]:
        r = await api.client.post("/api/v1/partner-keys", json=body, headers=host.headers)
        problem = assert_problem(r, 400, "bad-request")
        if field is not None:
            assert field in problem["detail"]


async def test_partner_calls_need_a_partner_key_with_the_right_scope(api: Api, host: User) -> None:
    event = await api.publish(host)
    missing = await api.client.get("/api/v1/partner/events")
    assert_problem(missing, 401, "unauthenticated")
    assert "sdpk_" in missing.json()["detail"]
    wrong = await api.client.get("/api/v1/partner/events", headers=host.headers)  # a user token
    assert_problem(wrong, 401, "unauthenticated")
    reader = await issue_key(api, host, ["availability:read"])
    forbidden = await hold(api, reader, event["id"])
    assert_problem(forbidden, 403, "permission-denied")


async def test_the_feed_is_json_ld_with_an_etag_that_changes_when_seats_move(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, capacity=10)
    secret = await issue_key(api, host)

    first = await api.client.get("/api/v1/partner/events", headers=as_partner(secret))
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/ld+json")
    document = first.json()
    assert document["@context"] == "https://schema.org"
    (item,) = document["itemListElement"]
    offer = item["item"]["offers"]
    assert item["item"]["identifier"] == event["id"]
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["inventoryLevel"]["value"] == 10
    assert offer["url"] == f"{PUBLIC_URL}/events/{event['id']}"
    etag = first.headers["etag"]

    again = await api.client.get(
        "/api/v1/partner/events", headers={**as_partner(secret), "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    assert (await api.book(guest, event["id"], 3)).status_code == 201
    moved = await api.client.get(
        "/api/v1/partner/events", headers={**as_partner(secret), "If-None-Match": etag}
    )
    assert moved.status_code == 200
    assert moved.headers["etag"] != etag
    assert moved.json()["itemListElement"][0]["item"]["offers"]["inventoryLevel"]["value"] == 7


async def test_the_public_feed_pages_with_a_link_header(api: Api, host: User) -> None:
    ids = [(await api.publish(host, title=f"Show {n}"))["id"] for n in range(3)]
    await api.publish(host, visibility="private")
    url = f"/api/v1/organisers/{host.id}/availability?limit=2"

    first = await api.client.get(url)
    assert first.status_code == 200
    assert first.json()["numberOfItems"] == 2
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    assert next_url.startswith(f"{PUBLIC_URL}/api/v1/organisers/{host.id}/availability?cursor=")
    second = await api.client.get(next_url.removeprefix(PUBLIC_URL))
    assert "link" not in second.headers
    seen = [i["item"]["identifier"] for r in (first, second) for i in r.json()["itemListElement"]]
    assert sorted(seen) == sorted(ids)


async def test_one_event_s_availability_and_a_private_event_s_absence(api: Api, host: User) -> None:
    event = await api.publish(host, price={"amount": 150_000, "currency": "RUB"})
    private = await api.publish(host, visibility="private")
    r = await api.client.get(f"/api/v1/events/{event['id']}/availability")
    assert r.status_code == 200
    doc = r.json()
    assert (doc["@type"], doc["offers"]["price"], doc["offers"]["priceCurrency"]) == (
        "Event",
        "1500.00",
        "RUB",
    )
    etag = r.headers["etag"]
    cached = await api.client.get(
        f"/api/v1/events/{event['id']}/availability", headers={"If-None-Match": f'W/{etag}, "x"'}
    )
    assert cached.status_code == 304
    hidden = await api.client.get(f"/api/v1/events/{private['id']}/availability")
    assert_problem(hidden, 404, "not-found")


async def test_a_hold_is_placed_once_confirmed_once_and_then_cannot_be_released(
    api: Api, host: User
) -> None:
    event = await api.publish(host, capacity=5, price={"amount": 1000, "currency": "EUR"})
    secret = await issue_key(api, host)

    placed = await hold(api, secret, event["id"], 2)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert (body["status"], body["seats"], body["amount"]) == (
        "held",
        2,
        {"amount": 2000, "currency": "EUR"},
    )
    replay = await hold(api, secret, event["id"], 2)
    assert (replay.status_code, replay.json()["id"]) == (200, body["id"])
    reused = await hold(api, secret, event["id"], 3)
    assert assert_problem(reused, 422, "validation-failed")["field"] == "reference"

    path = f"/api/v1/partner/holds/{body['id']}"
    confirmed = await api.client.post(f"{path}/confirm", headers=as_partner(secret))
    twice = await api.client.post(f"{path}/confirm", headers=as_partner(secret))
    assert (confirmed.status_code, twice.status_code) == (200, 200)
    assert confirmed.json()["status"] == "confirmed"
    refused = await api.client.post(f"{path}/release", headers=as_partner(secret))
    assert_problem(refused, 409, "conflict")
    read = await api.client.get(path, headers=as_partner(secret))
    assert read.json()["status"] == "confirmed"
    seats = (await api.client.get(f"/api/v1/events/{event['id']}")).json()
    assert seats["seats_left"] == 3


async def test_holds_and_bookings_share_the_seats(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host, capacity=4)
    secret = await issue_key(api, host)
    assert (await hold(api, secret, event["id"], 3)).status_code == 201
    full = await api.book(guest, event["id"], 2)
    assert_problem(full, 409, "conflict")
    assert "only 1 seat left" in full.json()["detail"]
    too_many = await hold(api, secret, event["id"], 2, reference="order-2")
    assert_problem(too_many, 409, "conflict")


async def test_a_released_hold_gives_its_seats_back(api: Api, host: User, guest: User) -> None:
    event = await api.publish(host, capacity=2)
    secret = await issue_key(api, host)
    held = (await hold(api, secret, event["id"], 2)).json()
    released = await api.client.post(
        f"/api/v1/partner/holds/{held['id']}/release", headers=as_partner(secret)
    )
    assert released.json()["status"] == "released"
    assert (await api.book(guest, event["id"], 2)).status_code == 201


async def test_a_lapsed_hold_is_given_back_by_the_platform_s_jobs(
    api: Api, host: User, guest: User
) -> None:
    event = await api.publish(host, capacity=2)
    secret = await issue_key(api, host)
    held = (await hold(api, secret, event["id"], 2, ttl_seconds=60)).json()

    api.clock.advance(timedelta(seconds=61))
    late = await api.client.post(
        f"/api/v1/partner/holds/{held['id']}/confirm", headers=as_partner(secret)
    )
    assert_problem(late, 409, "conflict")
    await api.platform.run_jobs()

    read = await api.client.get(f"/api/v1/partner/holds/{held['id']}", headers=as_partner(secret))
    assert read.json()["status"] == "expired"
    assert (await api.book(guest, event["id"], 2)).status_code == 201


async def test_hold_requests_are_checked_field_by_field(api: Api, host: User) -> None:
    event = await api.publish(host)
    secret = await issue_key(api, host)
    for extra, field in [
        ({"seats": 0}, "seats"),
        ({"seats": 101}, "seats"),
        ({"reference": ""}, "reference"),
        ({"ttl_seconds": 5}, "ttl_seconds"),
        ({"event_id": "not-an-id"}, "event_id"),
    ]:
        body = {"event_id": event["id"], "seats": 1, "reference": "r", **extra}
        r = await api.client.post("/api/v1/partner/holds", json=body, headers=as_partner(secret))
        assert field in assert_problem(r, 400, "bad-request")["detail"]
    other_host = await api.register("Other Host")
    theirs = await api.publish(other_host)
    r = await hold(api, secret, theirs["id"])
    assert_problem(r, 404, "not-found")
