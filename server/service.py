"""What the routes share, opened once by the app's lifespan: database, Redis, broker, the graph's state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from celery import Celery
from langgraph.graph.state import CompiledStateGraph
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from celery_worker.app import create_celery
from graph.builder import build_graph
from graph.checkpointing import open_checkpointer
from graph.settings import Settings
from server.streaming import EventsRedis
from storage.engine import create_engine_for, migrate, session_factory

# Event streams share one subscription and read back with short commands: a few connections serve them
# all. Beyond this, a command waits for a free connection instead of opening one more.
MAX_REDIS_CONNECTIONS = 32


@dataclass(frozen=True, kw_only=True)
class Service:
    """The server's long-lived clients."""

    settings: Settings
    sessions: sessionmaker[Session]
    redis: EventsRedis
    celery: Celery
    # The pipeline with the workers' checkpointer: the server only reads run state through it.
    graph: CompiledStateGraph


def thread_config(request_id: Any) -> dict[str, Any]:
    """The graph config of a request's thread."""
    return {"configurable": {"thread_id": str(request_id)}}


@asynccontextmanager
async def open_service(settings: Settings) -> AsyncIterator[Service]:
    """Migrate the database, then open every client; all are closed on exit."""
    await run_in_threadpool(migrate, settings.sqlalchemy_url)
    engine = create_engine_for(settings.sqlalchemy_url)
    celery = create_celery(settings, results=False)  # it only sends tasks and pings workers
    try:
        # Health checks: a half-open connection under the idle subscription is noticed and replaced.
        redis = EventsRedis.pooled(settings.redis_url, max_connections=MAX_REDIS_CONNECTIONS,
                                   health_check_interval=30)
        async with redis, open_checkpointer(settings, connections=4) as saver:
            yield Service(settings=settings, sessions=session_factory(engine), redis=redis, celery=celery,
                          graph=build_graph(checkpointer=saver))
    finally:
        celery.close()
        engine.dispose()
