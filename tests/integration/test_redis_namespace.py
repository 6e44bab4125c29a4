"""STAGEDOOR_REDIS_NAMESPACE keeps two installations on one Redis apart: the web process's
kicks, the worker's queues and the live channel all carry the configured prefix (real Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import pytest
import redis.asyncio as aioredis
from tests.databases import REDIS_URL

from adapters.memory import FastPasswordHasher
from entrypoints.container import build_container
from entrypoints.settings import Settings
from entrypoints.worker import create_worker_broker

pytestmark = pytest.mark.redis


def settings_for(tmp_path: Path, namespace: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/stagedoor.db",
        redis_url=REDIS_URL,
        redis_namespace=namespace,
    )


async def test_the_worker_serves_the_queues_of_the_configured_namespace(
    tmp_path: Path, namespace: str
) -> None:
    worker = create_worker_broker(settings_for(tmp_path, namespace))
    assert worker.broker.namespace == namespace
    other = create_worker_broker(settings_for(tmp_path, namespace), namespace="elsewhere")
    assert other.broker.namespace == "elsewhere"


async def test_the_web_process_kicks_and_ticks_under_the_namespace(
    tmp_path: Path, namespace: str
) -> None:
    platform = await build_container(settings_for(tmp_path, namespace), hasher=FastPasswordHasher())
    raw = aioredis.Redis.from_url(REDIS_URL)
    conference = uuid4()
    pubsub = raw.pubsub()
    await pubsub.subscribe(f"{namespace}:live:{conference}", f"stagedoor:live:{conference}")
    await pubsub.get_message(timeout=1)  # the two subscription confirmations
    await pubsub.get_message(timeout=1)
    try:
        await platform.start()
        platform.tasks.kick()
        for _ in range(100):  # the kick is sent by a background task
            if [k async for k in raw.scan_iter(match=f"{namespace}*")]:
                break
            await asyncio.sleep(0.02)
        keys = {k.decode() async for k in raw.scan_iter(match=f"{namespace}*")}
        assert keys, "the kick left no message under the namespace"
        assert all(k.startswith(f"{namespace}:") for k in keys)

        await platform.live.publish(conference)
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message is not None
        assert message["channel"].decode() == f"{namespace}:live:{conference}"
        assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2) is None
    finally:
        await platform.close()
        await pubsub.aclose()
        await raw.aclose()
