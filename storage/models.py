"""Stored runs (a `Request` row per run and its `TestCase` rows) and the service's API keys, the same tables
on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from vocabulary.artefacts import Verdict

# Fixed constraint names so batch migrations on SQLite can find them, and both backends agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC when read, on both backends.

    SQLite has no timezone storage, so values are stored as naive UTC there and re-tagged on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive value would be silently read back as UTC: refuse it rather than guess.
            raise ValueError("naive datetime given for a UTC column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _str_enum(enum_cls: type[StrEnum]) -> Enum:
    # A plain VARCHAR of the values (no native PG enum, no CHECK): adding a value needs no migration.
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class RequestStatus(StrEnum):
    """Where a run is in its life."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class Base(DeclarativeBase):
    """Declarative base sharing one MetaData (with the naming convention) for models and migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        # none_as_null: a Python None is SQL NULL, not the JSON literal null.
        dict[str, Any]: JSON(none_as_null=True),
        list[str]: JSON(),
    }


class Request(Base):
    """One run of the pipeline: what was asked, its per-run options, and how it ended."""

    __tablename__ = "requests"

    request_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(8))  # "api" or "ui"
    target: Mapped[str] = mapped_column(Text)  # spec source or page URL
    base_url: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[list[str]] = mapped_column(default=list)
    # The run's per-run choices, kept so an interrupted run can be resumed with the same context.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[RequestStatus] = mapped_column(_str_enum(RequestStatus), default=RequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    result_summary: Mapped[dict[str, Any] | None]
    # The delivered suite's files besides its test modules (conftest.py, support modules), by name.
    support_files: Mapped[dict[str, Any] | None]
    # When its task was handed to the broker; NULL while pending means stored but never queued (the
    # server died in between), which the worker's sweeper repairs.
    enqueued_at: Mapped[datetime | None]
    # The API key that made it, the only one that may see it; NULL for the CLI's runs and rows older than
    # keys, which no key sees. No foreign key: keys given in TESTOPS_API_KEYS have an id but no row.
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(index=True)

    test_cases: Mapped[list[TestCase]] = relationship(
        back_populates="request",
        order_by="TestCase.position",
        cascade="all, delete-orphan",
        # The database's ON DELETE CASCADE removes the rows; no need to load them first.
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Request({self.request_id}, {self.kind}, {self.status})"


class TestCase(Base):
    """One saved generated test of a run, with its validation verdict and requirement links."""

    __tablename__ = "test_cases"
    __table_args__ = (UniqueConstraint("request_id", "code_hash"),)
    __test__ = False  # not a pytest test class, despite the name

    test_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requests.request_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    test_name: Mapped[str] = mapped_column(String(255))
    module: Mapped[str] = mapped_column(String(255))  # file name inside the suite
    test_code: Mapped[str] = mapped_column(Text)
    test_type: Mapped[str] = mapped_column(String(8))  # "api" or "ui"
    category: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(128))
    validation_status: Mapped[Verdict] = mapped_column(_str_enum(Verdict))
    validation_issues: Mapped[list[str]] = mapped_column(default=list)
    requirement_ids: Mapped[list[str]] = mapped_column(default=list)
    operation_ids: Mapped[list[str]] = mapped_column(default=list)
    # Module-level imports the test function needs when its module is assembled.
    imports: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(back_populates="test_cases")

    def __repr__(self) -> str:
        return f"TestCase({self.module}::{self.test_name}, {self.validation_status})"


class IdempotencyKey(Base):
    """A client's `Idempotency-Key`: the request it made, and a fingerprint of what it asked for.

    The row is written before the request exists (`request_id` NULL while the first call is in flight),
    so two concurrent calls with one key cannot both make a request.
    """

    __tablename__ = "idempotency_keys"

    # The caller's scope (a digest of its API key) and the key it sent, as `scope:key`.
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the route and the canonical body
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("requests.request_id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExportProvider(StrEnum):
    """Where a suite can be exported: a GitHub pull request or a GitLab merge request."""

    GITHUB = "github"
    GITLAB = "gitlab"


class ExportStatus(StrEnum):
    """Where an export is in its life."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Export(Base):
    """One export of a request's suite to a repository: where it went and what it left there.

    The PR/MR number and the exported tree are kept so a retried task repeats nothing; no token is stored.
    """

    __tablename__ = "exports"

    export_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.request_id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[ExportProvider] = mapped_column(_str_enum(ExportProvider))
    repository: Mapped[str] = mapped_column(String(255))  # OWNER/REPO or GROUP/PROJECT
    path: Mapped[str] = mapped_column(String(255), default="")  # folder inside the repository, "" = root
    base: Mapped[str | None] = mapped_column(String(255))  # None: the repository's default branch
    branch: Mapped[str] = mapped_column(String(255))
    number: Mapped[int | None]  # pull request number or merge request iid
    url: Mapped[str | None] = mapped_column(Text)
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    tree_sha: Mapped[str | None] = mapped_column(String(64))  # GitHub's tree of the exported commit
    content_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the exported files
    status: Mapped[ExportStatus] = mapped_column(_str_enum(ExportStatus), default=ExportStatus.PENDING)
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Export({self.export_id}, {self.provider} {self.repository}, {self.status})"


class ApiKey(Base):
    """A key to the service's API made by `testops keys create`: only its SHA-256 digest is kept (the key is
    shown once, when made) and a short prefix to tell it apart; revoked keys stay, so ids are never reused."""

    __tablename__ = "api_keys"

    key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the key
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"ApiKey({self.key_id}, {self.name!r}, {self.prefix}…)"


class ReviewMessage(Base):
    """One turn of a request's review conversation: the reviewer's message or the assistant's reply, with the
    action it was read as or led to (JSON, e.g. {"kind": "drop", "test_ids": [...]})."""

    __tablename__ = "review_messages"

    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.request_id", ondelete="CASCADE"), index=True
    )
    # The order within the request's conversation, from 0: timestamps of one exchange can tie.
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # "reviewer" or "assistant"
    text: Mapped[str] = mapped_column(Text)
    action: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("request_id", "position"),)

    def __repr__(self) -> str:
        return f"ReviewMessage({self.request_id}#{self.position}, {self.role})"


class LlmReply(Base):
    """One recorded LLM reply, keyed by the hash of the model, the prompt's version and the rendered prompt:
    service workers share it, so a rerun anywhere replays it (generators.llm.cache)."""

    __tablename__ = "llm_replies"

    reply_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex SHA-256
    model: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(String(100))  # the prompt's name and version, e.g. "claim@v1"
    content: Mapped[str] = mapped_column(Text)  # the reply as the model wrote it; never the API key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"LlmReply({self.reply_key[:12]}, {self.prompt})"
