"""`stagedoor serve | migrate | worker | demo`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from entrypoints.logs import configure_logging
from entrypoints.plan_report import add_plan_arguments
from entrypoints.settings import Settings, SettingsError

GRACEFUL_SHUTDOWN = 30
"""Seconds a stopping server waits for requests in flight before it cancels them."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stagedoor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load demo accounts and events")
    commands.add_parser("migrate", help="apply database migrations and exit")
    worker = commands.add_parser("worker", help="run Dramatiq workers (needs STAGEDOOR_REDIS_URL)")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=2)
    commands.add_parser("demo", help="load demo data and exit")
    add_plan_arguments(
        commands.add_parser("plan", help="size pickup points and plan time slots (no database)")
    )
    args = parser.parse_args(argv)
    if args.command == "plan":
        return _plan(args)

    try:
        settings = Settings.from_env().with_secret()
    except SettingsError as exc:
        print(f"stagedoor: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, json=settings.log_json)

    if args.command == "migrate":
        asyncio.run(_migrate(settings, demo=False))
        return 0
    if args.command == "demo":
        asyncio.run(_migrate(settings, demo=True))
        return 0
    if args.command == "worker":
        from entrypoints.worker import run_worker

        return run_worker(settings, processes=args.processes, threads=args.threads)
    return _serve(settings, args.host, args.port, demo=args.demo)


def _plan(args: argparse.Namespace) -> int:
    """Print the pickup plan report; a rule the numbers break is told plainly, exit code 2."""
    from core.shared.errors import DomainError
    from entrypoints.plan_report import PlanRequest, render_plan

    try:
        print(render_plan(PlanRequest.from_args(args)))
    except DomainError as exc:
        print(f"stagedoor plan: {exc.detail}", file=sys.stderr)
        return 2
    return 0


async def _migrate(settings: Settings, *, demo: bool) -> None:
    from entrypoints.container import build_container

    container = await build_container(settings)
    try:
        await container.database.migrate()
        if demo:
            from entrypoints.demo import load_demo

            await load_demo(container)
            await container.start()
            drain = getattr(container.tasks, "drain", None)
            if drain is not None:
                await drain()
    finally:
        await container.close()


def _serve(settings: Settings, host: str, port: int, *, demo: bool) -> int:
    import uvicorn

    from entrypoints.http import create_app

    asyncio.run(_migrate(settings, demo=demo))
    print(f"Stagedoor on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
