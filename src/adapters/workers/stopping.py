"""Stopping background loops for sure.

A loop that must outlive errors catches `Exception`, and some libraries turn a cancellation
that reaches them mid-call into an error of their own (an HTTP client's connect error, for
one). Caught there, the cancellation is lost: the loop sleeps and runs on, and whoever
awaits it at shutdown waits forever. So loops ask `reraise_if_stopping` in their handlers,
and owners stop them with `stop_task`, which gives up waiting after a bound.
"""

from __future__ import annotations

import asyncio
import io

import structlog

log = structlog.get_logger("stagedoor.worker")


def reraise_if_stopping(error: BaseException) -> None:
    """Raise `CancelledError` if the running task was asked to stop while `error` happened."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error


async def stop_task(task: asyncio.Task[object] | None, *, timeout: float = 30.0) -> bool:
    """Cancel `task` and wait for it to end, at most `timeout` seconds; whether it ended.

    A task still running after that is logged with its stack and left behind, so shutting
    down never hangs on it. Cancelling the caller still cancels the caller.
    """
    if task is None:
        return True
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=timeout)
    if done:
        if not task.cancelled() and task.exception() is not None:
            log.error("task.failed_on_stop", task=task.get_name(), error=repr(task.exception()))
        return True
    stack = io.StringIO()
    task.print_stack(file=stack)
    log.error("task.stuck_on_stop", task=task.get_name(), waited_s=timeout, stack=stack.getvalue())
    return False
