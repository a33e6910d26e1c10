"""What the `testops` command tests share: the environment a run gets and the sample API it targets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from samples.tasks_api import app as sample


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment with a fresh data dir, the sample's token and a wide terminal."""
    return {
        **os.environ,
        "TESTOPS_DATA_DIR": str(tmp_path / "data"),
        "TESTOPS_API_TOKEN": sample.DEFAULT_TOKEN,
        "COLUMNS": "200",
    }


@pytest.fixture
def base_url() -> Iterator[str]:
    with sample.serve() as url:
        yield url
