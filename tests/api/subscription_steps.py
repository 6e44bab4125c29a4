"""Steps the subscription API tests take: an administrator, plans, subscribing, paying on
the sandbox's page, waiting for the background relay and jobs."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import httpx

from core.identity.model import AccountId, Role

from .apiclient import Api, User

PLANS = "/api/v1/plans"
SUBSCRIPTIONS = "/api/v1/subscriptions"
GOOD_CARD = "4242 4242 4242 4242"
RENEWALS_DECLINE = "4000 0000 0000 0341"
_codes = itertools.count(1)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 8.0) -> None:
    """Poll until `check()` holds: the relay, the webhooks and the jobs run in the background."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the background work did not finish in time")
        await asyncio.sleep(0.05)


async def admin(api: Api) -> User:
    """A platform administrator (the role is given straight in the store)."""
    user = await api.register("Alma Admin")
    async with api.platform.new_uow() as uow:
        account = await uow.accounts.get(AccountId(UUID(user.id)))
        account.roles = account.roles | {Role.PLATFORM_ADMIN}
        await uow.accounts.save(account)
        await uow.commit()
    return user


def plan_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": f"fan-{next(_codes)}",
        "name": "Fan monthly",
        "kind": "monthly",
        "price": {"amount": 49_900, "currency": "RUB"},
        "perks": ["no_resale_fee", "early_access"],
    }
    body.update(overrides)
    return body


async def new_plan(api: Api, by: User, **overrides: Any) -> dict[str, Any]:
    r = await api.client.post(PLANS, json=plan_body(**overrides), headers=by.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def subscribe(api: Api, user: User, plan: dict[str, Any], **kw: Any) -> httpx.Response:
    return await api.client.post(
        SUBSCRIPTIONS, json={"plan_id": plan["id"]}, headers={**user.headers, **kw}
    )


def intent_of(payment_url: str) -> str:
    match = re.search(r"/pay/sandbox/(pi_[0-9a-f]+)$", payment_url)
    assert match, payment_url
    return match.group(1)


async def pay_page(api: Api, payment_url: str, card: str = GOOD_CARD) -> httpx.Response:
    """Pay on the sandbox's hosted page, as a person would."""
    return await api.client.post(
        f"/pay/sandbox/{intent_of(payment_url)}", data={"card_number": card, "action": "pay"}
    )


async def subscription(api: Api, user: User, subscription_id: str) -> dict[str, Any]:
    r = await api.client.get(f"{SUBSCRIPTIONS}/{subscription_id}", headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def active(
    api: Api, user: User, plan: dict[str, Any], card: str = GOOD_CARD
) -> dict[str, Any]:
    """Subscribe, pay the first payment on the page and wait until it is active."""
    r = await subscribe(api, user, plan)
    assert r.status_code == 201, r.text
    made = r.json()
    await pay_page(api, made["payment_url"], card)

    async def started() -> bool:
        return (await subscription(api, user, made["id"]))["status"] == "active"

    await eventually(started)
    return await subscription(api, user, made["id"])


async def perks(api: Api, user: User) -> list[str]:
    r = await api.client.get("/api/v1/me/perks", headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()["perks"]  # type: ignore[no-any-return]
