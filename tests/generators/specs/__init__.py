"""Small specs of other domains (bookings, a lending library) the requirement reader was not written for."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

from tools.openapi import build_api_model, load_document
from vocabulary.api_model import ApiModel

_HERE = Path(__file__).parent


@cache
def load_spec(name: str) -> ApiModel:
    """The ApiModel of specs/<name>.yaml, as reconnaissance would build it."""
    path = _HERE / f"{name}.yaml"
    document = asyncio.run(load_document(str(path)))
    return build_api_model(document, source=str(path), base_url="http://127.0.0.1:9")
