"""The generic partner plugin against a real HTTP receiver on 127.0.0.1, inside a whole
Stagedoor (found through its entry point, like in production)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from partner_receiver import Receiver

from core.shared.signatures import SIGNATURE_HEADER, SignatureInvalid, verify
from core.tickets.authenticity import Authenticity, TicketClaim
from entrypoints.testkit import PluginHarness

SECRET = "shared-with-the-partner"
NAME = "partner-webhook"


def settings(partner: Receiver, **extra: str) -> dict[str, dict[str, str]]:
    return {NAME: {"url": f"{partner.url}/availability", "secret": SECRET, **extra}}


def signed_at(received_body: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(received_body["sent_at"]))


async def test_a_push_refused_three_times_then_accepted_lands_once_with_a_valid_signature(
    tmp_path: Path,
) -> None:
    with Receiver(statuses=[503, 500, 502]).serving() as partner:
        async with PluginHarness.running(
            tmp_path, plugins=[NAME], settings=settings(partner)
        ) as sd:
            host = await sd.account("Olga Organiser")
            event = await sd.event(host, capacity=10)
            await sd.switch_on(host, NAME)
            await sd.book(await sd.account(), event["id"], 3)

            await sd.settle()  # owed, and tried at once: 503
            for wait in (2, 4, 8):  # each failure waits twice as long
                sd.clock.advance(timedelta(seconds=wait - 1))
                await sd.settle()  # not due yet
                sd.clock.advance(timedelta(seconds=1))
                await sd.settle()
            sd.clock.advance(timedelta(hours=2))
            await sd.settle()  # delivered: nothing more is sent

    assert [r.answered for r in partner.received] == [503, 500, 502, 200]
    (accepted,) = [r for r in partner.received if r.answered == 200]
    body = accepted.json()
    verify(SECRET, accepted.body, accepted.headers[SIGNATURE_HEADER], signed_at(body))
    with pytest.raises(SignatureInvalid):
        verify("a wrong secret", accepted.body, accepted.headers[SIGNATURE_HEADER], signed_at(body))
    assert body["type"] == "availability.changed"
    assert body["event"]["identifier"] == event["id"]
    assert body["event"]["offers"]["inventoryLevel"]["value"] == 7
    assert body["event"]["offers"]["availability"] == "https://schema.org/InStock"
    keys = {r.headers["Idempotency-Key"] for r in partner.received}
    assert keys == {f"{body['delivery_id']}:{body['revision']}"}  # one delivery, retried
    assert accepted.headers["Content-Type"] == "application/json"


async def test_only_organisers_who_switched_it_on_share_their_availability(
    tmp_path: Path,
) -> None:
    with Receiver().serving() as partner:
        async with PluginHarness.running(
            tmp_path, plugins=[NAME], settings=settings(partner)
        ) as sd:
            sharing, private = await sd.account("Sharing"), await sd.account("Private")
            shared = await sd.event(sharing, capacity=5)
            kept = await sd.event(private, capacity=5)
            await sd.switch_on(sharing, NAME)
            guest = await sd.account()
            await sd.book(guest, shared["id"])
            await sd.book(guest, kept["id"])
            await sd.settle()

    events = [r.json()["event"]["identifier"] for r in partner.received]
    assert events == [shared["id"]]


async def test_several_changes_before_a_push_make_one_push_with_the_latest_state(
    tmp_path: Path,
) -> None:
    with Receiver().serving() as partner:
        async with PluginHarness.running(
            tmp_path, plugins=[NAME], settings=settings(partner)
        ) as sd:
            host = await sd.account()
            event = await sd.event(host, capacity=10)
            await sd.switch_on(host, NAME)
            for _ in range(4):
                await sd.book(await sd.account(), event["id"])
            await sd.container.tasks.drain()  # type: ignore[attr-defined]
            await sd.settle()

    (only,) = partner.received
    assert only.json()["event"]["offers"]["inventoryLevel"]["value"] == 6
    assert only.json()["revision"] == 4


async def test_the_organiser_reads_what_the_partner_offers(tmp_path: Path) -> None:
    listing = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": 1,
                "item": {
                    "@type": "Event",
                    "name": "Quartet (partner listing)",
                    "startDate": "2030-02-01T19:00:00+03:00",
                    "offers": {
                        "url": "https://partner.example/quartet",
                        "availability": "https://schema.org/LimitedAvailability",
                        "inventoryLevel": {"value": 4},
                    },
                },
            }
        ],
    }
    with Receiver(answers={"/offers": listing}).serving() as partner:
        extra = {"offers_url": f"{partner.url}/offers"}
        async with PluginHarness.running(
            tmp_path, plugins=[NAME], settings=settings(partner, **extra)
        ) as sd:
            host = await sd.account()
            off = await sd.client.get(f"/api/v1/plugins/{NAME}/offers", headers=host.headers)
            await sd.switch_on(host, NAME)
            on = await sd.client.get(f"/api/v1/plugins/{NAME}/offers", headers=host.headers)

    assert off.status_code == 409
    assert on.status_code == 200, on.text
    (offer,) = on.json()["items"]
    assert offer == {
        "name": "Quartet (partner listing)",
        "url": "https://partner.example/quartet",
        "starts_at": "2030-02-01T19:00:00+03:00",
        "seats_left": 4,
        "availability": "LimitedAvailability",
    }
    assert partner.received[-1].path == f"/offers?organiser={host.id}"


async def test_a_partner_that_cannot_answer_offers_is_a_503(tmp_path: Path) -> None:
    with Receiver(statuses=[500]).serving() as partner:
        extra = {"offers_url": f"{partner.url}/offers"}
        async with PluginHarness.running(
            tmp_path, plugins=[NAME], settings=settings(partner, **extra)
        ) as sd:
            host = await sd.account()
            await sd.switch_on(host, NAME)
            r = await sd.client.get(f"/api/v1/plugins/{NAME}/offers", headers=host.headers)
    assert r.status_code == 503
    assert r.json()["type"] == "/problems/partner-unavailable"
    assert r.headers["retry-after"] == "5"


async def test_tickets_the_partner_issued_are_checked_on_its_side(tmp_path: Path) -> None:
    answers = {"/verify": {"valid": True, "reason": "seat 12, row 3"}}
    with Receiver(answers=answers).serving() as partner:
        extra = {"issuer": "partner-shop", "verify_url": f"{partner.url}/verify"}
        async with PluginHarness.running(
            tmp_path, plugins=[NAME], settings=settings(partner, **extra)
        ) as sd:
            checker = sd.container.authenticity_checkers["partner-shop"]
            now = datetime(2030, 1, 1, tzinfo=UTC)
            claim = TicketClaim("partner-shop", "BARCODE123", UUID(int=5), "Quartet")
            verdict = await checker.check(claim, now)

    assert verdict.authenticity is Authenticity.GENUINE
    assert verdict.reason == "seat 12, row 3"
    (asked,) = partner.received
    verify(SECRET, asked.body, asked.headers[SIGNATURE_HEADER], now)
    assert asked.json()["barcode"] == "BARCODE123"


async def test_without_its_url_and_secret_the_plugin_is_skipped_and_reported(
    tmp_path: Path,
) -> None:
    async with PluginHarness.running(tmp_path, plugins=[NAME], settings={}) as sd:
        assert NAME not in sd.container.plugins.loaded
        (failure,) = sd.container.plugins.failures
        health = await sd.client.get("/health")
    assert health.status_code == 200
    assert (failure.name, failure.stage) == (NAME, "setup")
    assert "STAGEDOOR_PLUGIN_PARTNER_WEBHOOK__SECRET" in failure.error
