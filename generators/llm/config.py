"""How a run reaches its LLM: endpoint, model, limits and what the reply cache may do."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, SecretStr

# off: neither read nor record; read: reuse recorded replies, record nothing; write: reuse recorded
# replies and record new ones; replay: recorded replies only, a missing one fails the request (CI).
CacheMode = Literal["off", "read", "write", "replay"]


class LlmConfig(BaseModel):
    """An OpenAI-compatible endpoint and the bounds every call to it keeps."""

    model_config = {"frozen": True}

    base_url: str
    api_key: SecretStr
    model: str
    temperature: float = 0.0
    timeout_s: float = 60.0
    max_retries: int = 2
    max_output_tokens: int = 2048
    max_prompt_tokens: int = 6000
    token_budget: int = 60000
    cache_dir: Path
    cache_mode: CacheMode = "write"
    # A database shared by the service's workers, where replies are recorded too; None: the files alone.
    cache_database_url: str | None = None
    # First pause before retrying an unusable reply (malformed, schema-invalid, refused); doubles each time.
    retry_backoff_s: float = 0.5
