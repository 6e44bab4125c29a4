"""First come, first served: the queues in front of the connection pool and of a hot row."""

from __future__ import annotations

import asyncio

import pytest

from adapters.db.queueing import FairSlots, HotRowGate


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_place_is_free_until_width_holders_have_one() -> None:
    slots = FairSlots(2)
    await slots.enter()
    await slots.enter()
    third = asyncio.create_task(slots.enter())
    await settle()
    assert not third.done()
    assert slots.waiting == 1
    slots.leave()
    await settle()
    assert third.done()
    assert slots.waiting == 0


async def test_waiters_get_in_in_the_order_they_asked() -> None:
    slots = FairSlots(1)
    await slots.enter()
    order: list[int] = []

    async def one(n: int) -> None:
        await slots.enter()
        order.append(n)
        await asyncio.sleep(0)
        slots.leave()

    tasks = []
    for n in range(6):
        tasks.append(asyncio.create_task(one(n)))
        await settle()  # each is waiting before the next asks
    slots.leave()
    await asyncio.gather(*tasks)
    assert order == list(range(6))


async def test_one_who_asks_again_right_after_leaving_waits_behind_the_woken_waiter() -> None:
    """The place passes to the oldest waiter at leave(). With asyncio.Queue (what asyncpg's
    pool waits on) it is only marked free and the waiter woken: a request that asks before
    the waiter has had its turn to run takes it, and the waiter goes to the back again."""
    slots = FairSlots(1)
    await slots.enter()
    got_in: list[str] = []

    async def waiter() -> None:
        await slots.enter()
        got_in.append("waiter")
        await asyncio.sleep(0)
        slots.leave()

    task = asyncio.create_task(waiter())
    await settle()
    slots.leave()
    await slots.enter()  # at once, in this task: before the woken waiter has run
    got_in.append("again")
    slots.leave()
    await task
    assert got_in == ["waiter", "again"]


async def held_with_two_waiting() -> tuple[FairSlots, asyncio.Task[None], asyncio.Task[None]]:
    """A one-place line: its place held, and two waiters in it, first and second."""
    slots = FairSlots(1)
    await slots.enter()
    first = asyncio.create_task(slots.enter())
    second = asyncio.create_task(slots.enter())
    await settle()
    return slots, first, second


async def test_a_cancelled_waiter_leaves_the_line() -> None:
    slots, first, second = await held_with_two_waiting()
    first.cancel()
    await settle()
    assert first.cancelled()
    assert slots.waiting == 1
    slots.leave()
    await settle()
    assert second.done()
    slots.leave()
    await asyncio.wait_for(slots.enter(), 1)  # free again: nothing was lost


async def test_a_place_handed_to_a_waiter_cancelled_at_that_moment_goes_to_the_next() -> None:
    slots, first, second = await held_with_two_waiting()
    slots.leave()  # handed to `first`...
    first.cancel()  # ...which is cancelled before it runs
    await settle()
    assert first.cancelled()
    assert second.done(), "the place must not be lost with the cancelled waiter"
    slots.leave()
    await asyncio.wait_for(slots.enter(), 1)


async def test_a_place_given_back_with_nobody_waiting_is_free_again() -> None:
    slots = FairSlots(1)
    for _ in range(3):
        await asyncio.wait_for(slots.enter(), 1)
        slots.leave()
    assert slots.waiting == 0


def test_a_queue_needs_at_least_one_place() -> None:
    with pytest.raises(ValueError, match="at least one"):
        FairSlots(0)


async def test_the_gate_lets_width_writers_of_one_row_in_and_queues_the_rest() -> None:
    gate = HotRowGate(width=2)
    leave_a = await gate.enter("row")
    leave_b = await gate.enter("row")
    third = asyncio.create_task(gate.enter("row"))
    other = await asyncio.wait_for(gate.enter("another row"), 1)  # rows are independent
    await settle()
    assert not third.done()
    leave_a()
    leave_c = await asyncio.wait_for(third, 1)
    fourth = asyncio.create_task(gate.enter("row"))  # the row is still held by two
    await settle()
    assert not fourth.done()
    leave_b()
    leave_d = await asyncio.wait_for(fourth, 1)
    for leave in (leave_c, leave_d, other):
        leave()
    assert gate._rows == {}  # nothing kept for rows nobody waits on


async def test_a_cancelled_writer_is_forgotten_by_the_gate() -> None:
    gate = HotRowGate(width=1)
    leave = await gate.enter("row")
    waiting = asyncio.create_task(gate.enter("row"))
    await settle()
    waiting.cancel()
    await settle()
    leave()
    assert gate._rows == {}
