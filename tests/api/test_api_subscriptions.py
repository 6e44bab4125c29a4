"""Subscriptions over HTTP with the sandbox provider: plans, subscribing on the hosted page,
renewals from the kept card, dunning, paying by hand, cancelling, changing plan, perks."""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.memory import MemoryNotifier
from entrypoints.container import Container

from .apiclient import PUBLIC_URL, Api, User, assert_problem
from .subscription_steps import (
    PLANS,
    RENEWALS_DECLINE,
    SUBSCRIPTIONS,
    active,
    admin,
    eventually,
    new_plan,
    pay_page,
    perks,
    plan_body,
    subscribe,
    subscription,
)


async def test_anyone_sees_the_plans_and_only_administrators_add_them(
    api: Api, guest: User
) -> None:
    boss = await admin(api)
    made = await new_plan(api, boss, kind="pass", days=30, name="Festival pass")
    listed = (await api.client.get(PLANS)).json()["items"]
    assert made in listed
    assert made["price"] == {"amount": 49_900, "currency": "RUB"}
    assert made["perks"] == ["early_access", "no_resale_fee"]
    assert_problem(await api.client.post(PLANS, json=plan_body(), headers=guest.headers), 403,
                   "permission-denied")  # fmt: skip
    assert_problem(await api.client.post(PLANS, json=plan_body()), 401, "unauthenticated")
    again = await api.client.post(PLANS, json=plan_body(code=made["code"]), headers=boss.headers)
    assert_problem(again, 409, "conflict")
    no_days = await api.client.post(PLANS, json=plan_body(kind="pass"), headers=boss.headers)
    assert assert_problem(no_days, 422, "validation-failed")["field"] == "days"
    unknown = await api.client.post(PLANS, json={**plan_body(), "perks": ["free_beer"]},
                                    headers=boss.headers)  # fmt: skip
    assert_problem(unknown, 400, "bad-request")
    retired = await api.client.post(f"{PLANS}/{made['id']}/retire", headers=boss.headers)
    assert retired.json()["active"] is False
    assert made["id"] not in {p["id"] for p in (await api.client.get(PLANS)).json()["items"]}


async def test_subscribing_pays_on_the_page_and_starts_with_its_perks(
    api: Api, guest: User, platform: Container
) -> None:
    plan = await new_plan(api, await admin(api))
    r = await subscribe(api, guest, plan)
    assert r.status_code == 201, r.text
    pending = r.json()
    assert pending["status"] == "pending"
    assert pending["payment_url"].startswith(f"{PUBLIC_URL}/pay/sandbox/pi_")
    page = await api.client.get(pending["payment_url"])
    assert 'data-testid="saves-card"' in page.text
    assert await perks(api, guest) == []

    paid = await pay_page(api, pending["payment_url"])
    assert paid.status_code == 303

    async def started() -> bool:
        return (await subscription(api, guest, pending["id"]))["status"] == "active"

    await eventually(started)
    now = await subscription(api, guest, pending["id"])
    assert now["renews_at"] == now["period_end"]
    assert [(c["kind"], c["status"]) for c in now["charges"]] == [("start", "paid")]
    assert await perks(api, guest) == ["early_access", "no_resale_fee"]
    result = await api.client.get(paid.headers["location"])
    assert 'data-state="subscribed"' in result.text
    assert isinstance(platform.notifier, MemoryNotifier)
    await eventually(lambda: _sent(platform, "Receipt: 499.00 RUB"))


async def _sent(platform: Container, subject: str) -> bool:
    assert isinstance(platform.notifier, MemoryNotifier)
    return any(subject in m.subject for m in platform.notifier.sent)


async def test_the_renewal_job_charges_the_kept_card_when_the_month_ends(
    api: Api, guest: User
) -> None:
    plan = await new_plan(api, await admin(api))
    started = await active(api, guest, plan)
    api.clock.current = datetime.fromisoformat(started["period_end"]) + timedelta(seconds=1)
    guest = await api.login(guest)

    async def renewed() -> bool:
        charges = (await subscription(api, guest, started["id"]))["charges"]
        return [c["status"] for c in charges] == ["paid", "paid"]

    await eventually(renewed)
    now = await subscription(api, guest, started["id"])
    assert now["period_start"] == started["period_end"]
    assert [c["kind"] for c in now["charges"]] == ["renewal", "start"]


async def test_a_card_that_declines_renewals_goes_to_dunning_and_is_paid_by_hand(
    api: Api, guest: User, platform: Container
) -> None:
    plan = await new_plan(api, await admin(api))
    started = await active(api, guest, plan, RENEWALS_DECLINE)
    due = datetime.fromisoformat(started["period_end"])
    api.clock.current = due + timedelta(seconds=1)
    guest = await api.login(guest)

    async def retrying() -> bool:
        now = await subscription(api, guest, started["id"])
        return now["next_retry_at"] is not None

    await eventually(retrying)
    failing = await subscription(api, guest, started["id"])
    assert failing["status"] == "active"
    assert datetime.fromisoformat(failing["next_retry_at"]) == due + timedelta(days=1)
    await eventually(lambda: _sent(platform, "did not go through"))

    link = await api.client.post(f"{SUBSCRIPTIONS}/{started['id']}/pay", headers=guest.headers)
    assert link.status_code == 200, link.text
    await pay_page(api, link.json()["payment_url"])

    async def caught_up() -> bool:
        now = await subscription(api, guest, started["id"])
        return now["next_retry_at"] is None and now["period_start"] == started["period_end"]

    await eventually(caught_up)
    nothing = await api.client.post(f"{SUBSCRIPTIONS}/{started['id']}/pay", headers=guest.headers)
    assert_problem(nothing, 409, "conflict")


async def test_cancel_at_period_end_then_resume_then_cancel_now_with_a_refund(
    api: Api, guest: User
) -> None:
    plan = await new_plan(api, await admin(api))
    started = await active(api, guest, plan)
    url = f"{SUBSCRIPTIONS}/{started['id']}"
    later = await api.client.post(f"{url}/cancel", json={"at_period_end": True},
                                  headers=guest.headers)  # fmt: skip
    assert later.status_code == 200, later.text
    assert (later.json()["ends_at"], later.json()["renews_at"]) == (started["period_end"], None)
    resumed = await api.client.post(f"{url}/resume", headers=guest.headers)
    assert resumed.json()["renews_at"] == started["period_end"]
    api.clock.advance(timedelta(days=3))
    guest = await api.login(guest)
    now = await api.client.post(f"{url}/cancel", json={}, headers=guest.headers)
    body = now.json()
    assert body["status"] == "cancelled"
    [start] = body["charges"]
    assert 0 < start["refunded"] < 49_900
    assert await perks(api, guest) == []
    assert_problem(await api.client.post(f"{url}/cancel", json={}, headers=guest.headers),
                   409, "conflict")  # fmt: skip


async def test_changing_to_a_dearer_plan_charges_the_difference(api: Api, guest: User) -> None:
    boss = await admin(api)
    basic = await new_plan(api, boss)
    plus = await new_plan(api, boss, price={"amount": 99_900, "currency": "RUB"}, name="Plus")
    started = await active(api, guest, basic)
    moved = await api.client.post(f"{SUBSCRIPTIONS}/{started['id']}/change",
                                  json={"plan_id": plus["id"]}, headers=guest.headers)  # fmt: skip
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["plan"]["id"] == plus["id"]
    [upgrade] = [c for c in body["charges"] if c["kind"] == "upgrade"]  # same instant as start
    assert upgrade["status"] == "paid"
    assert 0 < upgrade["amount"]["amount"] <= 50_000


async def test_requests_that_cannot_be_honoured_are_problems_not_errors(
    api: Api, guest: User, host: User
) -> None:
    plan = await new_plan(api, await admin(api))
    missing = await api.client.post(SUBSCRIPTIONS, json={"plan_id": host.id},
                                    headers=guest.headers)  # fmt: skip
    assert_problem(missing, 404, "not-found")
    bad = await api.client.post(SUBSCRIPTIONS, json={"plan": plan["id"]}, headers=guest.headers)
    assert_problem(bad, 400, "bad-request")
    started = await active(api, guest, plan)
    assert_problem(await subscribe(api, guest, plan), 409, "conflict")
    other = await api.client.get(f"{SUBSCRIPTIONS}/{started['id']}", headers=host.headers)
    assert_problem(other, 404, "not-found")
    cancel = await api.client.post(f"{SUBSCRIPTIONS}/{started['id']}/cancel", json={},
                                   headers=host.headers)  # fmt: skip
    assert_problem(cancel, 404, "not-found")
    assert (await api.client.get(SUBSCRIPTIONS, headers=host.headers)).json()["items"] == []


async def test_a_repeated_idempotency_key_starts_one_subscription(api: Api, guest: User) -> None:
    plan = await new_plan(api, await admin(api))
    first = await subscribe(api, guest, plan, **{"Idempotency-Key": "sub-1"})
    again = await subscribe(api, guest, plan, **{"Idempotency-Key": "sub-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["payment_url"] == first.json()["payment_url"]
