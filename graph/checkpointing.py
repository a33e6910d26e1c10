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
from pydantic import BaseModel

from graph.settings import Settings
from vocabulary import api_model, artefacts, page_model

_ARTEFACT_MODULES: tuple[ModuleType, ...] = (artefacts, api_model, page_model)


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


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """A ready saver; PostgreSQL when the database is PostgreSQL, else the SQLite checkpoint file."""
    url = settings.sqlalchemy_url
    if url.startswith("postgresql"):
        conninfo = "postgresql://" + url.split("://", 1)[1]
        async with AsyncPostgresSaver.from_conn_string(conninfo, serde=checkpoint_serializer()) as saver:
            await saver.setup()
            yield saver
    else:
        settings.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            saver.serde = checkpoint_serializer()  # from_conn_string takes no serializer
            yield saver
