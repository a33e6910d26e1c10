"""What the GitHub and GitLab stand-ins share: a small git object store, the calls they answered, scripted
failures and the token they accept. `checkout` writes a branch's files into a folder, as a clone would."""

from __future__ import annotations

import hashlib
import json
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

from samples.loopback import Reply, serving


def blob_sha(data: bytes) -> str:
    """The id git gives a file's content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Commit:
    tree: str
    parents: tuple[str, ...]
    message: str


class GitStore:
    """Blobs, trees (each folder a tree of its own), commits and branches of one repository, in memory."""

    def __init__(self, files: Mapping[str, str], *, default_branch: str = "main") -> None:
        self.default_branch = default_branch
        self.blobs: dict[str, bytes] = {}
        # Every tree, the root of a commit or a folder in one, as path → blob id (paths relative to it).
        self.trees: dict[str, dict[str, str]] = {}
        # Each tree's folders (directly in it) by name → their tree id.
        self.folders: dict[str, dict[str, str]] = {}
        self.commits: dict[str, Commit] = {}
        self.branches: dict[str, str] = {}
        tree = self.add_tree({path: self.add_blob(content.encode()) for path, content in files.items()})
        self.branches[default_branch] = self.add_commit(tree, (), "Initial commit")

    def add_blob(self, data: bytes) -> str:
        sha = blob_sha(data)
        self.blobs[sha] = data
        return sha

    def add_tree(self, entries: Mapping[str, str]) -> str:
        """Store a tree (path → blob id, paths relative to it) and each folder in it as a tree of its own,
        with git's ids: a host lists a tree's folders by their own tree id."""
        flat = dict(sorted(entries.items()))
        contents: dict[str, dict[str, str]] = {}
        for path, blob in flat.items():
            folder, slash, rest = path.partition("/")
            if slash:
                contents.setdefault(folder, {})[rest] = blob
        folders = {folder: self.add_tree(files) for folder, files in contents.items()}
        # git's serialisation: "<mode> <name>\0<raw id>" per entry, by name, a folder's name ending in "/".
        records = [(name, b"100644 %s\0" % name.encode(), blob)
                   for name, blob in flat.items() if "/" not in name]
        records += [(f"{name}/", b"40000 %s\0" % name.encode(), tree) for name, tree in folders.items()]
        records.sort(key=lambda record: record[0].encode())
        body = b"".join(head + bytes.fromhex(entry_id) for _, head, entry_id in records)
        sha = hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()
        self.trees[sha], self.folders[sha] = flat, folders
        return sha

    def add_commit(self, tree: str, parents: tuple[str, ...], message: str) -> str:
        body = json.dumps([tree, parents, message, len(self.commits)])
        sha = hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()
        self.commits[sha] = Commit(tree, parents, message)
        return sha

    def tree_of(self, ref: str) -> dict[str, str]:
        """Path → blob id at a branch or commit."""
        commit = self.commits[self.branches.get(ref, ref)]
        return self.trees[commit.tree]

    def files(self, ref: str) -> dict[str, str]:
        return {path: self.blobs[sha].decode() for path, sha in self.tree_of(ref).items()}

    def history(self, branch: str) -> list[Commit]:
        """The branch's commits, newest first, following first parents."""
        commits, sha = [], self.branches.get(branch)
        while sha:
            commit = self.commits[sha]
            commits.append(commit)
            sha = commit.parents[0] if commit.parents else None
        return commits

    def checkout(self, ref: str, folder: Path) -> Path:
        """Write the files at `ref` under `folder`, as a fresh clone holds them."""
        for path, content in self.files(ref).items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        return folder


@dataclass(frozen=True)
class Call:
    """One request a stand-in answered: method, path (as sent), query and JSON body."""

    method: str
    path: str
    query: str = ""
    body: Any = None


@dataclass
class ScriptedFailure:
    """The next `times` calls of `method` on a path ending with `path_suffix` get this answer instead."""

    method: str
    path_suffix: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class HostingStandIn(ABC):
    """The parts of a git host stand-in that do not depend on its API: calls, failures, the token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.failures: deque[ScriptedFailure] = deque()
        self.lock = threading.Lock()
        self.url = ""  # set once served: the web links in its answers start with it

    def fail(self, method: str, path_suffix: str, status: int, body: Any = None, *,
             headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.append(ScriptedFailure(method, path_suffix, status, body, headers or {}, times))

    def calls_made(self, *methods: str) -> list[tuple[str, str]]:
        """(method, path) of each call, in order; only the given methods when some are named."""
        return [(c.method, c.path) for c in self.calls if not methods or c.method in methods]

    def writes(self) -> list[tuple[str, str]]:
        return self.calls_made("POST", "PUT", "PATCH", "DELETE")

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        """Note the call, then answer it: a scripted failure, the refusal of a wrong token, or `route`."""
        payload = json.loads(body) if body else None
        with self.lock:
            scripted = self.record(Call(method, path, query, payload))
            if scripted is not None:
                return scripted
            if authorization not in self.accepted_authorizations():
                return self.unauthorized()
            return self.route(method, path, parse_qs(query), payload or {})

    @abstractmethod
    def accepted_authorizations(self) -> tuple[str, ...]:
        """The Authorization headers carrying the token, as the host accepts them."""

    @abstractmethod
    def unauthorized(self) -> Reply:
        """The host's answer to a missing or wrong token."""

    @abstractmethod
    def route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Reply:
        """The host's answer to an authorized call (path as sent, query parsed, JSON body or {})."""

    def record(self, call: Call) -> Reply | None:
        """Note the call; a scripted failure's answer when one matches it."""
        self.calls.append(call)
        for failure in self.failures:
            if failure.method == call.method and call.path.endswith(failure.path_suffix):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return Reply(failure.status, failure.body, failure.headers)
        return None


StandIn = TypeVar("StandIn", bound=HostingStandIn)


@contextmanager
def served(service: StandIn, *, name: str) -> Iterator[tuple[str, StandIn]]:
    """The stand-in on a free loopback port: its URL and the service, which now links to that URL."""
    with serving(service, name=name) as url:
        service.url = url
        yield url, service
