"""Fixtures of the partner tests: an organiser with a public event, keys, and a runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from tests.unit.support import NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking.model import Event
from core.identity.model import Account
from core.partners import services
from core.partners.commands import IssueKey
from core.partners.model import KeyScope, PartnerKey
from core.partners.runtime import PlatformRuntime

ALL_SCOPES = frozenset(KeyScope)
IssueHelper = Callable[..., Awaitable[tuple[PartnerKey, str]]]


@pytest.fixture
async def organiser(register_account: RegisterAccount) -> Account:
    return await register_account(full_name="Olga Organiser")


@pytest.fixture
async def show(organiser: Account, publish: PublishHelper) -> Event:
    """A public event of the organiser with ten seats."""
    return await publish(organiser, capacity=10, title="Quartet")


@pytest.fixture
def issue(new_uow: NewUow, clock: SteppingClock, organiser: Account) -> IssueHelper:
    """Issue a key (all scopes, for the organiser, unless told otherwise)."""

    async def _issue(
        name: str = "Kassir", scopes: frozenset[KeyScope] = ALL_SCOPES, organiser_id=None
    ) -> tuple[PartnerKey, str]:
        return await services.issue_key(
            IssueKey(organiser_id or organiser.id, name, scopes), uow=new_uow(), clock=clock
        )

    return _issue


@pytest.fixture
async def key(issue: IssueHelper) -> PartnerKey:
    issued, _ = await issue()
    return issued


@pytest.fixture
def runtime(new_uow: NewUow, clock: SteppingClock) -> PlatformRuntime:
    return PlatformRuntime(new_uow, clock)
