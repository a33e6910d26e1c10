"""Export to GitHub with githubkit, through the git data API: the trees of the folders it writes, blobs, a
tree, a commit, the branch's ref, then the pull request. One commit whatever the number of files; none when
the branch already holds them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from githubkit import GitHub
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from githubkit.response import Response

from tools.export.bundle import Bundle
from tools.export.errors import ExportError, ProviderUnavailableError, provider_error, redacted
from tools.export.provider import Changes, Committed, Destination, ReviewRequest
from tools.export.retrying import retrying

PROVIDER = "GitHub"
_FILE_MODE = "100644"


class GitHubExport:
    """Exports to one GitHub repository; `async with` opens its one HTTP client."""

    def __init__(self, *, api_url: str, token: str, destination: Destination, max_wait_s: float) -> None:
        owner, _, name = destination.repository.partition("/")
        self.owner, self.name, self.destination = owner, name, destination
        self._token, self._max_wait_s = token, max_wait_s
        # Retries are ours (tenacity, bounded); no HTTP cache: refs must be read fresh.
        self._github = GitHub(token, base_url=api_url, auto_retry=False, http_cache=False, timeout=30.0,
                              user_agent="testops-copilot")
        self._base: str | None = destination.base

    async def __aenter__(self) -> GitHubExport:
        await self._github.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self._github.__aexit__(exc_type, exc, traceback)

    async def _call(self, call: Callable[[], Awaitable[Response[Any, Any]]], *,
                    missing_ok: bool = False) -> Any:
        """The JSON of a call, retried where that helps; None for a 404 when `missing_ok`."""
        return await retrying(self._max_wait_s)(self._once, call, missing_ok)

    async def _once(self, call: Callable[[], Awaitable[Response[Any, Any]]], missing_ok: bool) -> Any:
        try:
            return (await call()).json()
        except RequestFailed as failed:
            if failed.response.status_code == 404 and missing_ok:
                return None
            raise self._error(failed) from None
        except RequestError as lost:
            reason = type(lost.exc).__name__
            raise ProviderUnavailableError(
                f"{PROVIDER} could not be reached for {self.destination.repository}: {reason}") from None

    def _error(self, failed: RequestFailed) -> ExportError:
        status = failed.response.status_code
        try:
            body = failed.response.json()
        except ValueError:
            body = {}
        message = body.get("message", "") if isinstance(body, dict) else ""
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("message"):
            message = f"{message} ({errors[0]['message']})"
        retry_after = failed.retry_after.total_seconds() if isinstance(failed, RateLimitExceeded) else None
        if status == 429 and retry_after is None:
            retry_after = 60.0
        return provider_error(PROVIDER, self.destination.repository, status, redacted(message, self._token),
                              retry_after_s=retry_after)

    async def _branch_head(self, branch: str) -> str | None:
        git = self._github.rest.git
        ref = await self._call(lambda: git.async_get_ref(self.owner, self.name, f"heads/{branch}"),
                               missing_ok=True)
        return None if ref is None else ref["object"]["sha"]

    async def base_branch(self) -> str:
        """The base named by the export, else the repository's default branch (404: no such repository)."""
        if self._base is None:
            repository = await self._call(lambda: self._github.rest.repos.async_get(self.owner, self.name))
            self._base = str(repository["default_branch"])
        return self._base

    async def commit(self, bundle: Bundle) -> Committed:
        """Make the branch hold the bundle: one new commit on its head (on the base for a new branch)."""
        git = self._github.rest.git
        base = await self.base_branch()
        head = await self._branch_head(self.destination.branch)
        parent = head or await self._branch_head(base)
        if parent is None:
            raise provider_error(PROVIDER, self.destination.repository, 404, f"no base branch {base}")
        parent_commit = await self._call(lambda: git.async_get_commit(self.owner, self.name, parent))
        parent_tree = parent_commit["tree"]["sha"]
        changes = Changes.between(bundle, await self._files_in_folders_written(parent_tree, bundle))
        if not changes:
            return Committed(head_sha=head, tree_sha=parent_tree if head else None, created=False)
        entries: list[dict[str, Any]] = []
        for path, content in changes.write.items():
            blob = await self._call(lambda content=content: git.async_create_blob(
                self.owner, self.name, content=content, encoding="utf-8"))
            entries.append({"path": path, "mode": _FILE_MODE, "type": "blob", "sha": blob["sha"]})
        # A null sha deletes the file: what the suite no longer delivers leaves the folder.
        entries += [{"path": path, "mode": _FILE_MODE, "type": "blob", "sha": None}
                    for path in changes.delete]
        tree = await self._call(lambda: git.async_create_tree(self.owner, self.name, base_tree=parent_tree,
                                                              tree=entries))  # type: ignore[arg-type]
        made = await self._call(lambda: git.async_create_commit(
            self.owner, self.name, message=bundle.commit_message, tree=tree["sha"], parents=[parent]))
        branch = self.destination.branch
        if head is None:
            await self._call(lambda: git.async_create_ref(self.owner, self.name, ref=f"refs/heads/{branch}",
                                                          sha=made["sha"]))
        else:
            await self._call(lambda: git.async_update_ref(self.owner, self.name, f"heads/{branch}",
                                                          sha=made["sha"], force=False))
        return Committed(head_sha=made["sha"], tree_sha=tree["sha"], created=True)

    async def _files_in_folders_written(self, root_tree: str, bundle: Bundle) -> dict[str, str]:
        """Path → blob id of the files under the bundle's folder and in the folders of its other files.

        Not the whole tree: GitHub truncates a recursive listing of a big repository, which would hide files
        the export must delete. So each folder is reached one level at a time, then listed alone.
        """
        git = self._github.rest.git
        outside = {path.rpartition("/")[0] for path in bundle.files if not bundle.owns(path)}
        subfolders: dict[str, dict[str, str]] = {}  # tree id → its folders' tree ids by name, as read
        existing: dict[str, str] = {}
        for folder in [bundle.folder, *sorted(outside - {bundle.folder})]:
            tree = await self._folder_tree(root_tree, folder, subfolders)
            if tree is None:  # not in the repository yet: nothing there to keep or delete
                continue
            listing = await self._call(lambda tree=tree: git.async_get_tree(self.owner, self.name, tree,
                                                                            recursive="1"))
            if listing.get("truncated"):
                raise ExportError(f"{PROVIDER} lists {folder}/ of {self.destination.repository} only in "
                                  f"part: the folder holds more files than {PROVIDER} lists at once; export "
                                  "to another folder")
            existing.update({f"{folder}/{entry['path']}": entry["sha"] for entry in listing["tree"]
                             if entry["type"] == "blob"})
        return existing

    async def _folder_tree(self, root_tree: str, folder: str,
                           subfolders: dict[str, dict[str, str]]) -> str | None:
        """The tree id of `folder` ("a/b"), found from the root one non-recursive listing per level (each
        read once per export, in `subfolders`); None when the folder does not exist."""
        git = self._github.rest.git
        tree = root_tree
        for name in folder.split("/"):
            if tree not in subfolders:
                listing = await self._call(lambda tree=tree: git.async_get_tree(self.owner, self.name, tree))
                subfolders[tree] = {entry["path"]: entry["sha"] for entry in listing["tree"]
                                    if entry["type"] == "tree"}
            found = subfolders[tree].get(name)
            if found is None:
                return None
            tree = found
        return tree

    async def review_request(self, bundle: Bundle, known_number: int | None) -> ReviewRequest:
        """Update the branch's open pull request (the known one first), or open one."""
        pulls = self._github.rest.pulls
        branch, base = self.destination.branch, await self.base_branch()
        pull = None
        if known_number is not None:
            pull = await self._call(lambda: pulls.async_get(self.owner, self.name, known_number),
                                    missing_ok=True)
            if pull is not None and (pull["state"] != "open" or pull["head"]["ref"] != branch):
                pull = None
        if pull is None:
            found = await self._call(lambda: pulls.async_list(self.owner, self.name, state="open",
                                                              head=f"{self.owner}:{branch}"))
            pull = found[0] if found else None
        if pull is None:
            made = await self._call(lambda: pulls.async_create(
                self.owner, self.name, title=bundle.title, head=branch, base=base, body=bundle.description))
            return ReviewRequest(number=made["number"], url=made["html_url"], created=True)
        if (pull.get("title"), pull.get("body")) != (bundle.title, bundle.description):
            number = pull["number"]
            await self._call(lambda: pulls.async_update(self.owner, self.name, number, title=bundle.title,
                                                        body=bundle.description))
        return ReviewRequest(number=pull["number"], url=pull["html_url"], created=False)
