"""The checkpointer for a run: SQLite file in the embedded default, PostgreSQL in service mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum
from types import ModuleType

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from graph.settings import Settings
from vocabulary import api_model, artefacts, page_model, review

_ARTEFACT_MODULES: tuple[ModuleType, ...] = (artefacts, api_model, page_model, review)


def checkpoint_serializer() -> JsonPlusSerializer:
    """Checkpoints hold our typed artefacts: exactly those types may be read back, nothing else."""
    allowed = [
        (value.__module__, value.__name__)
        for module in _ARTEFACT_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel | Enum)
        and value.__module__ == module.__name__
    ]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


# Seconds a checkpoint write waits for PostgreSQL to come back: a database restart during a node costs the
# run a pause at its next checkpoint, not its life.
SAVER_WAIT_S = 30.0


@asynccontextmanager
async def open_checkpointer(
    settings: Settings, *, connections: int = 2
) -> AsyncIterator[BaseCheckpointSaver]:
    """A ready saver; PostgreSQL when the database is PostgreSQL, else the SQLite checkpoint file.

    On PostgreSQL it draws from a pool that checks a connection before lending it, so a server or worker
    outlives database restarts.
    """
    url = settings.sqlalchemy_url
    if url.startswith("postgresql"):
        # The saver needs autocommit, no prepared statements and dict rows (see the stack notes).
        pool = AsyncConnectionPool(
            "postgresql://" + url.split("://", 1)[1], min_size=1, max_size=connections, open=False,
            timeout=SAVER_WAIT_S, check=AsyncConnectionPool.check_connection,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        async with pool:
            saver = AsyncPostgresSaver(pool, serde=checkpoint_serializer())  # type: ignore[arg-type]
            await saver.setup()
            yield saver
    else:
        settings.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            saver.serde = checkpoint_serializer()  # from_conn_string takes no serializer
            yield saver
