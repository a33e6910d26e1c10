"""Export to GitLab with httpx against its REST API (v4): one commit holding every file as an action, then
the merge request, created or updated. python-gitlab would do the same calls, but synchronously only."""

from __future__ import annotations

import dataclasses
import time
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from tools.export.bundle import Bundle
from tools.export.ci_jobs import gitlab_root_config
from tools.export.errors import ProviderUnavailableError, provider_error, redacted
from tools.export.provider import Changes, Committed, Destination, ReviewRequest
from tools.export.retrying import retrying

PROVIDER = "GitLab"
ROOT_CI_CONFIG = ".gitlab-ci.yml"
PAGE_SIZE = 100


def _quoted(value: str) -> str:
    """A project path or branch as one path segment, as GitLab wants them (`group%2Fproject`)."""
    return quote(value, safe="")


class GitLabExport:
    """Exports to one GitLab project; `async with` opens its one HTTP client."""

    def __init__(self, *, gitlab_url: str, token: str, destination: Destination, max_wait_s: float) -> None:
        self.destination = destination
        self._token, self._max_wait_s = token, max_wait_s
        self._client = httpx.AsyncClient(base_url=f"{gitlab_url.rstrip('/')}/api/v4", timeout=30.0,
                                         headers={"Authorization": f"Bearer {token}"})
        self._project = f"/projects/{_quoted(destination.repository)}"
        self._base: str | None = destination.base

    async def __aenter__(self) -> GitLabExport:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self._client.__aexit__(exc_type, exc, traceback)

    async def _call(self, method: str, path: str, *, missing_ok: bool = False,
                    **kwargs: Any) -> httpx.Response:
        """The answer to a call, retried where that helps; a 404 is returned as it is when `missing_ok`."""
        return await retrying(self._max_wait_s)(self._once, method, path, missing_ok, kwargs)

    async def _once(self, method: str, path: str, missing_ok: bool, kwargs: dict[str, Any]) -> httpx.Response:
        try:
            response = await self._client.request(method, f"{self._project}{path}", **kwargs)
        except httpx.TransportError as lost:
            reason = type(lost).__name__
            raise ProviderUnavailableError(
                f"{PROVIDER} could not be reached for {self.destination.repository}: {reason}") from None
        if response.is_success or (response.status_code == 404 and missing_ok):
            return response
        raise provider_error(PROVIDER, self.destination.repository, response.status_code,
                             redacted(self._message(response), self._token),
                             retry_after_s=self._retry_after(response))

    @staticmethod
    def _message(response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return ""
        if not isinstance(body, dict):
            return ""
        message = body.get("message") or body.get("error") or ""
        return message if isinstance(message, str) else "; ".join(map(str, message))

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        """Seconds until the rate limit lifts (Retry-After, else RateLimit-Reset); None when not limited."""
        if response.status_code != 429:
            return None
        if (after := response.headers.get("Retry-After", "")).isdigit():
            return float(after)
        if (reset := response.headers.get("RateLimit-Reset", "")).isdigit():
            return max(float(reset) - time.time(), 0.0)
        return 60.0

    async def base_branch(self) -> str:
        """The base named by the export, else the project's default branch (404: no such project)."""
        if self._base is None:
            project = (await self._call("GET", "")).json()
            self._base = str(project["default_branch"])
        return self._base

    async def _branch_head(self, branch: str) -> str | None:
        response = await self._call("GET", f"/repository/branches/{_quoted(branch)}", missing_ok=True)
        return None if response.status_code == 404 else response.json()["commit"]["id"]

    async def _files(self, ref: str, folder: str) -> dict[str, str]:
        """Path → blob id of every file under `folder` at `ref`."""
        files: dict[str, str] = {}
        page = "1"
        while page:
            response = await self._call("GET", "/repository/tree", missing_ok=True, params={
                "ref": ref, "path": folder, "recursive": "true", "per_page": PAGE_SIZE, "page": page})
            if response.status_code == 404:  # older GitLab: a folder that does not exist yet
                return files
            files.update({entry["path"]: entry["id"] for entry in response.json() if entry["type"] == "blob"})
            page = response.headers.get("X-Next-Page", "")
        return files

    async def _has_root_config(self, ref: str) -> bool:
        response = await self._call("HEAD", f"/repository/files/{ROOT_CI_CONFIG}", missing_ok=True,
                                    params={"ref": ref})
        return response.status_code != 404

    async def commit(self, bundle: Bundle) -> Committed:
        """Make the branch hold the bundle: one commit of create/update/delete actions (on the base for a new
        branch, through `start_branch`); a project without CI configuration gets one including the job."""
        base = await self.base_branch()
        branch = self.destination.branch
        head = await self._branch_head(branch)
        ref = branch if head else base
        if not await self._has_root_config(ref):
            bundle = dataclasses.replace(bundle, files={**bundle.files,
                                                        ROOT_CI_CONFIG: gitlab_root_config(bundle.folder)})
        existing = await self._files(ref, bundle.folder)
        changes = Changes.between(bundle, existing)
        if not changes:
            return Committed(head_sha=head, tree_sha=None, created=False)
        actions = [{"action": "update" if path in existing else "create", "file_path": path,
                    "content": content, "encoding": "text"} for path, content in changes.write.items()]
        actions += [{"action": "delete", "file_path": path} for path in changes.delete]
        body: dict[str, Any] = {"branch": branch, "commit_message": bundle.commit_message, "actions": actions}
        if head is None:
            body["start_branch"] = base
        made = (await self._call("POST", "/repository/commits", json=body)).json()
        return Committed(head_sha=made["id"], tree_sha=None, created=True)

    async def review_request(self, bundle: Bundle, known_number: int | None) -> ReviewRequest:
        """Update the branch's open merge request (the known one first), or open one."""
        branch, base = self.destination.branch, await self.base_branch()
        merge_request = None
        if known_number is not None:
            response = await self._call("GET", f"/merge_requests/{known_number}", missing_ok=True)
            found = None if response.status_code == 404 else response.json()
            if found and found["state"] == "opened" and found["source_branch"] == branch:
                merge_request = found
        if merge_request is None:
            listed = (await self._call("GET", "/merge_requests", params={
                "source_branch": branch, "target_branch": base, "state": "opened"})).json()
            merge_request = listed[0] if listed else None
        wanted = {"title": bundle.title, "description": bundle.description}
        if merge_request is None:
            made = (await self._call("POST", "/merge_requests", json={
                "source_branch": branch, "target_branch": base, **wanted})).json()
            return ReviewRequest(number=made["iid"], url=made["web_url"], created=True)
        if {key: merge_request.get(key) for key in wanted} != wanted:
            await self._call("PUT", f"/merge_requests/{merge_request['iid']}", json=wanted)
        return ReviewRequest(number=merge_request["iid"], url=merge_request["web_url"], created=False)
