"""Values the generated tests make when they run, so that the suite's files stay the same on every rerun.

`unique(example)` puts a token into an example value: different in every run and every test, the same
within one test (so a later step can check the value came back); `step=` tells apart two creations of one
test that send the same example. `given(name)` reads an existing value the spec has no call for (an id to
act on) from TESTOPS_GIVEN_<NAME>, `credential(kind)` the identity's TESTOPS_API_USERNAME or
TESTOPS_API_PASSWORD; without them the test skips.
"""

from __future__ import annotations

import hashlib
import os
import re
import string
import time
import uuid
from functools import cache

import pytest

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_TOKEN_LENGTH = 8
_SHORTEST_TOKEN = 4
# (separator, token alphabet) in order of preference; the later ones fit stricter patterns.
_SPELLINGS = (
    ("-", _ALPHABET),
    ("_", _ALPHABET),
    ("", _ALPHABET),
    ("", string.digits),
    ("", string.ascii_lowercase),
    ("", string.ascii_uppercase),
)


@cache
def _run() -> str:
    """This run's seed: two runs of the suite never share it."""
    return f"{time.time_ns()}-{os.getpid()}"


def _token(example: str | int, step: int | None) -> int:
    """A number for this run, this test, this example and the creation step that sends it."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    made = f"{example}" if step is None else f"{example}|{step}"
    digest = hashlib.sha256(f"{_run()}|{test}|{made}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _text(number: int, length: int, alphabet: str = _ALPHABET) -> str:
    digits = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        digits.append(alphabet[index])
    return "".join(digits)


def unique(
    example: str | int,
    *,
    max_length: int | None = None,
    pattern: str | None = None,
    format: str | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    step: int | None = None,
) -> str | int:
    """The example made unique within the schema's limits; the example itself if no variant fits them."""
    number = _token(example, step)
    if isinstance(example, int):
        low = minimum if minimum is not None else 1
        high = maximum if maximum is not None else 2_147_483_647
        if high - low > 1_000_000_000:
            low = max(low, 100_000_000)  # large ids read as made up and miss the usual seed rows
        return low + number % (high - low + 1)
    if format == "uuid":
        return str(uuid.UUID(int=number << 64 | number, version=4))
    for candidate in _candidates(example, number, format, max_length):
        if pattern is None or re.search(pattern, candidate):
            return candidate
    return example


def _candidates(example: str, number: int, format: str | None, max_length: int | None) -> list[str]:
    """Spellings of the example with a token in it, most readable first, each within max_length."""
    # Specs often leave emails without `format: email`; the @ says what the example is.
    local, at, domain = (
        example.rpartition("@") if format in ("email", "idn-email") or "@" in example else ("", "", "")
    )
    stem, place = (local, f"@{domain}") if at else (example, "")
    found = []
    for separator, alphabet in _SPELLINGS:
        if at and separator == "-":
            separator = "."
        room = None if max_length is None else max_length - len(place)
        length = _TOKEN_LENGTH if room is None else min(_TOKEN_LENGTH, room - len(separator) - 1)
        if length < _SHORTEST_TOKEN:
            continue
        token = separator + _text(number, length, alphabet)
        kept = stem if room is None else stem[: room - len(token)]
        found.append(kept + token + place)
    return found


def given(name: str) -> str:
    """An existing value for `name` from the environment; the test skips when none is set."""
    variable = "TESTOPS_GIVEN_" + re.sub(r"\W", "_", name).upper()
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"needs an existing {name}, which no call of the spec gives: set {variable}")
    return value


def credential(kind: str) -> str:
    """The configured identity's login name or password; the test skips when none is set."""
    variable = f"TESTOPS_API_{kind.upper()}"
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"signing in needs an existing account's {kind}: set {variable}")
    return value
