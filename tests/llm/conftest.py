"""The scripted OpenAI-compatible endpoint, a config that reaches it, and the sample API's model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from generators.llm.config import LlmConfig
from samples.openai_stub import ScriptedChat, scripted_endpoint
from samples.tasks_api import app as sample
from tools.openapi import build_api_model, load_document
from vocabulary.api_model import ApiModel

# Made up for the tests: it must never show in a report, an event, the database or an error.
API_KEY = "sk-test-4f9c2e1b7a"


@pytest.fixture
def endpoint() -> Iterator[tuple[str, ScriptedChat]]:
    with scripted_endpoint() as served:
        yield served


@pytest.fixture
def chat(endpoint: tuple[str, ScriptedChat]) -> ScriptedChat:
    return endpoint[1]


@pytest.fixture
def llm_config(endpoint: tuple[str, ScriptedChat], tmp_path: Path) -> LlmConfig:
    """Short timeouts and pauses, one retry: failures show quickly."""
    return LlmConfig(
        base_url=endpoint[0],
        api_key=SecretStr(API_KEY),
        model="scripted-model",
        timeout_s=2.0,
        max_retries=1,
        retry_backoff_s=0.01,
        cache_dir=tmp_path / "llm-cache",
    )


@pytest.fixture(scope="session")
def tasks_api() -> ApiModel:
    document = asyncio.run(load_document(str(sample.SPEC_PATH)))
    return build_api_model(document, source=str(sample.SPEC_PATH), base_url="http://127.0.0.1:9")
