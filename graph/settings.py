"""Infrastructure settings: one pydantic-settings object read from the environment, passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tools.browser import system_chromium
from tools.containment import Limits


def _default_data_dir() -> Path:
    return Path(user_data_dir("testops-copilot", appauthor=False))


class Settings(BaseSettings):
    """Where things live and how to reach them. Env vars are prefixed `TESTOPS_` unless noted."""

    model_config = SettingsConfigDict(env_prefix="TESTOPS_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # SQLAlchemy URL; empty means a SQLite file in data_dir.
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Keys the service accepts as `Authorization: Bearer KEY`; the environment gives them comma-separated.
    # An entry may also be `sha256:<hex digest of the key>`, so the environment need not hold the key itself;
    # keys made by `testops keys create` live (as digests) in the database instead.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Service mode: calls each API key may make (health probes aside), as `N/second|minute|hour|day`,
    # counted in Redis across every server process.
    rate_limit: str = "60/minute"
    # Service mode. Seconds before the broker hands an unacknowledged task to another worker: must exceed
    # the longest task (the 3600 s hard limit), or a healthy long run is delivered twice.
    broker_visibility_timeout_s: int = Field(default=3900, gt=3600)
    # Seconds a worker's in-flight task survives without its worker's heartbeat before another worker
    # takes it over (a SIGKILLed or vanished worker); heartbeats come every third of it.
    worker_lease_s: float = Field(default=15.0, gt=0)
    # Seconds between keep-alive comments on an idle event stream.
    sse_ping_s: float = Field(default=15.0, gt=0)
    # Service mode: the browser origins (scheme://host[:port]) whose pages may call the API; none by default,
    # so browsers refuse every cross-origin call. The environment gives them comma-separated.
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Service mode: what requests may target although it is loopback, private or link-local (host names,
    # host:port, addresses, CIDRs); the environment gives them comma-separated.
    target_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A pending request never queued (its server died between storing and queueing it) is queued by a
    # worker's sweep, which runs every `enqueue_sweep_s` and leaves requests younger than
    # `enqueue_grace_s` to the server still queueing them.
    enqueue_sweep_s: float = Field(default=30.0, gt=0)
    enqueue_grace_s: float = Field(default=60.0, gt=0)
    # Seconds an `Idempotency-Key` reservation whose request was never made (its server died) blocks
    # retries with that key, answering 409, before a retry may take it over.
    idempotency_abandoned_s: float = Field(default=60.0, gt=0)

    openai_base_url: str = Field(
        default="", validation_alias=AliasChoices("OPENAI_BASE_URL", "TESTOPS_OPENAI_BASE_URL")
    )
    # A SecretStr, so that the key never shows in a repr, a log line, an event or an error.
    openai_api_key: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("OPENAI_API_KEY", "TESTOPS_OPENAI_API_KEY")
    )
    openai_model: str = "gpt-4o-mini"
    openai_temperature: float = Field(default=0.0, ge=0, le=2)
    # Seconds one LLM call may take, and how often the client retries a timeout, 429, 5xx or lost
    # connection (with backoff, honouring Retry-After) or an unusable reply, before that part falls back.
    openai_timeout_s: float = Field(default=60.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=10)
    # Tokens one reply may have, tokens one prompt may have, and tokens all calls of one request may spend.
    openai_max_output_tokens: int = Field(default=2048, gt=0)
    llm_max_prompt_tokens: int = Field(default=6000, gt=0)
    llm_token_budget: int = Field(default=60000, gt=0)

    # Exports: the REST API roots of GitHub (GitHub Enterprise: https://HOST/api/v3) and of GitLab (a
    # self-hosted instance's URL; the API is under /api/v4), and the tokens used when an export gives none.
    # SecretStr, so that a token never shows in a repr, a log line, an event or an error.
    github_api_url: str = "https://api.github.com"
    gitlab_url: str = "https://gitlab.com"
    github_token: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("GITHUB_TOKEN", "TESTOPS_GITHUB_TOKEN")
    )
    gitlab_token: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("GITLAB_TOKEN", "TESTOPS_GITLAB_TOKEN")
    )
    # Seconds an export waits, in all, for a provider's rate limit to lift before it gives up with the time
    # to retry at; 5xx answers and lost connections are retried with backoff within the same bound.
    export_max_wait_s: float = Field(default=60.0, ge=0)

    # The browser reconnaissance and validation launch; unset, Debian's headless shell when it is installed,
    # else Debian's Chromium.
    chromium_path: str = Field(default_factory=system_chromium)
    # Per-process limits of the sandbox generated suites run in (a browser needs a few hundred threads).
    sandbox_memory_bytes: int = Field(default=4 << 30, gt=0)
    sandbox_file_bytes: int = Field(default=512 << 20, gt=0)
    sandbox_processes: int = Field(default=512, gt=0)

    @property
    def sandbox_limits(self) -> Limits:
        return Limits(
            memory_bytes=self.sandbox_memory_bytes,
            file_bytes=self.sandbox_file_bytes,
            processes=self.sandbox_processes,
        )

    @field_validator("api_keys", "target_allowlist", "cors_allow_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'testops.sqlite3'}"

    @property
    def checkpoint_path(self) -> Path:
        """SQLite checkpoint file of the embedded default."""
        return self.data_dir / "checkpoints.sqlite3"

    @property
    def llm_cache_dir(self) -> Path:
        """Recorded LLM replies, one file per hash of model, prompt version and rendered prompt."""
        return self.data_dir / "llm-cache"

    @property
    def workspace_dir(self) -> Path:
        """Where suites are written and run during validation, one folder per request."""
        return self.data_dir / "runs"
