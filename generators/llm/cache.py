"""Recorded LLM replies in the data dir, so that a rerun with the same inputs makes the same files for free.

A reply is keyed by the hash of the model, the prompt's name and version, and the rendered messages.
With a shared database (service mode: TESTOPS_DATABASE_URL), replies are recorded there too, so that every
worker, on any host, replays what one of them recorded; the data dir's files are looked at first.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from generators.llm.config import CacheMode
from storage.engine import session_scope
from storage.llm_replies import record_reply, recorded_reply
from tools.errors import InputError


class ReplayMissing(InputError):
    """`--llm-cache replay` met a prompt with no recorded reply: the run cannot be replayed."""


def reply_key(model: str, prompt_key: str, system: str, user: str) -> str:
    """The cache key: a SHA-256 over everything that decides the reply."""
    material = json.dumps([model, prompt_key, system, user], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ReplyCache:
    """One JSON file per recorded reply under `directory` (and a row in the database at `database_url`),
    read and written as `mode` allows."""

    def __init__(self, directory: Path, mode: CacheMode, database_url: str | None = None) -> None:
        self.directory = directory
        self.mode = mode
        self.database_url = database_url

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def lookup(self, key: str, prompt_key: str) -> str | None:
        """The recorded reply, or None when there is none (or the mode is off); replay raises instead."""
        if self.mode == "off":
            return None
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))["content"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if self.database_url:
            with session_scope(self.database_url) as session:
                content = recorded_reply(session, key)
            if content is not None:
                return content
        if self.mode == "replay":
            where = f"{self.directory} or the database" if self.database_url else str(self.directory)
            raise ReplayMissing(
                f"--llm-cache replay: no recorded reply for prompt {prompt_key} (key {key[:12]}) "
                f"in {where}; record one with --llm-cache write"
            )
        return None

    def record(self, key: str, prompt_key: str, model: str, content: str) -> None:
        """Store a usable reply (write mode only); written to a temporary file first, then renamed."""
        if self.mode != "write":
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"model": model, "prompt": prompt_key, "content": content}
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as handle:
            json.dump(entry, handle, ensure_ascii=False, indent=1)
        os.replace(handle.name, path)
        if self.database_url:
            with session_scope(self.database_url) as session:
                record_reply(session, key, model=model, prompt=prompt_key, content=content)
