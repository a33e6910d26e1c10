"""Infrastructure settings: one pydantic-settings object read from the environment, passed down."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(user_data_dir("testops-copilot", appauthor=False))


class Settings(BaseSettings):
    """Where things live and how to reach them. Env vars are prefixed `TESTOPS_` unless noted."""

    model_config = SettingsConfigDict(env_prefix="TESTOPS_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # SQLAlchemy URL; empty means a SQLite file in data_dir.
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    api_keys: list[str] = Field(default_factory=list)

    openai_base_url: str = Field(
        default="", validation_alias=AliasChoices("OPENAI_BASE_URL", "TESTOPS_OPENAI_BASE_URL")
    )
    openai_api_key: str = Field(
        default="", validation_alias=AliasChoices("OPENAI_API_KEY", "TESTOPS_OPENAI_API_KEY")
    )
    openai_model: str = "gpt-4o-mini"

    chromium_path: str = "/usr/bin/chromium"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'testops.sqlite3'}"

    @property
    def checkpoint_path(self) -> Path:
        """SQLite checkpoint file of the embedded default."""
        return self.data_dir / "checkpoints.sqlite3"

    @property
    def workspace_dir(self) -> Path:
        """Where suites are written and run during validation, one folder per request."""
        return self.data_dir / "runs"
