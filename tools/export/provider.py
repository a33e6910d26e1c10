"""What the provider clients share: where an export goes, what it left, and git's own blob ids."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tools.export.bundle import Bundle

# Told at each step of an export (a stage name and its details): the request's event stream listens.
Progress = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class Destination:
    """The repository (OWNER/REPO or GROUP/PROJECT), the base branch (None: its default) and the branch."""

    repository: str
    base: str | None
    branch: str


@dataclass(frozen=True, kw_only=True)
class Committed:
    """The branch after the export: its head, and whether this export made that commit.

    `head_sha` is None when the branch does not exist and the base already holds the suite (nothing to
    propose).
    """

    head_sha: str | None
    tree_sha: str | None
    created: bool


@dataclass(frozen=True, kw_only=True)
class ReviewRequest:
    """The pull or merge request the export opened (`created`) or updated."""

    number: int
    url: str
    created: bool


class Provider(Protocol):
    """One export's client for one repository; open it with `async with`."""

    async def commit(self, bundle: Bundle) -> Committed: ...

    async def review_request(self, bundle: Bundle, known_number: int | None) -> ReviewRequest: ...


def git_blob_sha(content: str) -> str:
    """The id git (and so GitHub and GitLab) gives a file with this content."""
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Changes:
    """What a commit must write and delete for the branch to hold the bundle, given the files it holds."""

    write: dict[str, str]
    delete: list[str]

    @classmethod
    def between(cls, bundle: Bundle, existing: Mapping[str, str]) -> Changes:
        """`existing`: path → blob id of the files on the branch (or base)."""
        write = {path: content for path, content in bundle.files.items()
                 if existing.get(path) != git_blob_sha(content)}
        delete = sorted(path for path in existing if bundle.owns(path) and path not in bundle.files)
        return cls(write, delete)

    def __bool__(self) -> bool:
        return bool(self.write or self.delete)
