"""Logging: structlog key-value lines (JSON in production), one event name per line."""

from __future__ import annotations

import logging

import structlog


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, format="%(name)s %(levelname)s %(message)s")
    # Piccolo announces the SQLite version on every engine it makes: not worth a line.
    logging.getLogger("piccolo").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # httpx logs every request line at INFO, URL and all; some URLs carry a secret (the
    # Telegram Bot API's has the bot's token in its path), so those lines never show.
    for client in ("httpx", "httpcore"):
        logging.getLogger(client).setLevel(max(logging.WARNING, logging.getLevelName(level)))
