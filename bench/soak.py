"""Soak: many requests through two real Celery workers, one of them SIGKILLed twice on the way; every request
must complete, nothing twice (test rows, events), and the workers' memory must stay flat across the pool
process recycling that `worker_max_tasks_per_child` does.

The target is tiny on purpose (the sample API's health check, one requirement), so the run measures the
service's plumbing rather than suite generation. Every piece is real: PostgreSQL, a private Redis, uvicorn,
the workers, the sample API. Run from the repository root: the processes come from the test stack.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import redis
import yaml
from pydantic import BaseModel
from rich.console import RenderableType
from rich.table import Table
from sqlalchemy import func, select

from bench.memory import _rss_bytes, process_stats
from bench.report import verdict
from celery_worker.app import celery_config
from celery_worker.events import stream_key
from samples.tasks_api import app as sample
from storage.engine import session_scope
from storage.models import Request, RequestStatus, TestCase
from tests.e2e import stack
from tests.reliability.services import PrivateRedis

NAME = "soak"
REQUESTS, QUICK_REQUESTS = 200, 20
WORKERS = ("s1", "s2")
VICTIM = "s1"
# The victim is killed when this share of the requests has ended, then started again at once.
KILL_AT = (1 / 3, 2 / 3)
REQUIREMENT = "The health check answers 200 without a token."
SAMPLE_EVERY_S = 0.5
# Flat: no pool process (after the first of its worker) peaks more than this far above the first one.
FLAT_RATIO = 1.25
DEADLINE_S = {True: 300.0, False: 1800.0}
MB = 1024 * 1024


class WorkerMemory(BaseModel):
    """One worker process's pool processes in the order they ran, each with its peak RSS."""

    worker: str
    main_pid: int
    pool_peaks_mb: list[float]


class SoakBench(BaseModel):
    requests: int
    completed: int
    failed: int
    unfinished: int
    wall_s: float
    kills: int
    max_tasks_per_child: int
    duplicate_test_rows: int  # TestCase rows beyond the first per (request, code_hash)
    duplicate_events: int  # node events and ends told more than once, summed over requests
    memory: list[WorkerMemory]
    recycles: int
    flat_ratio_bound: float
    worst_ratio: float
    flat: bool
    all_completed: bool


def tiny_spec() -> dict[str, Any]:
    """The sample API's spec cut down to its health check."""
    spec = yaml.safe_load(sample.SPEC_PATH.read_text(encoding="utf-8"))
    return {**spec, "paths": {"/health": spec["paths"]["/health"]}}


class RssSampler:
    """Polls each worker's process tree on a thread: the peak RSS (main process + pool process) of every
    pool process it sees, so a recycled or restarted pool process starts a new entry."""

    def __init__(self, workers: stack.Workers) -> None:
        self._workers = workers
        self._peaks: dict[tuple[str, int], dict[int, int]] = {}  # (name, main pid) -> pool pid -> peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="soak-rss", daemon=True)

    @contextmanager
    def running(self) -> Iterator[RssSampler]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=5)

    def _poll(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            stats = process_stats()
            for name, process in list(self._workers.processes.items()):
                if process.poll() is not None:
                    continue
                # Its pool process: prefork with --concurrency=1 runs one at a time, beside the main one.
                # The suites it runs are its children, not counted: they come and go with each request.
                pool = [pid for pid, fields in stats.items() if int(fields[1]) == process.pid]
                if not pool:
                    continue
                child = max(pool)
                rss = _rss_bytes(process.pid) + _rss_bytes(child)
                peaks = self._peaks.setdefault((name, process.pid), {})
                peaks[child] = max(peaks.get(child, 0), rss)

    def memory(self) -> list[WorkerMemory]:
        return [WorkerMemory(worker=name, main_pid=main,
                             pool_peaks_mb=[round(peak / MB, 1) for _, peak in sorted(pools.items())])
                for (name, main), pools in self._peaks.items()]


def submit_all(server: stack.Server, base_url: str, count: int) -> list[str]:
    body = {"openapi": tiny_spec(), "base_url": base_url, "requirements": [REQUIREMENT]}

    def post(_: int) -> str:
        with server.client(headers=stack.AUTH) as client:
            answer = client.post("/api/v1/requests/api", json=body)
            answer.raise_for_status()
            return str(answer.json()["request_id"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(post, range(count)))


def statuses(database_url: str, request_ids: list[str]) -> Counter[str]:
    with session_scope(database_url) as session:
        rows = session.execute(select(Request.status).where(
            Request.request_id.in_([uuid.UUID(r) for r in request_ids])))
        return Counter(status.value for (status,) in rows)


def ended(counts: Counter[str]) -> int:
    return counts[RequestStatus.COMPLETED.value] + counts[RequestStatus.FAILED.value]


def duplicate_test_rows(database_url: str) -> int:
    with session_scope(database_url) as session:
        per_hash = (select(func.count().label("n")).select_from(TestCase)
                    .group_by(TestCase.request_id, TestCase.code_hash).subquery())
        return int(session.scalar(select(func.coalesce(func.sum(per_hash.c.n - 1), 0))) or 0)


def duplicate_events(broker_url: str, request_ids: list[str]) -> int:
    """Node events (node, started/finished) and ends told more than once: the tiny run repeats no node."""
    client = redis.Redis.from_url(broker_url, decode_responses=True)
    repeated = 0
    try:
        for request_id in request_ids:
            told: Counter[str] = Counter()
            for _, fields in client.xrange(stream_key(request_id)):
                if fields["event"] == "updates":
                    data = json.loads(fields["data"])
                    told[f"{data['node']} {data['event']}"] += 1
                elif fields["event"] == "end":
                    told["end"] += 1
            repeated += sum(n - 1 for n in told.values() if n > 1)
    finally:
        client.close()
    return repeated


def drive(server: stack.Server, workers: stack.Workers, database_url: str, target: str, count: int,
          deadline_s: float) -> tuple[list[str], Counter[str], int, float]:
    """Submit `count` requests, kill the victim at each KILL_AT share, wait for all to end (or the
    deadline)."""
    started = time.monotonic()
    request_ids = submit_all(server, target, count)
    kills, thresholds = 0, [round(share * count) for share in KILL_AT]
    counts: Counter[str] = Counter()
    while time.monotonic() - started < deadline_s:
        counts = statuses(database_url, request_ids)
        if ended(counts) == count:
            break
        if thresholds and ended(counts) >= thresholds[0]:
            thresholds.pop(0)
            workers.kill(VICTIM)
            kills += 1
            workers.start(VICTIM)
        time.sleep(0.5)
    return request_ids, counts, kills, round(time.monotonic() - started, 1)


def run(*, quick: bool = False, work_dir: Path | None = None,
        earlier: dict[str, Any] | None = None) -> SoakBench:
    """Start the stack, soak it, stop it; `quick` sends 20 requests instead of 200."""
    count = QUICK_REQUESTS if quick else REQUESTS
    with ExitStack() as resources:
        scratch = work_dir or Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="testops-")))
        root = scratch / "soak"
        broker = PrivateRedis(root / "redis")
        broker.start()
        resources.callback(broker.kill)
        database_url = resources.enter_context(stack.postgres_database("testops_soak"))
        env = stack.service_env(database_url, f"{broker.url}/0", root / "data", TESTOPS_WORKER_LEASE_S="4",
                                TESTOPS_TARGET_ALLOWLIST="127.0.0.1", TESTOPS_RATE_LIMIT="100000/minute")
        (root / "logs").mkdir(parents=True, exist_ok=True)
        server = stack.start_server(env, root / "logs" / "server.log")
        resources.callback(stack.stop, server.process)
        target = resources.enter_context(sample.serve())
        workers = stack.Workers(env, root / "logs")
        resources.callback(workers.stop)
        workers.start(*WORKERS)
        with RssSampler(workers).running() as sampler:
            request_ids, counts, kills, wall = drive(server, workers, database_url, target, count,
                                                     DEADLINE_S[quick])
        memory = sampler.memory()
        rows = duplicate_test_rows(database_url)
        events = duplicate_events(env["TESTOPS_REDIS_URL"], request_ids)
    ratios = [peak / worker.pool_peaks_mb[0] for worker in memory for peak in worker.pool_peaks_mb[1:]]
    worst = round(max(ratios, default=1.0), 3)
    completed = counts[RequestStatus.COMPLETED.value]
    return SoakBench(
        requests=count, completed=completed, failed=counts[RequestStatus.FAILED.value],
        unfinished=count - ended(counts), wall_s=wall, kills=kills,
        max_tasks_per_child=int(celery_config(stack.settings_for(env))["worker_max_tasks_per_child"]),
        duplicate_test_rows=rows, duplicate_events=events, memory=memory,
        recycles=sum(len(worker.pool_peaks_mb) - 1 for worker in memory), flat_ratio_bound=FLAT_RATIO,
        worst_ratio=worst, flat=worst <= FLAT_RATIO, all_completed=completed == count,
    )


def render(result: SoakBench) -> list[RenderableType]:
    """The outcome against its targets, then each worker process's pool processes and their peaks."""
    table = Table(title=f"Soak: {result.requests} requests, 2 workers, {VICTIM} SIGKILLed {result.kills}×",
                  title_justify="left")
    for column in ("measure", "value", "target"):
        table.add_column(column, justify="right")
    table.add_row("completed", f"{result.completed}/{result.requests} "
                  f"({result.failed} failed, {result.unfinished} unfinished) in {result.wall_s:.0f} s",
                  verdict(result.all_completed))
    table.add_row("duplicate test rows", str(result.duplicate_test_rows),
                  verdict(result.duplicate_test_rows == 0))
    table.add_row("duplicate events", str(result.duplicate_events), verdict(result.duplicate_events == 0))
    table.add_row("pool recycles", f"{result.recycles} (max_tasks_per_child={result.max_tasks_per_child})",
                  verdict(None))
    table.add_row("worst pool peak / first", f"{result.worst_ratio:.2f} (bound {result.flat_ratio_bound})",
                  verdict(result.flat if result.recycles else None))
    memory = Table(title="Worker RSS (main + pool process), peak per pool process, MB", title_justify="left")
    memory.add_column("worker")
    memory.add_column("main pid", justify="right")
    memory.add_column("pool processes in order")
    for worker in result.memory:
        peaks = ", ".join(f"{mb:.0f}" for mb in worker.pool_peaks_mb)
        memory.add_row(worker.worker, str(worker.main_pid), peaks)
    return [table, memory]
