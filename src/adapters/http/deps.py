"""What the HTTP adapter needs from the composition root, and the dependency that hands it out.

The adapter never imports `entrypoints` (an import-linter contract): it declares the narrow
`Platform` it uses, and `entrypoints.container.Container` satisfies it structurally. The app
keeps the container in `app.state.container`; the lifespan puts it there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Protocol, cast
from uuid import UUID

from litestar.datastructures import State
from litestar.params import SkipValidation

from adapters.payments.sandbox import SandboxProvider
from core.booking.ports import BookingUnitOfWork
from core.distribution.ports import DistributionUnitOfWork
from core.identity.ports import (
    AccessTokens,
    CodeSource,
    IdentityUnitOfWork,
    PasswordHasher,
    PhoneNumbers,
    SmsSender,
)
from core.partners.ports import PartnersUnitOfWork
from core.partners.registry import PluginRegistry
from core.payments.ports import PaymentProvider
from core.payments.services import PaymentTerms, ReturnUrls
from core.resale.ports import Checkers, ResaleUnitOfWork
from core.shared.clock import Clock
from core.subscriptions.ports import BillingUnitOfWork, SubscriptionsUnitOfWork
from core.tickets.ports import TicketsUnitOfWork

STATE_KEY = "container"


class HttpUnitOfWork(
    IdentityUnitOfWork,
    BookingUnitOfWork,
    DistributionUnitOfWork,
    PartnersUnitOfWork,
    SubscriptionsUnitOfWork,
    BillingUnitOfWork,
    ResaleUnitOfWork,
    TicketsUnitOfWork,
    Protocol,
):
    """The repositories the HTTP use cases touch."""


class Probe(Protocol):
    async def ping(self) -> None:
        """Raise when the service behind it cannot answer."""
        ...


class LiveChannel(Protocol):
    """Ticks about a conference, for its live views (adapters.live)."""

    def subscribe(
        self, conference_id: UUID
    ) -> AbstractAsyncContextManager[asyncio.Queue[None]]: ...


class HttpSettings(Protocol):
    @property
    def public_url(self) -> str: ...

    @property
    def secret_key(self) -> str:
        """Signs the pages' session and CSRF cookies (HMAC); never sent anywhere."""
        ...


class Platform(Protocol):
    """The app-lifetime adapters a request may use."""

    @property
    def settings(self) -> HttpSettings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def database(self) -> Probe: ...

    @property
    def tasks(self) -> Probe: ...

    @property
    def hasher(self) -> PasswordHasher: ...

    @property
    def phones(self) -> PhoneNumbers: ...

    @property
    def codes(self) -> CodeSource: ...

    @property
    def sms(self) -> SmsSender: ...

    @property
    def tokens(self) -> AccessTokens: ...

    @property
    def payment_providers(self) -> Mapping[str, PaymentProvider]: ...

    @property
    def payment_terms(self) -> PaymentTerms: ...

    @property
    def return_urls(self) -> ReturnUrls: ...

    @property
    def sandbox(self) -> SandboxProvider: ...

    @property
    def live(self) -> LiveChannel: ...

    @property
    def plugins(self) -> PluginRegistry: ...

    @property
    def checkers(self) -> Checkers:
        """The ticket authenticity checkers by issuer (Stagedoor's own among them)."""
        ...

    def new_uow(self) -> HttpUnitOfWork: ...


def provide_platform(state: State) -> Platform:
    return cast(Platform, state[STATE_KEY])


PlatformDep = SkipValidation[Platform]
"""Handlers ask for `platform: PlatformDep`; Litestar must not try to validate a Protocol."""
