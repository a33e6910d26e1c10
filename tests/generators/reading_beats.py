"""How the UI reader tests look at a reading: the beats it found, each check as its bare outcome."""

from __future__ import annotations

from generators.ui import phrases as p
from vocabulary import claims as c


def beats(requirement: str) -> list[object]:
    """The beats read from `requirement`, which must be read whole; checks as their outcomes."""
    reading = p.read(requirement)
    assert not reading.unread, reading.unread
    return [b.outcome if isinstance(b, c.Expect) else b for b in reading.beats]
