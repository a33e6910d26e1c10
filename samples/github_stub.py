"""A local stand-in for the part of GitHub's REST API an export uses: the repository, the git data API
(refs, commits, trees, blobs) and pull requests, with GitHub's payloads and error answers.

Repositories live in memory (`GitStore`); every call is recorded so tests can assert the exact calls, and
`fail` scripts an error answer (a rate limit, a refused token) for the next matching call. Trees nest as on
GitHub: a tree lists its own entries, and those of its folders too with `?recursive=1`; a repository added
with `recursive_limit` answers such listings of more entries in part, `"truncated": true`, as a big one does.
"""

from __future__ import annotations

import base64
import re
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import unquote

from samples.git_hosting import GitStore, HostingStandIn, served
from samples.loopback import Reply

_REPO = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")


def _error(status: int, message: str, **extra: Any) -> Reply:
    return Reply(status, {"message": message, "documentation_url": "https://docs.github.com/rest", **extra})


class GitHubStandIn(HostingStandIn):
    """The service behind the stand-in: repositories by OWNER/REPO, pull requests by repository."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.repositories: dict[str, GitStore] = {}
        self.pulls: dict[str, list[dict[str, Any]]] = {}
        # The most entries a recursive tree listing of each repository holds (None: all of them).
        self.recursive_limits: dict[str, int | None] = {}

    def add_repository(self, full_name: str, files: dict[str, str], *, default_branch: str = "main",
                       recursive_limit: int | None = None) -> GitStore:
        store = GitStore(files, default_branch=default_branch)
        self.repositories[full_name] = store
        self.pulls[full_name] = []
        self.recursive_limits[full_name] = recursive_limit
        return store

    def accepted_authorizations(self) -> tuple[str, ...]:
        return (f"token {self.token}", f"Bearer {self.token}")

    def unauthorized(self) -> Reply:
        return _error(401, "Bad credentials")

    def route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Reply:
        match = _REPO.match(path)
        full_name = f"{match['owner']}/{match['name']}" if match else ""
        if full_name not in self.repositories:
            return _error(404, "Not Found")
        return self._repository_route(method, full_name, unquote(match["rest"] or ""), query, body)

    def _repository_route(self, method: str, full_name: str, rest: str, query: dict[str, list[str]],
                          body: dict[str, Any]) -> Reply:
        store = self.repositories[full_name]
        if (method, rest) == ("GET", ""):
            return Reply(200, {"id": 1, "full_name": full_name, "name": full_name.split("/")[1],
                               "default_branch": store.default_branch, "private": True,
                               "html_url": f"{self.url}/{full_name}"})
        if method == "GET" and rest.startswith("/git/ref/heads/"):
            return self._ref(store, rest.removeprefix("/git/ref/heads/"))
        if method == "GET" and rest.startswith("/git/commits/"):
            sha = rest.removeprefix("/git/commits/")
            if sha not in store.commits:
                return _error(404, "Not Found")
            commit = store.commits[sha]
            return Reply(200, {"sha": sha, "tree": {"sha": commit.tree}, "message": commit.message,
                               "parents": [{"sha": parent} for parent in commit.parents]})
        if method == "GET" and rest.startswith("/git/trees/"):
            # GitHub lists recursively for any value of `recursive`, and only when it is given.
            return self._tree(store, rest.removeprefix("/git/trees/"), recursive="recursive" in query,
                              limit=self.recursive_limits[full_name])
        if (method, rest) == ("POST", "/git/blobs"):
            content = body["content"]
            data = base64.b64decode(content) if body.get("encoding") == "base64" else content.encode()
            return Reply(201, {"sha": store.add_blob(data)})
        if (method, rest) == ("POST", "/git/trees"):
            return self._new_tree(store, body)
        if (method, rest) == ("POST", "/git/commits"):
            if body["tree"] not in store.trees:
                return _error(422, "Tree SHA does not exist")
            sha = store.add_commit(body["tree"], tuple(body.get("parents", [])), body["message"])
            return Reply(201, {"sha": sha, "tree": {"sha": body["tree"]}, "message": body["message"]})
        if (method, rest) == ("POST", "/git/refs"):
            branch = body["ref"].removeprefix("refs/heads/")
            if branch in store.branches:
                return _error(422, "Reference already exists")
            store.branches[branch] = body["sha"]
            return Reply(201, {"ref": body["ref"], "object": {"sha": body["sha"], "type": "commit"}})
        if method == "PATCH" and rest.startswith("/git/refs/heads/"):
            return self._move_ref(store, rest.removeprefix("/git/refs/heads/"), body)
        return self._pull_route(method, full_name, rest, query, body)

    @staticmethod
    def _ref(store: GitStore, branch: str) -> Reply:
        if branch not in store.branches:
            return _error(404, "Not Found")
        return Reply(200, {"ref": f"refs/heads/{branch}",
                           "object": {"sha": store.branches[branch], "type": "commit"}})

    @staticmethod
    def _tree(store: GitStore, sha: str, *, recursive: bool, limit: int | None) -> Reply:
        if sha not in store.trees:
            return _error(404, "Not Found")
        entries = _entries(store, sha, recursive=recursive)
        truncated = recursive and limit is not None and len(entries) > limit
        return Reply(200, {"sha": sha, "tree": entries[:limit] if truncated else entries,
                           "truncated": truncated})

    @staticmethod
    def _new_tree(store: GitStore, body: dict[str, Any]) -> Reply:
        base = body.get("base_tree")
        if base is not None and base not in store.trees:
            return _error(422, "base_tree is not a valid tree oid")
        files = dict(store.trees[base]) if base else {}
        for entry in body["tree"]:
            if entry.get("sha") is None:
                files.pop(entry["path"], None)
            elif entry["sha"] not in store.blobs:
                return _error(422, f"tree.sha {entry['sha']} is not a valid blob")
            else:
                files[entry["path"]] = entry["sha"]
        sha = store.add_tree(files)
        return Reply(201, {"sha": sha, "tree": _entries(store, sha, recursive=False), "truncated": False})

    @staticmethod
    def _move_ref(store: GitStore, branch: str, body: dict[str, Any]) -> Reply:
        if branch not in store.branches:
            return _error(422, "Reference does not exist")
        new, old = body["sha"], store.branches[branch]
        ancestors, sha = set(), new
        while sha:
            ancestors.add(sha)
            parents = store.commits[sha].parents
            sha = parents[0] if parents else None
        if old not in ancestors and not body.get("force"):
            return _error(422, "Update is not a fast forward")
        store.branches[branch] = new
        return Reply(200, {"ref": f"refs/heads/{branch}", "object": {"sha": new, "type": "commit"}})

    def _pull_route(self, method: str, full_name: str, rest: str, query: dict[str, list[str]],
                    body: dict[str, Any]) -> Reply:
        pulls = self.pulls[full_name]
        owner = full_name.split("/")[0]
        if (method, rest) == ("GET", "/pulls"):
            state, head = query.get("state", ["open"])[0], query.get("head", [""])[0]
            found = [p for p in pulls if (state == "all" or p["state"] == state)
                     and (not head or f"{owner}:{p['head']['ref']}" == head)]
            return Reply(200, found)
        if (method, rest) == ("POST", "/pulls"):
            store = self.repositories[full_name]
            if body["head"] not in store.branches or body["base"] not in store.branches:
                invalid = {"resource": "PullRequest", "code": "invalid"}
                return _error(422, "Validation Failed", errors=[invalid])
            if any(p["state"] == "open" and p["head"]["ref"] == body["head"] for p in pulls):
                return _error(422, "Validation Failed", errors=[{
                    "resource": "PullRequest", "code": "custom",
                    "message": f"A pull request already exists for {owner}:{body['head']}."}])
            number = len(pulls) + 1
            pull = {"number": number, "state": "open", "title": body["title"], "body": body.get("body"),
                    "head": {"ref": body["head"]}, "base": {"ref": body["base"]},
                    "html_url": f"{self.url}/{full_name}/pull/{number}"}
            pulls.append(pull)
            return Reply(201, pull)
        match = re.fullmatch(r"/pulls/(\d+)", rest)
        if match and int(match[1]) <= len(pulls):
            pull = pulls[int(match[1]) - 1]
            if method == "GET":
                return Reply(200, pull)
            if method == "PATCH":
                pull.update({key: body[key] for key in ("title", "body", "state") if key in body})
                return Reply(200, pull)
        return _error(404, "Not Found")


def _entries(store: GitStore, sha: str, *, recursive: bool, prefix: str = "") -> list[dict[str, Any]]:
    """A tree's entries in git's order, each folder followed by its own when `recursive`; paths relative to
    the tree listed."""
    named = [(name, {"path": f"{prefix}{name}", "mode": "100644", "type": "blob", "sha": blob,
                     "size": len(store.blobs[blob])})
             for name, blob in store.trees[sha].items() if "/" not in name]
    named += [(f"{name}/", {"path": f"{prefix}{name}", "mode": "040000", "type": "tree", "sha": tree})
              for name, tree in store.folders[sha].items()]
    entries: list[dict[str, Any]] = []
    for _, entry in sorted(named, key=lambda named_entry: named_entry[0].encode()):
        entries.append(entry)
        if recursive and entry["type"] == "tree":
            entries += _entries(store, entry["sha"], recursive=True, prefix=f"{entry['path']}/")
    return entries


def github_stand_in(token: str) -> AbstractContextManager[tuple[str, GitHubStandIn]]:
    """The stand-in on a free loopback port: its API URL (TESTOPS_GITHUB_API_URL) and the service."""
    return served(GitHubStandIn(token), name="github-stand-in")
