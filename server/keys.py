"""API keys: how one is made, what is kept of it (its SHA-256 digest and a short prefix), and who holds it.

A key is 256 random bits, so one unsalted SHA-256 is the right digest: nothing short enough to guess hides
behind it (a password hash's slowness would buy nothing and cost every request).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

# Ours are recognisable (in logs, by secret scanners) by this start, like GitHub's `ghp_`.
KEY_START = "testops_"
# What is shown of a key to tell it apart: its start and 4 random characters.
PREFIX_CHARS = len(KEY_START) + 4
# A TESTOPS_API_KEYS entry given as a digest, so that the environment need not hold the key itself.
DIGEST_ENTRY = re.compile(r"sha256:([0-9a-fA-F]{64})")
# Keys of TESTOPS_API_KEYS have no row; their id is derived from the digest, the same in every process.
ENV_KEY_NAMESPACE = uuid.UUID("5d0c1f3e-9a4b-4c1e-8f2a-7b6d3e9c1a20")


@dataclass(frozen=True)
class Caller:
    """Whose key made an HTTP call: the key's id (owner of what the call makes) and its name."""

    key_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is shown once and never stored."""

    secret: str
    digest: str
    prefix: str


def key_digest(key: str) -> str:
    """The hex SHA-256 of a key: what is stored and compared."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> NewKey:
    secret = KEY_START + secrets.token_urlsafe(32)
    return NewKey(secret=secret, digest=key_digest(secret), prefix=secret[:PREFIX_CHARS])


def env_key_id(digest: str) -> uuid.UUID:
    return uuid.uuid5(ENV_KEY_NAMESPACE, digest)


class EnvKeyring:
    """The keys of TESTOPS_API_KEYS, by digest only: each entry is a key, hashed here once, or
    `sha256:<64 hex digits>`, its digest."""

    def __init__(self, entries: Sequence[str]) -> None:
        digests = []
        for position, entry in enumerate(entries, start=1):
            if entry.lower().startswith("sha256:"):
                match = DIGEST_ENTRY.fullmatch(entry)
                if match is None:
                    raise ValueError(f"TESTOPS_API_KEYS entry {position}: `sha256:` must be followed by the "
                                     "64 hex digits of the key's SHA-256")
                digests.append(match.group(1).lower())
            else:
                digests.append(key_digest(entry))
        self._digests = tuple(digests)

    def __len__(self) -> int:
        return len(self._digests)

    def recognise(self, digest: str) -> Caller | None:
        """Whose key has this digest, comparing with every one in constant time: the answer's timing tells
        nothing about the keys."""
        matches = [hmac.compare_digest(digest, known) for known in self._digests]
        if not any(matches):
            return None
        known = self._digests[matches.index(True)]
        return Caller(key_id=env_key_id(known), name=f"TESTOPS_API_KEYS sha256:{known[:8]}")
