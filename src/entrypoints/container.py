"""The composition root: the only place that decides which adapter serves which port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit
from uuid import UUID

import attrs
import structlog

from adapters.http.pages.urls import PageUrls
from adapters.live import MemoryLive, RedisLive
from adapters.payments.sandbox import Poster, SandboxProvider
from adapters.workers.stopping import reraise_if_stopping
from core.booking.handlers import BookingNotificationsUnitOfWork
from core.booking.reminding import send_due_reminders
from core.booking.waiting import lapse_offers
from core.identity.ports import (
    AccessTokens,
    CodeSource,
    IdentityUnitOfWork,
    PasswordHasher,
    PhoneNumbers,
    SmsSender,
)
from core.notifications.ports import Notifier
from core.partners.api import AvailabilityExchange
from core.partners.ports import PartnersUnitOfWork
from core.partners.pushes import push_due
from core.partners.registry import PluginRegistry
from core.partners.runtime import PlatformRuntime
from core.partners.services import expire_holds
from core.payments.ports import PaymentProvider
from core.payments.services import (
    PaymentTerms,
    ReturnUrls,
    expire_payments,
    resend_unsent_payouts,
    resend_unsent_refunds,
)
from core.resale.escrow import resale_upkeep
from core.resale.handlers import ResaleNotificationsUnitOfWork
from core.shared.catalogue import HANDLERS
from core.shared.clock import Clock
from core.shared.events import Handler, merge_handlers
from core.shared.outbox import OutboxUnitOfWork
from core.shared.perks import PerksUnitOfWork
from core.subscriptions.handlers import SubscriptionsPlatformUnitOfWork
from core.subscriptions.renewals import renew_due
from core.tickets.authenticity import STAGEDOOR, AuthenticityChecker
from core.tickets.stagedoor import StagedoorTickets
from entrypoints.settings import Settings

log = structlog.get_logger("stagedoor.jobs")


class PlatformUnitOfWork(
    IdentityUnitOfWork,
    BookingNotificationsUnitOfWork,
    ResaleNotificationsUnitOfWork,
    OutboxUnitOfWork,
    PerksUnitOfWork,
    SubscriptionsPlatformUnitOfWork,
    PartnersUnitOfWork,
    Protocol,
):
    """Every repository of every domain; each use case sees only its narrow slice."""


class Database(Protocol):
    """A store the platform runs on: memory, SQLite or PostgreSQL."""

    engine: str

    def new_uow(self) -> PlatformUnitOfWork: ...

    async def migrate(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database cannot answer."""
        ...

    async def reseal_barcodes(self, limit: int = 200) -> int:
        """Seal barcodes stored in clear or under an old key; how many were."""
        ...

    async def close(self) -> None: ...


class Tasks(Protocol):
    """Runs outbox handlers outside requests: in-process, or Dramatiq workers on Redis."""

    kind: str

    def kick(self) -> None:
        """A commit wrote outbox rows: relay soon. Best effort, never raises."""
        ...

    async def publish(self, message_id: UUID, key: str) -> None: ...

    async def start(self, ctx: Container) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> None: ...


@attrs.frozen
class Container:
    """App-lifetime adapters, and `new_uow()` for one transaction each."""

    settings: Settings
    clock: Clock
    database: Database
    tasks: Tasks
    hasher: PasswordHasher
    phones: PhoneNumbers
    codes: CodeSource
    sms: SmsSender
    tokens: AccessTokens
    notifier: Notifier
    payment_providers: Mapping[str, PaymentProvider]
    payment_terms: PaymentTerms
    return_urls: ReturnUrls
    sandbox: SandboxProvider
    live: MemoryLive | RedisLive
    plugins: PluginRegistry = attrs.field(factory=PluginRegistry)
    handlers: Mapping[str, Sequence[Handler]] = HANDLERS
    extras: Mapping[str, Any] = attrs.field(factory=dict)

    def new_uow(self) -> PlatformUnitOfWork:
        return self.database.new_uow()

    @property
    def partner_exchanges(self) -> Mapping[str, AvailabilityExchange]:
        """Availability exchanges of the loaded plugins, by plugin name."""
        return self.plugins.exchanges()

    @property
    def authenticity_checkers(self) -> Mapping[str, AuthenticityChecker]:
        """Ticket checkers of the loaded plugins, by the issuer they check."""
        return self.plugins.checkers()

    @property
    def checkers(self) -> Mapping[str, AuthenticityChecker]:
        """Every authenticity checker resale asks, by issuer: the plugins' and Stagedoor's
        own, which no plugin can replace."""
        return {**self.authenticity_checkers, STAGEDOOR: StagedoorTickets(self.new_uow)}

    async def run_jobs(self) -> int:
        """The periodic chores (run every sweep by whichever relay runs): close payments whose
        time ran out, hand over refunds and payouts a provider did not take, deliver sandbox
        webhooks, seal barcodes left in clear or under an old key, request the reminders that
        fell due, pass lapsed waiting-list offers on, expire resale listings whose event
        started, release resale escrow that is due, give back the seats of lapsed partner
        holds, push availability owed to partners, and renew, retry and end subscriptions
        whose time has come. Each runs on its own; one failing does not stop the others.
        Returns the work done."""
        jobs: list[tuple[str, Callable[[], Awaitable[int]]]] = [
            ("payments.expire", lambda: expire_payments(uow=self.new_uow(), clock=self.clock)),
            (
                "refunds.resend",
                lambda: resend_unsent_refunds(
                    uow=self.new_uow(), providers=self.payment_providers, clock=self.clock
                ),
            ),
            (
                "payouts.resend",
                lambda: resend_unsent_payouts(
                    uow=self.new_uow(), providers=self.payment_providers, clock=self.clock
                ),
            ),
            ("sandbox.deliver", self.sandbox.deliver_due),
            ("barcodes.reseal", self.database.reseal_barcodes),
            ("reminders.send", lambda: send_due_reminders(uow=self.new_uow(), clock=self.clock)),
            ("waitlist.lapse", lambda: lapse_offers(uow=self.new_uow(), clock=self.clock)),
            (
                "resale.upkeep",
                lambda: resale_upkeep(
                    uow=self.new_uow(), clock=self.clock, providers=self.payment_providers
                ),
            ),
            ("partners.expire_holds", lambda: expire_holds(uow=self.new_uow(), clock=self.clock)),
            (
                "partners.push",
                lambda: push_due(
                    new_uow=self.new_uow, exchanges=self.partner_exchanges, clock=self.clock
                ),
            ),
            (
                "subscriptions.renew",
                lambda: renew_due(
                    uow=self.new_uow(), providers=self.payment_providers, clock=self.clock
                ),
            ),
        ]
        done = 0
        for name, job in jobs:
            try:
                done += await job()
            except Exception as exc:  # a chore that fails now runs again on the next sweep
                reraise_if_stopping(exc)
                log.exception("jobs.failed", job=name)
        return done

    async def start(self) -> None:
        await self.tasks.start(self)

    async def close(self) -> None:
        await self.tasks.stop()
        await self.live.close()
        await self.database.close()


async def build_container(
    settings: Settings,
    *,
    database: Database | None = None,
    tasks: Tasks | None = None,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    sms: SmsSender | None = None,
    hasher: PasswordHasher | None = None,
    sandbox_post: Poster | None = None,
    plugins: PluginRegistry | None = None,
) -> Container:
    """Build every adapter the settings ask for; keyword arguments override one each (tests).

    The database is opened (and its pool started) here, never at import time. Plugins are
    loaded from the settings unless a registry is handed in (the HTTP app loads them first,
    to mount their routes). Call `await container.start()` inside the event loop that will
    serve requests.
    """
    from adapters.clock import SystemClock
    from adapters.memory.security import FixedCodes
    from adapters.notify.console import ConsoleSmsSender
    from adapters.security.passwords import Argon2Hasher
    from adapters.security.phones import LibPhoneNumbers
    from adapters.security.tokens import JwtAccessTokens
    from entrypoints.plugins import load_plugins

    settings = settings.with_secret()
    if tasks is None:
        tasks = _tasks_for(settings)
    if database is None:
        database = await open_database_for(settings, after_commit=tasks.kick)
    clock = clock or SystemClock()
    if plugins is None:
        plugins = load_plugins(settings)
    runtime = PlatformRuntime(database.new_uow, clock)
    plugins.bind(runtime)
    sandbox = SandboxProvider(
        new_uow=database.new_uow,
        public_url=settings.public_url,
        secret=settings.sandbox_webhook_secret,
        clock=clock,
        kick=tasks.kick,
        post=sandbox_post,
    )
    providers: dict[str, PaymentProvider] = {sandbox.name: sandbox}
    if settings.stripe_api_key and settings.stripe_webhook_secret:
        from adapters.payments.stripe import StripeProvider

        stripe = StripeProvider(
            settings.stripe_api_key, settings.stripe_webhook_secret, clock=clock
        )
        providers[stripe.name] = stripe
    providers.update(plugins.payment_providers())
    return Container(
        settings=settings,
        clock=clock,
        database=database,
        tasks=tasks,
        hasher=hasher or Argon2Hasher(),
        phones=LibPhoneNumbers(),
        codes=FixedCodes(dict(settings.test_phones)),
        sms=sms or ConsoleSmsSender(),
        tokens=JwtAccessTokens(settings.secret_key),
        notifier=notifier or _notifier_for(settings),
        payment_providers=providers,
        payment_terms=PaymentTerms(
            provider=settings.payment_provider,
            hold=timedelta(minutes=settings.payment_hold_minutes),
        ),
        return_urls=PageUrls(settings.public_url),
        sandbox=sandbox,
        live=(
            RedisLive(settings.redis_url, namespace=settings.redis_namespace)
            if settings.redis_url
            else MemoryLive()
        ),
        plugins=plugins,
        handlers=merge_handlers(HANDLERS, plugins.handlers()),
    )


def _notifier_for(settings: Settings) -> Notifier:
    """Email through SMTP when configured; the console (log lines) otherwise."""
    if settings.notifier == "smtp":
        from adapters.notify.smtp import SmtpNotifier, SmtpSettings

        return SmtpNotifier(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_from,
                username=settings.smtp_username,
                password=settings.smtp_password,
                security=settings.smtp_security,
                domain=urlsplit(settings.public_url).hostname or "stagedoor.local",
            )
        )
    from adapters.notify.console import ConsoleNotifier

    return ConsoleNotifier()


def _tasks_for(settings: Settings) -> Tasks:
    if settings.redis_url:
        from adapters.workers.redis_tasks import RedisTasks

        return RedisTasks(settings.redis_url, namespace=settings.redis_namespace)
    from adapters.workers.inprocess import InProcessTasks

    return InProcessTasks()


async def open_database_for(settings: Settings, *, after_commit: Any = None) -> Database:
    from adapters.db.database import open_database
    from adapters.security.barcodes import BarcodeVault

    settings = settings.with_secret()
    return await open_database(
        settings.database_url,
        pool_min=settings.db_pool_min,
        pool_max=settings.db_pool_max,
        after_commit=after_commit,
        barcodes=BarcodeVault.parse(settings.barcode_keys, settings.barcode_digest_key),
    )
