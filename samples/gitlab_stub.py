"""A local stand-in for the part of GitLab's REST API (v4) an export uses: the project, branches, the
repository tree and files, multi-file commits with actions, and merge requests, with GitLab's payloads and
error answers (a second open merge request for a branch is 409).

Projects live in memory (`GitStore`); every call is recorded so tests can assert the exact calls, and
`fail` scripts an error answer for the next matching call.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import unquote

from samples.git_hosting import GitStore, HostingStandIn, served
from samples.loopback import Reply

API = "/api/v4"


def _error(status: int, message: Any) -> Reply:
    return Reply(status, {"message": message})


class GitLabStandIn(HostingStandIn):
    """The service behind the stand-in: projects by GROUP/PROJECT, merge requests by project."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.projects: dict[str, GitStore] = {}
        self.merge_requests: dict[str, list[dict[str, Any]]] = {}

    def add_project(self, path: str, files: dict[str, str], *, default_branch: str = "main") -> GitStore:
        store = GitStore(files, default_branch=default_branch)
        self.projects[path] = store
        self.merge_requests[path] = []
        return store

    def accepted_authorizations(self) -> tuple[str, ...]:
        return (f"Bearer {self.token}",)

    def unauthorized(self) -> Reply:
        return _error(401, "401 Unauthorized")

    def route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Reply:
        segments = [unquote(part) for part in path.removeprefix(f"{API}/").split("/")]
        if len(segments) < 2 or segments[0] != "projects" or segments[1] not in self.projects:
            return _error(404, "404 Project Not Found")
        return self._project_route(method, segments[1], segments[2:], query, body)

    def _project_route(self, method: str, project: str, rest: list[str], query: dict[str, list[str]],
                       body: dict[str, Any]) -> Reply:
        store = self.projects[project]
        if method == "GET" and not rest:
            return Reply(200, {"id": 1, "path_with_namespace": project,
                               "default_branch": store.default_branch, "web_url": f"{self.url}/{project}"})
        if method == "GET" and rest[:2] == ["repository", "branches"] and len(rest) == 3:
            if rest[2] not in store.branches:
                return _error(404, "404 Branch Not Found")
            return Reply(200, {"name": rest[2], "commit": {"id": store.branches[rest[2]]}})
        if method == "GET" and rest == ["repository", "tree"]:
            return self._tree(store, query)
        if method == "HEAD" and rest[:2] == ["repository", "files"] and len(rest) == 3:
            ref = query.get("ref", [store.default_branch])[0]
            found = ref in store.branches and rest[2] in store.tree_of(ref)
            return Reply(200) if found else Reply(404)
        if method == "POST" and rest == ["repository", "commits"]:
            return self._commit(store, body)
        if rest and rest[0] == "merge_requests":
            return self._merge_route(method, project, rest[1:], query, body)
        return _error(404, "404 Not Found")

    @staticmethod
    def _tree(store: GitStore, query: dict[str, list[str]]) -> Reply:
        ref = query.get("ref", [store.default_branch])[0]
        if ref not in store.branches:
            return _error(404, "404 Tree Not Found")
        folder = query.get("path", [""])[0].strip("/")
        per_page, page = int(query.get("per_page", ["20"])[0]), int(query.get("page", ["1"])[0])
        entries = [{"id": sha, "name": path.rsplit("/", 1)[-1], "type": "blob", "path": path,
                    "mode": "100644"} for path, sha in store.tree_of(ref).items()
                   if not folder or path.startswith(f"{folder}/")]
        chunk = entries[(page - 1) * per_page: page * per_page]
        more = page * per_page < len(entries)
        return Reply(200, chunk, {"X-Next-Page": str(page + 1) if more else "", "X-Page": str(page)})

    @staticmethod
    def _commit(store: GitStore, body: dict[str, Any]) -> Reply:
        branch, start = body["branch"], body.get("start_branch")
        if branch not in store.branches and start not in store.branches:
            return _error(400, "You can only create or edit files when you are on a branch")
        parent = store.branches[branch] if branch in store.branches else store.branches[start]
        files = dict(store.tree_of(parent))
        for action in body["actions"]:
            path, kind = action["file_path"], action["action"]
            if kind == "create" and path in files:
                return _error(400, "A file with this name already exists")
            if kind in ("update", "delete") and path not in files:
                return _error(400, "A file with this name doesn't exist")
            if kind == "delete":
                del files[path]
            else:
                files[path] = store.add_blob(action["content"].encode())
        sha = store.add_commit(store.add_tree(files), (parent,), body["commit_message"])
        store.branches[branch] = sha
        return Reply(201, {"id": sha, "short_id": sha[:8], "title": body["commit_message"].splitlines()[0],
                           "message": body["commit_message"], "parent_ids": [parent]})

    def _merge_route(self, method: str, project: str, rest: list[str], query: dict[str, list[str]],
                     body: dict[str, Any]) -> Reply:
        merge_requests = self.merge_requests[project]
        if method == "GET" and not rest:
            keys = ("source_branch", "target_branch", "state")
            wanted = {key: query[key][0] for key in keys if key in query}
            return Reply(200, [m for m in merge_requests if all(m.get(k) == v for k, v in wanted.items())])
        if method == "POST" and not rest:
            same = [m for m in merge_requests if m["state"] == "opened" and m["source_branch"] ==
                    body["source_branch"] and m["target_branch"] == body["target_branch"]]
            if same:
                return _error(409, ["Another open merge request already exists for this source branch: "
                                    f"!{same[0]['iid']}"])
            iid = len(merge_requests) + 1
            merge_request = {"iid": iid, "state": "opened", "title": body["title"],
                             "description": body.get("description", ""),
                             "source_branch": body["source_branch"], "target_branch": body["target_branch"],
                             "web_url": f"{self.url}/{project}/-/merge_requests/{iid}"}
            merge_requests.append(merge_request)
            return Reply(201, merge_request)
        if len(rest) == 1 and rest[0].isdigit() and int(rest[0]) <= len(merge_requests):
            merge_request = merge_requests[int(rest[0]) - 1]
            if method == "GET":
                return Reply(200, merge_request)
            if method == "PUT":
                merge_request.update({k: body[k] for k in ("title", "description") if k in body})
                return Reply(200, merge_request)
        return _error(404, "404 Not found")


def gitlab_stand_in(token: str) -> AbstractContextManager[tuple[str, GitLabStandIn]]:
    """The stand-in on a free loopback port: its URL (TESTOPS_GITLAB_URL) and the service."""
    return served(GitLabStandIn(token), name="gitlab-stand-in")
