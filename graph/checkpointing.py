"""The checkpointer for a run: SQLite file in the embedded default, PostgreSQL in service mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graph.settings import Settings


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """A ready saver; PostgreSQL when the database is PostgreSQL, else the SQLite checkpoint file."""
    url = settings.sqlalchemy_url
    if url.startswith("postgresql"):
        conninfo = "postgresql://" + url.split("://", 1)[1]
        async with AsyncPostgresSaver.from_conn_string(conninfo) as saver:
            await saver.setup()
            yield saver
    else:
        settings.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            yield saver
