"""Delivery leases on a real Redis: a lapsed delivery goes back to its queue, a leased or fresh one stays."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from redis.asyncio import Redis

from celery_worker.app import TestOpsCelery
from celery_worker.leases import (
    RunHeartbeat,
    alive_key,
    claim_run,
    lease_key,
    reclaim,
    release_run,
    renew,
    run_key,
)
from graph.settings import Settings
from tests.reliability.services import PrivateRedis, ServiceUnavailable

QUEUE = "lease-test"
LEASE_S = 0.2


@pytest.fixture
def connections(celery_app: TestOpsCelery) -> Iterator[tuple[Connection, Connection]]:
    """A holder that takes a delivery and then stops answering, and a survivor that reclaims it."""
    with celery_app.connection_for_write() as holder, celery_app.connection_for_write() as survivor:
        survivor.default_channel.client.delete(QUEUE)
        yield holder, survivor
        survivor.default_channel.client.delete(QUEUE)


def take_delivery(holder: Connection) -> Any:
    holder.default_channel.basic_publish(holder.default_channel.prepare_message("payload"), "", QUEUE)
    message = holder.default_channel.basic_get(QUEUE, no_ack=False)
    assert message is not None
    return message


def forget(holder: Connection, tag: str) -> None:
    """Drop the holder's own memory of the delivery, so closing it restores nothing more."""
    holder.default_channel.qos.ack(tag)


def test_a_lapsed_delivery_goes_back_to_its_queue(connections: tuple[Connection, Connection]) -> None:
    holder, survivor = connections
    message = take_delivery(holder)
    channel = survivor.default_channel
    assert channel.client.llen(QUEUE) == 0
    time.sleep(LEASE_S * 1.5)
    assert reclaim(channel, LEASE_S) == [message.delivery_tag]
    [restored] = channel.client.lrange(QUEUE, 0, -1)
    assert json.loads(restored)["properties"]["delivery_info"]["redelivered"] is True
    assert not channel.client.hexists(channel.qos.unacked_key, message.delivery_tag)
    forget(holder, message.delivery_tag)


def test_a_leased_delivery_stays_with_its_worker(connections: tuple[Connection, Connection]) -> None:
    holder, survivor = connections
    message = take_delivery(holder)
    channel = survivor.default_channel
    time.sleep(LEASE_S * 1.5)
    renew(channel.client, [message.delivery_tag], "w1@test", lease_s=5)
    assert reclaim(channel, LEASE_S) == []
    assert channel.client.llen(QUEUE) == 0
    assert channel.client.get(lease_key(message.delivery_tag)) == b"w1@test"
    channel.client.delete(lease_key(message.delivery_tag))
    holder.default_channel.basic_ack(message.delivery_tag)


def test_a_fresh_delivery_gets_time_to_take_its_lease(connections: tuple[Connection, Connection]) -> None:
    holder, survivor = connections
    message = take_delivery(holder)
    assert reclaim(survivor.default_channel, lease_s=5) == []
    holder.default_channel.basic_ack(message.delivery_tag)


async def test_a_run_belongs_to_one_live_execution_at_a_time(settings: Settings) -> None:
    """The same task queued twice, or one delivery handed out again: a copy may not run while the first
    execution beats, and takes the run over only a lease after the first's heartbeat was found gone."""
    loop = asyncio.get_running_loop()
    request_id = str(uuid.uuid4())
    async with Redis.from_url(settings.redis_url, decode_responses=True) as redis:
        claim = {"worker": "w1@test", "lease_s": LEASE_S, "ttl_s": 60}
        assert await claim_run(redis, request_id, execution="first", **claim)
        with RunHeartbeat(settings.redis_url, request_id, execution="first", worker="w1@test",
                          lease_s=LEASE_S):  # fmt: skip
            for _ in range(3):
                await asyncio.sleep(LEASE_S)
                assert not await claim_run(redis, request_id, execution="copy", **claim)
        await release_run(redis, request_id, execution="copy")  # not its claim: nothing happens
        assert await redis.get(run_key(request_id)) == "first"
        await asyncio.sleep(LEASE_S * 1.5)  # the first execution died: its heartbeat lapsed
        started = loop.time()
        assert await claim_run(redis, request_id, execution="copy", **claim)
        assert loop.time() - started >= LEASE_S * 0.9  # it waited a lease for a heartbeat first
        await release_run(redis, request_id, execution="copy")
        assert not await redis.exists(run_key(request_id), alive_key("copy"))


async def test_a_redis_restart_never_hands_a_live_run_to_its_copy(tmp_path: Path) -> None:
    """Down longer than a lease, Redis comes back with every heartbeat expired and the run's claim kept:
    a copy delivered at once (kombu restoring unacked messages, a lapsed lease reclaimed) finds it busy,
    before and after the live execution beats again."""
    private = PrivateRedis(tmp_path / "redis")
    try:
        private.start()
    except ServiceUnavailable as missing:
        pytest.skip(f"no private Redis: {missing}")
    request_id, lease_s = str(uuid.uuid4()), 0.5
    claim = {"worker": "w1@test", "lease_s": lease_s, "ttl_s": 60}
    try:
        async with Redis.from_url(private.url, decode_responses=True) as redis:
            assert await claim_run(redis, request_id, execution="first", **claim)
        with RunHeartbeat(private.url, request_id, execution="first", worker="w1@test", lease_s=lease_s):
            private.restart(down_s=lease_s * 3)
            async with Redis.from_url(private.url, decode_responses=True) as redis:
                assert not await claim_run(redis, request_id, execution="copy", **claim)  # waits, then busy
                for _ in range(4):
                    await asyncio.sleep(lease_s)
                    assert not await claim_run(redis, request_id, execution="copy", **claim)
                assert await redis.exists(alive_key("first"))  # it beats again
    finally:
        private.kill()
