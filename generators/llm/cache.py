"""Recorded LLM replies in the data dir, so that a rerun with the same inputs makes the same files for free.

A reply is keyed by the hash of the model, the prompt's name and version, and the rendered messages.
Service mode keeps the same files for now (one store per data dir); a database store is a later step.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from generators.llm.config import CacheMode
from tools.errors import InputError


class ReplayMissing(InputError):
    """`--llm-cache replay` met a prompt with no recorded reply: the run cannot be replayed."""


def reply_key(model: str, prompt_key: str, system: str, user: str) -> str:
    """The cache key: a SHA-256 over everything that decides the reply."""
    material = json.dumps([model, prompt_key, system, user], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ReplyCache:
    """One JSON file per recorded reply under `directory`, read and written as `mode` allows."""

    def __init__(self, directory: Path, mode: CacheMode) -> None:
        self.directory = directory
        self.mode = mode

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
            if self.mode == "replay":
                raise ReplayMissing(
                    f"--llm-cache replay: no recorded reply for prompt {prompt_key} (key {key[:12]}) "
                    f"in {self.directory}; record one with --llm-cache write"
                ) from None
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
