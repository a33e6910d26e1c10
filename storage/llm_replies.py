"""Recorded LLM replies in the database: the store service workers share (the data dir is per host)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import LlmReply


def recorded_reply(session: Session, reply_key: str) -> str | None:
    """The content recorded under the key, or None."""
    reply = session.get(LlmReply, reply_key)
    return reply.content if reply is not None else None


def record_reply(session: Session, reply_key: str, *, model: str, prompt: str, content: str) -> None:
    """Record a reply; the first one recorded under a key stays (two workers asking at once agree anyway)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LlmReply).values(
        reply_key=reply_key, model=model, prompt=prompt, content=content
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["reply_key"]))
