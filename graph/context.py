"""Per-run choices, passed to the graph as its runtime context. Never reads the environment."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from graph.settings import Settings
from tools.browser import BrowserSession
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


@dataclass(frozen=True, kw_only=True)
class Context:
    """What one run may do and where it writes; built from Settings and RunOptions by the caller."""

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
    # OpenAI-compatible endpoint; empty means the deterministic offline generator.
    llm_base_url: str = ""
    llm_model: str = ""
    # The process's browser, reused across pages and requests; None opens one for the run.
    browser: BrowserSession | None = None
    # Resource limits of the sandbox each generated suite runs in.
    sandbox_limits: Limits = DEFAULT_LIMITS
    # Which hosts reconnaissance may reach: the embedded default allows loopback, service mode does not.
    target_policy: TargetPolicy = EMBEDDED_POLICY

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
            llm_base_url=settings.openai_base_url,
            llm_model=settings.openai_model,
            browser=browser,
            sandbox_limits=settings.sandbox_limits,
            target_policy=target_policy,
            **options.model_dump(),
        )
