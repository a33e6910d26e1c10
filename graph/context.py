"""Per-run choices, passed to the graph as its runtime context. Never reads the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from generators.llm.config import CacheMode, LlmConfig
from graph.settings import Settings
from tools.browser import BrowserSession, system_chromium
from tools.containment import DEFAULT_LIMITS, Limits
from tools.target_policy import EMBEDDED_POLICY, TargetPolicy


class RunOptions(BaseModel):
    """What a user may choose per run; stored with the request so that a resumed run behaves the same."""

    model_config = {"extra": "forbid"}

    out_dir: str | None = None
    max_attempts: int = Field(default=2, ge=0, le=10)
    review: bool = False
    test_timeout_s: float = Field(default=30.0, gt=0, le=600)
    request_timeout_s: float = Field(default=5.0, gt=0, le=120)
    recon_timeout_s: float = Field(default=10.0, gt=0, le=300)
    validation_workers: int = Field(default=2, ge=1, le=16)
    confirm_reruns: int = Field(default=1, ge=0, le=5)
    # For a target the user does not own: no test changes or deletes data it did not create.
    safe: bool = False
    # What the LLM reply cache may do this run (see generators.llm.config.CacheMode).
    llm_cache: CacheMode = "write"


@dataclass(frozen=True, kw_only=True)
class Context:
    """What one run may do and where it writes; built from Settings and RunOptions by the caller."""

    # Its JSON schema is the context form LangGraph Studio shows; the process's browser is left out of it.
    __pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)

    database_url: str
    workspace_dir: str
    out_dir: str | None = None
    # Regeneration passes for BROKEN tests after the first validation.
    max_attempts: int = 2
    review: bool = False
    # Seconds one generated test may take before it counts as broken (timeout).
    test_timeout_s: float = 30.0
    # Seconds one HTTP request made by a generated API test may take.
    request_timeout_s: float = 5.0
    # Seconds reconnaissance waits for the spec, the base URL or a page.
    recon_timeout_s: float = 10.0
    # Parallel pytest processes during validation.
    validation_workers: int = 2
    # Extra runs of a failing test to tell a real finding from a flaky one.
    confirm_reruns: int = 1
    # No generated test changes or deletes data it did not create (a shared target the user does not own).
    safe: bool = False
    # The OpenAI-compatible endpoint and its bounds; None keeps generation to the deterministic offline one.
    llm: LlmConfig | None = None
    llm_cache: CacheMode = "write"
    # The process's browser, reused across pages and requests; None opens one for the run.
    browser: SkipJsonSchema[BrowserSession | None] = None
    # Resource limits of the sandbox each generated suite runs in.
    sandbox_limits: Limits = DEFAULT_LIMITS
    # Which hosts reconnaissance may reach: the embedded default allows loopback, service mode does not.
    target_policy: TargetPolicy = EMBEDDED_POLICY
    # The Chromium binary recon opens pages in and the UI suite's tests launch: both see the same engine.
    chromium_path: str = field(default_factory=system_chromium)

    @classmethod
    def for_run(
        cls,
        settings: Settings,
        options: RunOptions,
        *,
        browser: BrowserSession | None = None,
        target_policy: TargetPolicy = EMBEDDED_POLICY,
    ) -> Context:
        return cls(
            database_url=settings.sqlalchemy_url,
            workspace_dir=str(settings.workspace_dir),
            llm=_llm_config(settings, options.llm_cache),
            browser=browser,
            sandbox_limits=settings.sandbox_limits,
            target_policy=target_policy,
            chromium_path=settings.chromium_path,
            **options.model_dump(),
        )


def _llm_config(settings: Settings, cache_mode: CacheMode) -> LlmConfig | None:
    """The endpoint's config from the settings, or None when no OPENAI_BASE_URL is set."""
    if not settings.openai_base_url:
        return None
    return LlmConfig(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        model=settings.openai_model,
        temperature=settings.openai_temperature,
        timeout_s=settings.openai_timeout_s,
        max_retries=settings.openai_max_retries,
        max_output_tokens=settings.openai_max_output_tokens,
        max_prompt_tokens=settings.llm_max_prompt_tokens,
        token_budget=settings.llm_token_budget,
        cache_dir=settings.llm_cache_dir,
        cache_mode=cache_mode,
        # A database of its own (service mode) is shared by workers on other hosts: replies go there too.
        cache_database_url=settings.database_url or None,
    )
