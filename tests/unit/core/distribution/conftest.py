"""Fixtures shared by the distribution use-case tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.distribution import services
from core.distribution.model import Conference
from core.identity.model import Account


@pytest.fixture
def conference(register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock) -> Any:
    """An organiser's conference with a two-hour hand-out a week ahead of the clock."""

    async def _conference(organiser: Account | None = None) -> tuple[Account, Conference]:
        organiser = organiser or await register_account()
        starts = clock.current + timedelta(days=7)
        made = await services.create_conference(
            services.NewConference(
                organiser.id, "PyCon", "Expo", starts, starts + timedelta(hours=2), "Europe/Moscow"
            ),
            uow=new_uow(),
            clock=clock,
        )
        return organiser, made

    return _conference
