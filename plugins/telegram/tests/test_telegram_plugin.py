"""The Telegram plugin inside a whole Stagedoor, against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fake_bot_api import TOKEN, FakeBotApi

from core.identity.model import AccountId, Role
from entrypoints.testkit import Person, PluginHarness

NAME = "telegram"
SECRET = "webhook-secret"
UPDATES = f"/plugins/{NAME}/updates"


@pytest.fixture
def bot() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def sd(tmp_path: Path, bot: FakeBotApi) -> AsyncIterator[PluginHarness]:
    with bot.serving():
        settings = {
            NAME: {
                "bot_token": TOKEN,
                "webhook_secret": SECRET,
                "bot_username": "stagedoor_test_bot",
                "api_url": bot.url,
            }
        }
        async with PluginHarness.running(tmp_path, plugins=[NAME], settings=settings) as harness:
            yield harness


async def say(sd: PluginHarness, chat: int, text: str, secret: str = SECRET) -> int:
    """Telegram posts a message someone sent the bot in `chat`."""
    update = {
        "update_id": 1,
        "message": {"message_id": 7, "chat": {"id": chat, "type": "private"}, "text": text},
    }
    r = await sd.client.post(
        UPDATES, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    return r.status_code


async def link(sd: PluginHarness, person: Person, chat: int) -> None:
    r = await sd.client.post(f"/plugins/{NAME}/link", headers=person.headers)
    assert r.status_code == 201, r.text
    assert r.json()["url"] == f"https://t.me/stagedoor_test_bot?start={r.json()['code']}"
    assert await say(sd, chat, f"/start {r.json()['code']}") == 200


async def test_a_linked_guest_and_organiser_hear_of_a_booking_in_their_chats(
    sd: PluginHarness, bot: FakeBotApi
) -> None:
    organiser, guest = await sd.account("Olga"), await sd.account("Gleb")
    await link(sd, guest, 1001)
    await link(sd, organiser, 2002)
    assert bot.to(1001)[0].startswith("Linked")
    event = await sd.event(organiser, title="Quartet")
    await sd.switch_on(organiser, NAME)

    await sd.book(guest, event["id"], 2)
    await sd.settle()

    confirmation = "Your 2 seat(s) for Quartet on 2030-02-01 19:00 (UTC+00:00) are confirmed."
    (told,) = bot.to(1001)[1:]
    assert told.startswith(f"Booked: Quartet\n\n{confirmation}")
    assert bot.to(2002)[1:] == ["New booking: 2 seat(s) for Quartet on 2030-02-01 19:00."]
    assert [m.subject for m in sd.sent] == ["Booked: Quartet"]  # email as always


async def test_organisers_hear_nothing_until_they_switch_the_plugin_on(
    sd: PluginHarness, bot: FakeBotApi
) -> None:
    organiser, guest = await sd.account(), await sd.account()
    await link(sd, organiser, 2002)
    event = await sd.event(organiser)
    await sd.book(guest, event["id"])
    await sd.settle()
    assert bot.to(2002)[1:] == []


async def test_a_link_code_works_once_and_expires(sd: PluginHarness, bot: FakeBotApi) -> None:
    guest = await sd.account()
    r = await sd.client.post(f"/plugins/{NAME}/link", headers=guest.headers)
    code = r.json()["code"]
    assert r.json()["expires_in"] == 600
    await say(sd, 1001, f"/start {code}")
    await say(sd, 3003, f"/start {code}")  # someone else with the same link
    late = (await sd.client.post(f"/plugins/{NAME}/link", headers=guest.headers)).json()
    sd.clock.advance(timedelta(minutes=11))
    await say(sd, 1001, f"/start {late['code']}")

    assert bot.to(1001)[0].startswith("Linked")
    assert bot.to(3003) == ["This link is not valid (any more). Get a new one on Stagedoor."]
    assert bot.to(1001)[1] == "This link has expired. Get a new one on Stagedoor."
    anonymous = await sd.client.post(f"/plugins/{NAME}/link")
    assert anonymous.status_code == 401


async def test_updates_need_the_webhook_secret(sd: PluginHarness, bot: FakeBotApi) -> None:
    assert await say(sd, 1001, "/start x", secret="guess") == 401
    assert await say(sd, 1001, "hello") == 200
    assert bot.sent == [(1001, bot.to(1001)[0])]
    assert bot.to(1001)[0].startswith("I send your Stagedoor notifications here")


async def test_watchers_hear_when_seats_come_back_and_go_again(
    sd: PluginHarness, bot: FakeBotApi
) -> None:
    organiser, first, second = await sd.account(), await sd.account(), await sd.account()
    event = await sd.event(organiser, title="Tiny gig", capacity=1)
    await sd.switch_on(organiser, NAME)
    booking = await sd.book(first, event["id"])
    await sd.settle()

    await say(sd, 3003, f"/watch {event['id']}")
    assert bot.to(3003) == ["Tiny gig is sold out. I'll tell you when seats come back."]

    cancelled = await sd.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", headers=first.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    await sd.settle()
    await sd.book(second, event["id"])
    await sd.settle()
    await sd.settle()  # nothing new: no repeats

    assert bot.to(3003)[1:] == [
        f"Seats are back for Tiny gig: 1 left. https://stagedoor.test/events/{event['id']}",
        "Tiny gig is sold out again. I'll tell you when seats come back.",
    ]
    await say(sd, 3003, f"/unwatch {event['id']}")
    assert bot.to(3003)[-1] == "Stopped."


async def test_watchers_hear_of_a_cancellation_once(sd: PluginHarness, bot: FakeBotApi) -> None:
    organiser = await sd.account()
    event = await sd.event(organiser, title="Open air")
    await sd.switch_on(organiser, NAME)
    await say(sd, 3003, f"/watch {event['id']}")
    assert bot.to(3003) == ["Watching Open air: 10 seats left."]

    r = await sd.client.post(
        f"/api/v1/events/{event['id']}/cancel", json={"reason": "rain"}, headers=organiser.headers
    )
    assert r.status_code == 200
    await sd.settle()
    await sd.settle()
    assert bot.to(3003)[1:] == ["Open air was cancelled."]


async def test_watching_needs_a_known_event_of_an_organiser_who_switched_it_on(
    sd: PluginHarness, bot: FakeBotApi
) -> None:
    organiser = await sd.account()
    event = await sd.event(organiser, title="Quiet show")
    await say(sd, 3003, f"/watch {event['id']}")
    await say(sd, 3003, "/watch not-an-id")
    await say(sd, 3003, f"/watch {UUID(int=1)}")
    assert bot.to(3003) == [
        "Alerts are not available for Quiet show.",
        "I know no such event. Send /watch followed by the event's id.",
        "I know no such event. Send /watch followed by the event's id.",
    ]


async def test_a_chat_that_blocked_the_bot_is_forgotten(sd: PluginHarness, bot: FakeBotApi) -> None:
    organiser, guest = await sd.account(), await sd.account()
    await link(sd, guest, 1001)
    bot.blocked.add(1001)
    event = await sd.event(organiser)
    await sd.book(guest, event["id"])
    await sd.settle()

    assert await sd.container.plugins.runtime.store_for(NAME).get(f"chat:{guest.id}") is None
    problems = await _problems(sd, organiser)
    assert problems == []  # a gone chat is not a failure of the plugin


async def test_a_bot_api_outage_is_counted_retried_and_never_shows_the_token(
    sd: PluginHarness, bot: FakeBotApi
) -> None:
    organiser, guest = await sd.account(), await sd.account()
    await link(sd, guest, 1001)
    event = await sd.event(organiser, title="Quartet")
    bot.down = 1

    await sd.book(guest, event["id"])
    await sd.settle()  # the channel's job fails once; the email went out regardless
    assert [m.subject for m in sd.sent] == ["Booked: Quartet"]
    assert bot.to(1001)[1:] == []
    (problem,) = await _problems(sd, organiser)
    assert (problem["plugin"], problem["kind"], problem["count"]) == (NAME, "notifier", 1)
    assert "TelegramUnavailable" in problem["last_error"]
    assert TOKEN not in problem["last_error"]

    await _retry_failed_jobs(sd)
    assert [t.split("\n")[0] for t in bot.to(1001)[1:]] == ["Booked: Quartet"]


async def test_without_a_token_the_plugin_is_skipped_and_the_app_serves(tmp_path: Path) -> None:
    async with PluginHarness.running(tmp_path, plugins=[NAME], settings={}) as sd:
        (failure,) = sd.container.plugins.failures
        assert (await sd.client.get("/health")).status_code == 200
        assert (await sd.client.post(UPDATES, json={})).status_code == 404
    assert "STAGEDOOR_PLUGIN_TELEGRAM__BOT_TOKEN" in failure.error


async def _problems(sd: PluginHarness, admin: Person) -> list[dict[str, Any]]:
    async with sd.container.new_uow() as uow:
        account = await uow.accounts.get(AccountId(UUID(admin.id)))
        account.roles = frozenset({*account.roles, Role.PLATFORM_ADMIN})
        await uow.accounts.save(account)
        await uow.commit()
    report = await sd.client.get("/api/v1/admin/plugins", headers=admin.headers)
    return report.json()["problems"]  # type: ignore[no-any-return]


async def _retry_failed_jobs(sd: PluginHarness) -> None:
    """The in-process relay retries a failed job after a back-off; wait for it."""
    tasks: Any = sd.container.tasks
    for _ in range(40):
        if not tasks._failures:
            return
        await asyncio.sleep(0.1)
        await tasks.drain()
    raise AssertionError("the failed job was not retried")
