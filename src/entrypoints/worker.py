"""`stagedoor worker`: Dramatiq processes that relay the outbox and run its handlers on Redis.

`run_worker` hands process management to Dramatiq's own CLI (forking, signals, restarts on
SIGHUP). The module is also a Dramatiq broker module: `dramatiq entrypoints.worker` works,
because importing it builds the broker from `STAGEDOOR_*` variables and makes it the global
one, as Dramatiq expects. Each worker process builds its platform (`build_container`) on
Dramatiq's event-loop thread, where its database pool must live.
"""

from __future__ import annotations

import sys

import dramatiq
from dramatiq.asyncio import get_event_loop_thread, set_event_loop_thread
from dramatiq.broker import Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, MiddlewareError
from dramatiq.worker import Worker

from adapters.workers.redis_tasks import (
    RedisTasks,
    WorkerBroker,
    build_worker_broker,
)
from entrypoints.container import Container, build_container
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, SettingsError

NO_REDIS = (
    "STAGEDOOR_REDIS_URL is not set: workers take their jobs from Redis. Set it (for example "
    "redis://127.0.0.1:6379/0) for both `stagedoor serve` and `stagedoor worker`; without it "
    "`stagedoor serve` runs the outbox handlers in-process and needs no worker."
)
EXIT_BOOT_FAILED = 3  # Dramatiq's own code for "broker connection failed during start-up"


def create_worker_broker(settings: Settings, *, namespace: str | None = None) -> WorkerBroker:
    """The worker's broker; each process builds its platform from `settings` when it boots.

    Every Redis key is prefixed with `namespace`, by default STAGEDOOR_REDIS_NAMESPACE: the
    web processes must use the same one.
    """
    redis_url = settings.redis_url
    if not redis_url:
        raise ValueError(NO_REDIS)
    namespace = namespace or settings.redis_namespace

    async def platform() -> Container:
        # Kicks from handlers' own commits go to the queues this worker serves.
        tasks = RedisTasks(redis_url, namespace=namespace)
        return await build_container(settings, tasks=tasks)

    return build_worker_broker(
        redis_url, platform, namespace=namespace, on_boot_failure=_exit_process
    )


def install(settings: Settings, *, namespace: str | None = None) -> RedisBroker:
    """Build the worker's broker and make it Dramatiq's global one (and this module's)."""
    global broker
    broker = create_worker_broker(settings, namespace=namespace).broker
    dramatiq.set_broker(broker)
    return broker


def run_worker(
    settings: Settings, *, processes: int, threads: int, namespace: str | None = None
) -> int:
    """Run `processes` worker processes of `threads` threads each until stopped (SIGTERM).

    `namespace` (by default STAGEDOOR_REDIS_NAMESPACE) prefixes every Redis key.
    """
    if not settings.redis_url:
        print(f"stagedoor worker: {NO_REDIS}", file=sys.stderr)
        return 2
    if processes < 1 or threads < 1:
        print("stagedoor worker: --processes and --threads must be at least 1", file=sys.stderr)
        return 2
    install(settings, namespace=namespace)
    from dramatiq.cli import main, make_argument_parser

    # Dramatiq forks: the children find this module, and the broker installed above, in
    # sys.modules, so they use exactly the settings given here.
    argv = [__name__, "--processes", str(processes), "--threads", str(threads)]
    return int(main(make_argument_parser().parse_args(argv)) or 0)


def _exit_process(exc: BaseException) -> None:
    """A worker process that cannot build its platform (database unreachable...) exits, so
    that Dramatiq stops its siblings and a supervisor sees the failure, not an idle worker."""
    print(f"stagedoor worker: cannot start: {exc!r}", file=sys.stderr, flush=True)
    # The event-loop thread is the only non-daemon thread: stop it, or the exit would wait.
    loop_thread = get_event_loop_thread()
    if loop_thread is not None:
        loop_thread.stop()
        set_event_loop_thread(None)
    raise SystemExit(EXIT_BOOT_FAILED)  # not an Exception: Dramatiq's hooks let it through


class _RefuseToStart(Middleware):
    """Stands in for the broker when STAGEDOOR_REDIS_URL is unset, so that a plain
    `dramatiq entrypoints.worker` stops with a clear message instead of idling on a default
    broker."""

    def before_worker_boot(self, broker: Broker, worker: Worker) -> None:
        raise MiddlewareError(NO_REDIS)


def _from_environment() -> RedisBroker | None:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise ImportError(f"stagedoor worker: {exc}") from exc
    if not settings.redis_url:
        dramatiq.set_broker(StubBroker(middleware=[_RefuseToStart()]))
        return None
    configure_logging(settings.log_level, json=settings.log_json)
    return install(settings)


broker: RedisBroker | None = _from_environment()
"""The broker built from the environment at import, or None when STAGEDOOR_REDIS_URL is unset."""
