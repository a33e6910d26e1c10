"""Words that name a control for removing data: what safe mode (`--safe`) never clicks or submits on a
target the user does not own, in reconnaissance and in the UI tests it writes."""

from __future__ import annotations

import re

# Verbs of removal, and the phrases that remove without one ("empty the cart", "cancel my order").
_REMOVES_DATA = re.compile(
    r"\b(?:delete|remove|destroy|discard|erase|wipe|purge|trash|unsubscribe|deactivate|revoke)"
    r"|\bempty\s+(?:the\s+|my\s+)?(?:cart|basket|trash|bin)\b"
    r"|\bclear\s+(?:all|completed|done|history|data|cart|basket)\b"
    r"|\b(?:close|cancel)\s+(?:the\s+|my\s+)?(?:account|order|subscription|booking|reservation)\b",
    re.IGNORECASE,
)


def removal_named(text: str) -> str | None:
    """The words in `text` that name removing data ("Delete", "Clear completed"), or None."""
    found = _REMOVES_DATA.search(text)
    return found.group(0) if found else None
