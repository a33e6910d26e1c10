"""Service mode under load, every piece real (PostgreSQL, Redis, uvicorn, Celery workers, the sample API):
POST latency at a fixed request rate, event latency from a node's end to an SSE client, and requests per
minute with one and two workers.

`main()` runs it alone and writes bench/results/service.json; NAME/run/render plug it into `python -m bench`.
Run from the repository root: the processes come from the test stack (tests/e2e/stack.py).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import redis
import yaml
from pydantic import BaseModel
from rich.console import Console, RenderableType
from rich.table import Table

from bench.report import machine, verdict
from samples.tasks_api import app as sample
from tests.e2e import stack

NAME = "service"
RESULTS = Path(__file__).resolve().parent / "results" / "service.json"
REDIS_DB = 11
# Targets: POST p99 under 50 ms at 100 req/s; event p99 under 100 ms from node end to client.
POST_RATE = 100.0
POST_SECONDS = 10.0
WARMUP_S = 2.0  # at the same rate, not measured
POST_P99_TARGET_MS = 50.0
EVENT_P99_TARGET_MS = 100.0
RUNS_PER_WORKER_COUNT = 6


class PostLatency(BaseModel):
    """Accepting requests (insert + enqueue) at a fixed rate after a warm-up, nothing consuming them."""

    rate_rps: float
    sent: int
    achieved_rps: float
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    target_met: bool


class EventLatency(BaseModel):
    """From a node's end (the worker publishes right after it) to the SSE client reading the event."""

    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    target_met: bool


class Throughput(BaseModel):
    """Requests run to the end by `workers` workers, all submitted at once."""

    workers: int
    requests: int
    completed: int
    wall_s: float
    requests_per_minute: float


class ServiceBench(BaseModel):
    post: PostLatency
    events: EventLatency
    throughput: list[Throughput]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def _post_load(url: str, payload: dict[str, Any], rate: float,
                     count: int) -> tuple[list[float], int, float]:
    """Open loop: request i leaves at start + i / rate whatever the earlier ones are doing."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=url, headers=stack.AUTH, limits=limits, timeout=10) as client:
        # Warm up at the same rate: the database pool and the server's threads grow in the first second.
        await _paced(client, payload, rate, int(rate * WARMUP_S))
        # The client's own full collections (it imports the whole project) would show up as server latency.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        latencies, errors = await _paced(client, payload, rate, count)
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


async def _paced(client: httpx.AsyncClient, payload: dict[str, Any], rate: float,
                 count: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def one() -> None:
        nonlocal errors
        sent = time.perf_counter()
        try:
            answer = await client.post("/api/v1/requests/api", json=payload)
            ok = answer.status_code == 202
        except httpx.HTTPError:
            ok = False
        latencies.append((time.perf_counter() - sent) * 1000)
        errors += not ok

    started = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return latencies, errors


def measure_posts(server: stack.Server, broker_url: str, *, rate: float, seconds: float) -> PostLatency:
    payload = {"openapi_url": "http://127.0.0.1:9/openapi.yaml", "base_url": "http://127.0.0.1:9",
               "requirements": sample.load_requirements()}
    count = int(rate * seconds)
    latencies, errors, elapsed = asyncio.run(_post_load(server.url, payload, rate, count))
    # No worker ran: drop what was queued so the workers started next do not run a thousand requests.
    redis.Redis.from_url(broker_url).delete("celery")
    p99 = _percentile(latencies, 0.99)
    return PostLatency(rate_rps=rate, sent=count, achieved_rps=round(count / elapsed, 1), errors=errors,
                       p50_ms=round(_percentile(latencies, 0.5), 2), p99_ms=round(p99, 2),
                       max_ms=round(max(latencies), 2), target_met=p99 < POST_P99_TARGET_MS and errors == 0)


def follow(server: stack.Server, payload: dict[str, Any]) -> tuple[str, list[float], float]:
    """Submit one request and read its events to the end: (final status, node-end latencies ms, end time)."""
    latencies: list[float] = []
    with server.client(headers=stack.AUTH) as client:
        answer = client.post("/api/v1/requests/api", json=payload)
        answer.raise_for_status()
        path = f"/api/v1/requests/{answer.json()['request_id']}/events"
        for event in stack.sse(client, path, read_timeout_s=120):
            received = time.time()
            if event.event == "updates" and event.data["event"] == "finished":
                latencies.append((received - event.data["ts"]) * 1000)
            if stack.is_end(event):
                return str(event.data["status"]), latencies, time.monotonic()
    return "no end", latencies, time.monotonic()


def measure_throughput(server: stack.Server, workers: stack.Workers, target: str, count: int,
                       worker_count: int) -> tuple[Throughput, list[float]]:
    names = [f"w{i}" for i in range(1, worker_count + 1)]
    workers.start(*names)
    payload = {"openapi": yaml.safe_load(sample.SPEC_PATH.read_text(encoding="utf-8")), "base_url": target,
               "requirements": sample.load_requirements()}
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=count) as pool:
            outcomes = list(pool.map(lambda _: follow(server, payload), range(count)))
        wall = max(end for _, _, end in outcomes) - started
    finally:
        workers.stop(*names)
    completed = sum(status == "completed" for status, _, _ in outcomes)
    latencies = [ms for _, samples, _ in outcomes for ms in samples]
    return Throughput(workers=worker_count, requests=count, completed=completed, wall_s=round(wall, 2),
                      requests_per_minute=round(completed / wall * 60, 1)), latencies


def run(*, quick: bool = False, work_dir: Path | None = None,
        earlier: dict[str, Any] | None = None) -> ServiceBench:
    """Start the stack, measure, stop it; `quick` shortens the POST phase and runs fewer requests."""
    seconds = 3.0 if quick else POST_SECONDS
    runs = 2 if quick else RUNS_PER_WORKER_COUNT
    with ExitStack() as resources:
        scratch = work_dir or Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="testops-")))
        root = scratch / "service"
        database_url = resources.enter_context(stack.postgres_database("testops_bench"))
        broker_url = resources.enter_context(stack.redis_database(REDIS_DB))
        env = stack.service_env(database_url, broker_url, root / "service-data")
        (root / "service-logs").mkdir(parents=True, exist_ok=True)
        server = stack.start_server(env, root / "service-logs" / "server.log")
        resources.callback(stack.stop, server.process)
        target = resources.enter_context(sample.serve())
        workers = stack.Workers(env, root / "service-logs")
        resources.callback(workers.stop)

        post = measure_posts(server, broker_url, rate=POST_RATE, seconds=seconds)
        throughput, latencies = [], []
        for worker_count in (1, 2):
            result, samples = measure_throughput(server, workers, target, runs, worker_count)
            throughput.append(result)
            latencies += samples
    p99 = _percentile(latencies, 0.99)
    events = EventLatency(samples=len(latencies), p50_ms=round(_percentile(latencies, 0.5), 2),
                          p99_ms=round(p99, 2), max_ms=round(max(latencies, default=0.0), 2),
                          target_met=bool(latencies) and p99 < EVENT_P99_TARGET_MS)
    return ServiceBench(post=post, events=events, throughput=throughput)


def render(result: ServiceBench) -> list[RenderableType]:
    """One table: the latencies against their targets, then throughput per worker count."""
    table = Table(title="Service mode", title_justify="left")
    for column in ("measure", "p50 ms", "p99 ms", "max ms", "detail", "target"):
        table.add_column(column, justify="right")
    post, events = result.post, result.events
    table.add_row("POST /requests/api", f"{post.p50_ms:.1f}", f"{post.p99_ms:.1f}", f"{post.max_ms:.1f}",
                  f"{post.sent} at {post.achieved_rps:.0f}/s, {post.errors} errors", verdict(post.target_met))
    table.add_row("node end → SSE client", f"{events.p50_ms:.1f}", f"{events.p99_ms:.1f}",
                  f"{events.max_ms:.1f}", f"{events.samples} events", verdict(events.target_met))
    for run_ in result.throughput:
        table.add_row(f"{run_.workers} worker(s)", "", "", "",
                      f"{run_.completed}/{run_.requests} in {run_.wall_s:.1f} s = "
                      f"{run_.requests_per_minute:.1f} req/min", verdict(None))
    table.caption = (f"targets: POST p99 < {POST_P99_TARGET_MS:.0f} ms at {POST_RATE:.0f} req/s, "
                     f"event p99 < {EVENT_P99_TARGET_MS:.0f} ms")
    return [table]


def main() -> dict[str, Any]:
    """Run, print the table, write bench/results/service.json; returns what was written."""
    result = run()
    console = Console() if sys.stdout.isatty() else Console(width=150)
    for renderable in render(result):
        console.print(renderable)
    written = {"meta": machine(), NAME: result.model_dump(mode="json")}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    main()
