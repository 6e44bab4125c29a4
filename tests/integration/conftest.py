"""Fixtures shared by the integration tests on real servers."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import redis
from tests.databases import REDIS_URL, redis_or_skip


@pytest.fixture
async def namespace() -> AsyncIterator[str]:
    """A Redis namespace of this test's own, deleted afterwards."""
    await redis_or_skip()
    name = f"stagedoor-test-{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{name}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
