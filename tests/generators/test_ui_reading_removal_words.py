"""Outcome words for an entry that is no longer there: more of the ways QA engineers say "removed"."""

from __future__ import annotations

import pytest

from generators.ui import phrases as p
from vocabulary import claims


@pytest.mark.parametrize(
    "requirement",
    [
        "Deleting a note takes it off the board",
        "Removing a reminder takes it out of the list",
        'After deleting "Oats" it is gone from the shelf',
        'Deleting "Tea" means it is no longer in the table',
        "Once a reminder is deleted, it is no longer listed in the overview",
    ],
)
def test_an_entry_taken_out_or_gone_is_read_as_removed(requirement: str) -> None:
    reading = p.read(requirement)
    assert not reading.unread, reading.unread
    assert reading.outcomes == (claims.Removed(),)
