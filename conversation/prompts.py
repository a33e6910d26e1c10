"""The prompt the LLM reads a reviewer's message with, when the offline reader could not tell what it asks."""

from __future__ import annotations

from generators.llm.prompts import Prompt

READ_REVIEW_MESSAGE = Prompt(
    name="read_review_message",
    version=1,
    system=(
        "You read a QA reviewer's chat message about a generated pytest suite and say what it asks for, as "
        "exactly one kind: approve (store the suite), reject (do not store it), drop (leave tests out), "
        "expected (a failing test shows behaviour the reviewer expects: drop it, keep the note), "
        "add_requirement (a new requirement to test: give it as one plain sentence), describe (explain "
        "tests), summary (sum the suite up) or help (none of these, or unclear). Name tests only by the "
        "numbers in the list; never invent a number."
    ),
    user="Tests under review (number. name [verdict]):\n{tests}\n\nThe reviewer's message: {message}\n",
)
