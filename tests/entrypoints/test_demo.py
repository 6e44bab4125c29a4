"""`stagedoor demo` fills a fresh SQLite install once, with a planned conference."""

from __future__ import annotations

from pathlib import Path

from adapters.memory import FastPasswordHasher, MemoryNotifier
from core.distribution.model import Role
from entrypoints.container import build_container
from entrypoints.demo import GUEST_EMAIL, HOST_EMAIL, load_demo
from entrypoints.settings import Settings


async def test_demo_loads_once_with_a_planned_conference(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        secret_key="k" * 40,
        data_dir=tmp_path / "data",
    )
    container = await build_container(
        settings, hasher=FastPasswordHasher(), notifier=MemoryNotifier()
    )
    try:
        await container.database.migrate()
        assert await load_demo(container) is True
        assert await load_demo(container) is False  # a second run changes nothing

        async with container.new_uow() as uow:
            host = await uow.accounts.find_by_email(HOST_EMAIL)
            guest = await uow.accounts.find_by_email(GUEST_EMAIL)
            assert host is not None
            assert guest is not None
            organised = await uow.conferences.of_account(host.id)
            staffed = await uow.conferences.of_account(guest.id)
            assert [role for _, role in organised] == [Role.ORGANISER]
            assert [role for _, role in staffed] == [Role.STAFF]
            conference = organised[0][0]
            points = await uow.points.of_conference(conference.id)
            people = await uow.participants.all_of(conference.id)
        assert sorted(p.name for p in points) == ["Hall A", "Hall B"]
        assert len(people) == 240
        assert all(p.assigned_point_id is not None and p.slot is not None for p in people)
        assert {p.assigned_point_id for p in people} == {p.id for p in points}
        async with container.new_uow() as uow:
            plans = await uow.plans.all(active_only=True)
        assert [p.code for p in plans][:3] == ["festival-pass", "fan-monthly", "fan-plus"]
        assert len(plans) == 7
    finally:
        await container.close()
