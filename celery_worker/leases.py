"""Delivery leases: a task held by a worker that died comes back to the queue in seconds, not hours; and
run claims: one request is run by one execution at a time.

Kombu's Redis transport only requeues an unacknowledged task after `visibility_timeout`, which must
exceed the longest task (an hour). So each worker renews a short lease on the deliveries it holds, from a
thread of its main process, and requeues any delivery older than a lease whose lease has lapsed.

A delivery can thus be handed out again while its first execution still runs (after a Redis outage longer
than a lease, or kombu restoring a dropped channel's unacknowledged messages), with the same delivery tag.
So a run is claimed by its execution, which keeps a heartbeat while it runs (`RunHeartbeat`); a copy finds
the run busy and tries again later, taking it over only when the heartbeat has been gone a whole lease.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from celery import bootsteps
from celery.signals import task_received
from celery.worker import state
from kombu.transport.redis import Mutex, MutexHeld
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def lease_key(delivery_tag: str) -> str:
    """The Redis key whose presence says a live worker holds the delivery."""
    return f"testops:lease:{delivery_tag}"


def run_key(request_id: str) -> str:
    """The Redis key naming the execution that runs the request now."""
    return f"testops:run:{request_id}"


def alive_key(execution: str) -> str:
    """The Redis key whose presence says an execution of a task is still running (its `RunHeartbeat`)."""
    return f"testops:alive:{execution}"


def lapsed_key(request_id: str) -> str:
    """The Redis key recording since when the request's holder has been seen without its heartbeat."""
    return f"testops:run:{request_id}:lapsed"


# Claims are by execution, not by delivery tag: a copy the broker hands out again (kombu restoring a
# channel's unacked messages, a lease reclaimed after an outage) carries the same tag as the original.
# KEYS: the run key, its lapsed key. ARGV: my execution, the alive key prefix, my worker, lease ms, claim
# ttl ms. A holder other than me whose heartbeat lives keeps the run (0). One without it is taken over
# only once seen without it for a whole lease (until then: minus the ms left to wait): a Redis outage
# longer than a lease expires every heartbeat at once, and a live holder beats again within a beat of
# Redis coming back.
_CLAIM_RUN = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  if redis.call('EXISTS', ARGV[2] .. holder) == 1 then return 0 end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local lease = tonumber(ARGV[4])
  local seen = redis.call('GET', KEYS[2])
  local since, who = nil, nil
  if seen then since, who = string.match(seen, '^(%d+) (.*)$') end
  if who ~= holder then
    redis.call('SET', KEYS[2], now .. ' ' .. holder, 'PX', lease * 4)
    return -lease
  end
  local waited = now - tonumber(since)
  if waited < lease then return waited - lease end
  redis.call('DEL', KEYS[2])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[5])
redis.call('SET', ARGV[2] .. ARGV[1], ARGV[3], 'PX', ARGV[4])
return 1
"""
# KEYS: the run key, its lapsed key. ARGV: my execution, the alive key prefix, my worker, lease ms.
_BEAT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', ARGV[2] .. ARGV[1], ARGV[3], 'PX', ARGV[4])
redis.call('DEL', KEYS[2])
return 1
"""
_RELEASE_RUN = """
redis.call('DEL', ARGV[2] .. ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


async def claim_run(redis: Redis, request_id: str, *, execution: str, worker: str, lease_s: float,
                    ttl_s: float) -> bool:
    """Whether this execution may run the request: False while another execution runs it (the same task
    queued twice, or handed out again while the first still runs). When that one's heartbeat is missing,
    it waits a lease for it to beat again (Redis was down) before taking the run over (it died)."""
    while True:
        answer = int(await redis.eval(_CLAIM_RUN, 2, run_key(request_id), lapsed_key(request_id), execution,
                                      alive_key(""), worker, int(lease_s * 1000), int(ttl_s * 1000)))
        if answer >= 0:
            return bool(answer)
        await asyncio.sleep(-answer / 1000)


async def release_run(redis: Redis, request_id: str, *, execution: str) -> None:
    """This execution is done with the request (finished, waiting for review, or failed)."""
    await redis.eval(_RELEASE_RUN, 1, run_key(request_id), execution, alive_key(""))


class RunHeartbeat:
    """Keeps a claimed run's heartbeat alive from a thread of its own, so that a busy event loop never
    lets it lapse; retries at once when Redis is back from an outage. A context manager."""

    def __init__(self, redis_url: str, request_id: str, *, execution: str, worker: str,
                 lease_s: float) -> None:
        self._client = SyncRedis.from_url(redis_url, socket_timeout=lease_s, socket_connect_timeout=lease_s)
        self._keys = (run_key(request_id), lapsed_key(request_id))
        self._args = (execution, alive_key(""), worker, int(lease_s * 1000))
        self._interval_s = lease_s / 3
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"run-heartbeat-{request_id}", daemon=True)

    def __enter__(self) -> RunHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        # Not for long: a beat stuck on an unanswering Redis ends on its own, and the run is over.
        self._thread.join(timeout=1.0)

    def _beat(self) -> None:
        lost = False
        try:
            while not self._stopping.is_set():
                wait_s = self._interval_s
                try:
                    still_holder = self._client.eval(_BEAT, 2, *self._keys, *self._args)
                    if not still_holder and not lost:
                        logger.warning("%s: another execution holds the run now", self._keys[0])
                    lost = not still_holder
                except RedisError:
                    wait_s = min(self._interval_s, 0.25)  # beat again as soon as Redis answers
                self._stopping.wait(wait_s)
        finally:
            self._client.close()


def held_delivery_tags() -> set[str]:
    """Tags of the deliveries this worker holds: reserved (prefetched) and active."""
    for _ in range(5):
        try:
            requests = [*state.reserved_requests, *state.active_requests]
            break
        except RuntimeError:  # the main thread changed a set while we copied it; try again
            continue
    else:
        return set()
    return {str(r.message.delivery_tag) for r in requests if r.message is not None}


def renew(client: Any, tags: Iterable[str], holder: str, lease_s: float) -> None:
    """(Re)start the lease of each held delivery."""
    pipe = client.pipeline(transaction=False)
    for tag in tags:
        pipe.set(lease_key(tag), holder, px=int(lease_s * 1000))
    pipe.execute()


def reclaim(channel: Any, lease_s: float) -> list[str]:
    """Requeue deliveries unacknowledged for longer than a lease whose lease lapsed; returns their tags."""
    qos, client = channel.qos, channel.client
    stale = client.zrange(qos.unacked_index_key, "-inf", time.time() - lease_s, byscore=True)
    if not stale:
        return []
    restored = []
    try:
        # Kombu's own sweep takes the same mutex: one restorer at a time across all workers.
        with Mutex(client, qos.unacked_mutex_key, qos.unacked_mutex_expire):
            for raw in stale:
                tag = raw.decode() if isinstance(raw, bytes) else str(raw)
                if not client.exists(lease_key(tag)):
                    qos.restore_by_tag(tag, client)
                    restored.append(tag)
    except MutexHeld:
        return []
    for tag in restored:
        logger.warning("requeued delivery %s: the worker holding it stopped renewing its lease", tag)
    return restored


class DeliveryLeases(bootsteps.StartStopStep):
    """Worker bootstep running the lease thread; a thread, so it beats even while the solo pool works."""

    label = "delivery leases"

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        # Tags received since the last beat: they may not be in `state` yet when the thread wakes.
        self._received: set[str] = set()
        self._thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        settings = getattr(worker.app, "settings", None)
        lease_s = settings.worker_lease_s if settings is not None else 15.0
        task_received.connect(self._on_received, weak=False)
        self._thread = threading.Thread(target=self._beat, args=(worker.app, worker.hostname, lease_s),
                                        name="delivery-leases", daemon=True)
        self._thread.start()

    def stop(self, worker: Any) -> None:
        task_received.disconnect(self._on_received)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _on_received(self, request: Any = None, **_: Any) -> None:
        """Lease a new delivery at once rather than at the next beat."""
        message = getattr(request, "message", None)
        if message is not None:
            self._received.add(str(message.delivery_tag))
            self._wake.set()

    def _beat(self, app: Any, hostname: str, lease_s: float) -> None:
        connection = None
        while not self._stopping.is_set():
            try:
                if connection is None:
                    connection = app.connection_for_write()
                channel = connection.default_channel
                received, self._received = self._received, set()
                renew(channel.client, held_delivery_tags() | received, hostname, lease_s)
                reclaim(channel, lease_s)
            except Exception:  # noqa: BLE001 - a broker hiccup must not end the heartbeat
                logger.warning("delivery lease heartbeat failed; retrying", exc_info=True)
                if connection is not None:
                    connection.collect()
                    connection = None
            self._wake.wait(lease_s / 3)
            self._wake.clear()
        if connection is not None:
            connection.release()
