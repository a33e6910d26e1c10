"""Per-run choices, passed to the graph as its runtime context. Never reads the environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Context:
    """What one run may do and where it writes; built by the CLI, server or worker from Settings."""

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
    # Parallel pytest processes during validation.
    validation_workers: int = 2
    # Extra runs of a failing test to tell a real finding from a flaky one.
    confirm_reruns: int = 1
    # OpenAI-compatible endpoint; empty means the deterministic offline generator.
    llm_base_url: str = ""
    llm_model: str = ""
