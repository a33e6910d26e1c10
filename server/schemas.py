"""Request and response models at the edge of the service."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from celery_worker.events import Status
from graph.context import RunOptions
from storage.models import ExportProvider
from tools.export.bundle import check_folder, check_repository
from tools.export.errors import NotExportableError
from vocabulary.artefacts import MAX_REQUIREMENT_CHARS, RequestKind, TestType, Verdict


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        given = f"{parts.scheme}:" if parts.scheme else "a bare path"
        raise ValueError(f"must be an http or https URL, not {given}")
    if not parts.hostname:
        raise ValueError("must be an http or https URL with a host")
    return value


def _no_control_characters(value: str) -> str:
    # A NUL cannot be stored in PostgreSQL text, and no control character means anything in a requirement;
    # line breaks and tabs are layout.
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            raise ValueError(f"holds a control character (U+{ord(char):04X}) at position {position}")
    return value


HttpUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_http_url)]
Requirement = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REQUIREMENT_CHARS),
    AfterValidator(_no_control_characters),
]


class RunOptionsCreate(RunOptions):
    """The per-run choices a client may make: RunOptions without out_dir (the suite is downloaded)."""

    out_dir: SkipJsonSchema[None] = Field(default=None, exclude=True)

    @field_validator("out_dir", mode="before")
    @classmethod
    def _no_out_dir(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("not available in service mode: download the suite from …/tests.zip")
        return None


class ApiRequestCreate(BaseModel):
    """Generate an API suite from an OpenAPI 3 document, given by URL or inline (exactly one)."""

    model_config = ConfigDict(extra="forbid")

    openapi_url: HttpUrl | None = Field(default=None, description="Where to fetch the OpenAPI document.")
    openapi: dict[str, Any] | None = Field(default=None, description="The OpenAPI 3 document itself.")
    base_url: HttpUrl | None = Field(default=None, description="Where the API answers, else the spec's.")
    requirements: list[Requirement] = Field(default_factory=list, max_length=200)
    options: RunOptionsCreate = Field(default_factory=RunOptionsCreate)

    @model_validator(mode="after")
    def _one_spec(self) -> ApiRequestCreate:
        if (self.openapi_url is None) == (self.openapi is None):
            raise ValueError("give exactly one of openapi_url and openapi")
        if self.openapi is not None and not str(self.openapi.get("openapi", "")).startswith("3."):
            raise ValueError("openapi is not an OpenAPI 3 document: it needs an `openapi: 3.x` field")
        return self


class UiRequestCreate(BaseModel):
    """Generate a UI suite for the web page at `url`."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    requirements: list[Requirement] = Field(default_factory=list, max_length=200)
    options: RunOptionsCreate = Field(default_factory=RunOptionsCreate)


class RequestAccepted(BaseModel):
    """The request is stored and queued; follow it at /events."""

    request_id: uuid.UUID
    status: Literal["pending"] = "pending"


class RequestPublic(BaseModel):
    """A request and how far it got."""

    request_id: uuid.UUID
    kind: RequestKind
    status: Status
    target: str
    base_url: str
    requirements: list[str]
    options: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    error: str | None = Field(description="Why the run failed.")
    summary: dict[str, Any] | None = Field(description="The run's result, once completed.")
    review: dict[str, Any] | None = Field(default=None, description="What awaits review, while waiting.")
    exports: list[ExportPublic] = Field(default_factory=list,
                                        description="Its exports to GitHub or GitLab, with their PR/MR URLs.")


class TestCasePublic(BaseModel):
    """One stored test of a request, with its validation verdict."""

    __test__ = False  # not a pytest test class, despite the name
    model_config = ConfigDict(from_attributes=True)

    test_id: uuid.UUID
    position: int
    test_name: str
    module: str
    test_code: str
    test_type: TestType
    category: str
    code_hash: str
    validation_status: Verdict
    validation_issues: list[str]
    requirement_ids: list[str]
    operation_ids: list[str]


class MessageCreate(BaseModel):
    """A reviewer's message in their own words: "approve", "drop 3 and 5", "also check that …", a question."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(max_length=4000)


class MessagePublic(BaseModel):
    """One turn of the review conversation, with the action it was read as or led to."""

    role: Literal["reviewer", "assistant"]
    text: str
    created_at: datetime
    action: dict[str, Any] | None = None


class MessageExchange(BaseModel):
    """The message taken and the assistant's reply; when it changes the suite, the run continues on a worker
    (follow it at /events) and waits for review again unless it was approved or rejected."""

    request_id: uuid.UUID
    message: MessagePublic
    reply: MessagePublic


class ConversationPublic(BaseModel):
    """A request's review conversation, oldest first; `waiting` while a message can be taken."""

    request_id: uuid.UUID
    waiting: bool
    messages: list[MessagePublic]


class StreamTokenPublic(BaseModel):
    """Opens the request's event stream as `…/events?stream_token=…`, for clients that cannot send headers."""

    token: str
    expires_at: datetime


# Generated test modules are far smaller; this bounds what one call makes Pygments read.
MAX_HIGHLIGHT_CHARS = 200_000


class HighlightCreate(BaseModel):
    """Python sources to highlight, in order."""

    model_config = ConfigDict(extra="forbid")

    sources: list[Annotated[str, StringConstraints(max_length=MAX_HIGHLIGHT_CHARS)]] = Field(max_length=500)


class HighlightPublic(BaseModel):
    """Each source as an HTML block whose token classes `/review/highlight.css` colours; text is escaped."""

    html: list[str]


class ErrorPublic(BaseModel):
    """Every error answer: one line saying what was wrong."""

    detail: str


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"


class ReadinessPublic(BaseModel):
    """Each dependency's state: "ok" or why not."""

    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


_BRANCH = r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$"


def _folder(value: str) -> str:
    try:
        return check_folder(value)
    except NotExportableError as error:
        raise ValueError(str(error)) from None


# The repository shapes each provider accepts, stated in the schema so that a client sees them up front.
_GITHUB_REPOSITORY = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*/[A-Za-z0-9_-][A-Za-z0-9._-]*$"
_GITLAB_PROJECT = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$"
# A folder inside the repository: named parts between slashes, never the root, `.` or `..`.
_EXPORT_FOLDER = r"^\.?[A-Za-z0-9_-][A-Za-z0-9._-]*(/\.?[A-Za-z0-9_-][A-Za-z0-9._-]*)*$"


class _ExportFields(BaseModel):
    """Export the request's delivered suite: one commit on the branch `testops/<request id>`, and a PR/MR."""

    model_config = ConfigDict(extra="forbid")

    # The patterns are stated in the schema; the validators check the same and give the readable reason.
    path: Annotated[str, StringConstraints(max_length=255), AfterValidator(_folder)] = Field(
        default="tests/testops", description="The folder inside the repository that holds the suite.",
        json_schema_extra={"pattern": _EXPORT_FOLDER})
    base: Annotated[str, StringConstraints(max_length=255, pattern=_BRANCH)] | None = Field(
        default=None, description="The branch the PR/MR targets; the repository's default when absent.")
    token: SecretStr | None = Field(
        default=None, description="Used for this export only, never stored; absent: the workers' "
                                  "GITHUB_TOKEN or GITLAB_TOKEN.")

    @model_validator(mode="after")
    def _repository_shape(self) -> _ExportFields:
        try:
            self.repository = check_repository(ExportProvider(self.provider), self.repository)  # type: ignore[attr-defined]
        except NotExportableError as error:
            raise ValueError(str(error)) from None
        return self


class GithubExportCreate(_ExportFields):
    provider: Literal["github"]
    repository: str = Field(
        max_length=255, description="OWNER/REPO.", json_schema_extra={"pattern": _GITHUB_REPOSITORY})


class GitlabExportCreate(_ExportFields):
    provider: Literal["gitlab"]
    repository: str = Field(
        max_length=255, description="GROUP/PROJECT.", json_schema_extra={"pattern": _GITLAB_PROJECT})


ExportCreate = Annotated[GithubExportCreate | GitlabExportCreate, Field(discriminator="provider")]


class ExportAccepted(BaseModel):
    """The export is stored and queued; follow it on the request's events."""

    export_id: uuid.UUID
    request_id: uuid.UUID
    status: Literal["pending"] = "pending"


class ExportPublic(BaseModel):
    """One export of a request's suite and how far it got; `url` is the PR/MR's once it is open."""

    model_config = ConfigDict(from_attributes=True)

    export_id: uuid.UUID
    provider: Literal["github", "gitlab"]
    repository: str
    path: str
    base: str | None
    branch: str
    status: Literal["pending", "running", "completed", "failed"]
    number: int | None
    url: str | None
    commit_sha: str | None
    error: str | None = Field(validation_alias="error_message")
    created_at: datetime
    completed_at: datetime | None
