"""What a provider's refusal means, one typed error each; str(error) is the one line shown to the user.

No message ever holds the token: they are worded here from the status and the provider's own message,
which `redacted` scrubs of the token in case a provider echoes it.
"""

from __future__ import annotations

from tools.errors import InputError


class ExportError(InputError):
    """An export that cannot be made; `retryable` when trying again later may succeed."""

    retryable = False


class NotExportableError(ExportError):
    """The suite cannot be delivered (not completed, rejected by review), or the export is malformed."""


class TokenRejectedError(ExportError):
    """401 or 403: the token is missing, wrong, expired, or lacks the scope to write the repository."""


class RepositoryNotFoundError(ExportError):
    """404: no such repository (or one the token may not see, which providers answer alike)."""


class AlreadyExistsError(ExportError):
    """409 or 422: the branch or the PR/MR exists already, in a state the export cannot take over."""


class RateLimitedError(ExportError):
    """The provider's rate limit: it allows a call again in `retry_after_s` seconds."""

    retryable = True

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ProviderUnavailableError(ExportError):
    """5xx or a lost connection: the provider may answer later."""

    retryable = True


def redacted(text: str, secret: str) -> str:
    """`text` with every occurrence of `secret` masked."""
    return text.replace(secret, "***") if secret else text


def provider_error(provider: str, repository: str, status: int, message: str, *,
                   retry_after_s: float | None = None) -> ExportError:
    """The typed error of a provider's answer with HTTP `status` and its `message`."""
    said = f": {message}" if message else ""
    if status in (401, 403) and retry_after_s is None:
        return TokenRejectedError(f"{provider} refused the token for {repository} (HTTP {status}){said}; "
                                  "check that it is valid and may write contents and pull/merge requests")
    if status == 404:
        return RepositoryNotFoundError(f"{provider} has no repository {repository} that the token can see "
                                       f"(HTTP 404){said}")
    if status in (409, 422):
        return AlreadyExistsError(f"{provider} refused the export to {repository} (HTTP {status}){said}: the "
                                  "branch or the pull/merge request already exists")
    if retry_after_s is not None:
        return RateLimitedError(f"{provider} rate limit reached for {repository}: retry in "
                                f"{retry_after_s:.0f} s", retry_after_s)
    if status >= 500:
        return ProviderUnavailableError(f"{provider} answered HTTP {status} for {repository}{said}")
    return ExportError(f"{provider} answered HTTP {status} for {repository}{said}")
