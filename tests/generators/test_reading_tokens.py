"""The tokenizer under the reader: one bounded pass, so even a 100 KB requirement reads in linear time."""

from __future__ import annotations

import time

from generators.api.reading.tokens import tokenize
from generators.api.requirements import plan_requirement
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement


def test_tokens_keep_calls_literals_and_numbers() -> None:
    tokens = tokenize('PATCH /rooms/{roomId}?dry=1 with {"floor": 2} → `floor: 2` and "x y" 4.5')
    assert [(t.kind, t.value) for t in tokens if t.kind != "word"] == [
        ("call", ("patch", "/rooms/{roomId}?dry=1")),
        ("json", {"floor": 2}),
        ("symbol", None),
        ("code", "floor: 2"),
        ("quoted", "x y"),
        ("number", 4.5),
    ]


def test_unbalanced_braces_and_quotes_are_plain_text() -> None:
    tokens = tokenize('{"name": oops} then {"a": 1} ` " it\'s')
    assert ("json", {"a": 1}) in [(t.kind, t.value) for t in tokens]
    assert "it's" in [t.text for t in tokens]


def test_a_100_kb_requirement_is_read_in_well_under_two_seconds() -> None:
    api = load_spec("bookings")
    pathological = [
        ("a booking once created with 3 nights (and guest `x`) after cancelling, returns " * 1400)[:100_000],
        ('{"a": ' * 20_000)[:100_000],
        ("` \" ' ( once after 4 nights, " * 4000)[:100_000],
    ]
    for text in pathological:
        started = time.process_time()
        plan_requirement(Requirement(requirement_id="L1", text=text), api)
        # CPU time, so that other processes on a shared machine do not count against the reader.
        assert time.process_time() - started < 2.0
