"""The booking counter's test: a whole Stagedoor in memory, with the plugin loaded."""

from __future__ import annotations

from pathlib import Path

from booking_counter import plugin

from entrypoints.testkit import PluginHarness


async def test_the_counter_counts_seats_of_organisers_who_switched_it_on(tmp_path: Path) -> None:
    async with PluginHarness.running(
        tmp_path,
        plugins=["booking-counter"],
        settings={"booking-counter": {"title": "Booked so far"}},
        candidates=[("booking-counter", lambda: plugin)],  # or leave out: entry points
    ) as sd:
        organiser, guest = await sd.account("Olga"), await sd.account("Gleb")
        event = await sd.event(organiser, capacity=10)

        await sd.book(guest, event["id"], 2)  # not switched on yet: not counted
        await sd.settle()
        await sd.switch_on(organiser, "booking-counter")
        await sd.book(guest, event["id"], 3)
        await sd.settle()

        r = await sd.client.get("/plugins/booking-counter/count", headers=organiser.headers)
        assert r.json() == {"title": "Booked so far", "seats": 3}
        anonymous = await sd.client.get("/plugins/booking-counter/count")
        assert anonymous.status_code == 401
