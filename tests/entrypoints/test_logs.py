"""Log configuration keeps secrets out of the lines other libraries write."""

from __future__ import annotations

import logging

import pytest
import structlog

from entrypoints.logs import configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "piccolo")}
    yield
    structlog.reset_defaults()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_http_client_request_lines_are_not_logged(level: str) -> None:
    """httpx puts whole URLs in its INFO lines; the Telegram Bot API's holds the bot token."""
    configure_logging(level)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpcore").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
