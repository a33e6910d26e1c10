"""The deterministic reader of a reviewer's message: what it asks for, grounded in the suite under review.

Small pure stages: normalise the message, match one frame (a closed set of verbs and phrases), then resolve
the tests it names by number (3, 3-5, "3 and 5") or by name (a test's name or words of it), as the suite
under review numbers and names them. Anything not understood becomes "help", naming what was not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vocabulary.review import DroppedTest, IntentKind, ReviewedTest, ReviewIntent, SuiteUnderReview

_LEAD = re.compile(r"^(?:(?:ok(?:ay)?|please|and|then|now|so|right)\b[\s,:;!-]*)+", re.IGNORECASE)
_ALSO = re.compile(r"^also\b[\s,]*")
_DROP = re.compile(r"^(?:drop|remove|delete|discard|exclude|skip|leave out|get rid of|throw away|take out)\b")
_ADD = re.compile(
    r"^(?:(?:also|and)\s+(?:check|test|verify|ensure|make sure)\s+(?:that\s+)?"
    r"|(?:check|test|verify|ensure|make sure)\s+(?:also\s+)?that\s+"
    r"|add\s+(?:a\s+|the\s+)?(?:requirement|check|test)\s*(?:that\s+|:\s*|-\s*)?)(?P<text>.+)$",
    re.DOTALL,
)
_EXPECTED = re.compile(
    r"\b(?:is|are|'s|looks|seems)\s+(?:the\s+|an?\s+)?"
    r"(?:expected|intended|by design|not a bug|correct behaviou?r)"
    r"|\bexpected behaviou?r\b|\bworks as (?:intended|designed)\b"
)
_QUESTION = re.compile(r"^(?:what|which|how|why|explain|describe|show|tell me|can you tell)\b")
_SUMMARY = re.compile(r"\b(?:summary|summari[sz]e|overview|status|where are we|what do we have)\b")
_APPROVE = re.compile(
    r"^(?:approved?|accept(?:ed)?|lgtm|ship it|looks good|good to go|store it|go ahead|yes)\b"
)
_REJECT = re.compile(r"^(?:reject(?:ed)?|decline[d]?|no\b|discard (?:it|the suite|everything)|throw it away)")
# "approve: …" / "reject: …" decide whatever the reason after the colon says.
_DECIDED = re.compile(r"^(approve|reject)\s*:")
_RANGE = re.compile(r"\b(\d+)\s*(?:-|–|to|through)\s*(\d+)\b")
_NUMBER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*(?:::[\w\[\]-]+|_[\w\[\]-]*)")
# Words that say which tests without being part of any test's name: the reader's closed vocabulary.
_GLUE = {
    "a", "all", "also", "an", "and", "any", "both", "but", "drop", "finding", "findings", "it", "last", "of",
    "one", "ones", "please", "remove", "delete", "discard", "exclude", "skip", "test", "tests", "that", "the",
    "these", "this", "those", "two", "three", "four", "five", "them", "with", "from", "out", "leave", "get",
    "rid", "is", "are", "expected", "behaviour", "behavior", "intended", "by", "design", "what", "does",
    "do", "explain", "describe", "show", "tell", "me", "about", "which", "how", "why", "can", "you", "mean",
    "means", "check", "checks", "number", "numbers", "not", "bug", "correct", "looks", "seems", "take",
}


# How "help" begins when the message matches no frame at all: what an LLM, if configured, is asked to read.
UNPLACED = "I could not tell"
_WHICH_TESTS = "which tests? Name them by number (“drop 3 and 5”) or by name"


def read_message(message: str, suite: SuiteUnderReview) -> ReviewIntent:
    """What `message` asks of the review of `suite`; "help" (with the problem) when it cannot be told."""
    text = _LEAD.sub("", " ".join(message.split()).strip()).strip()
    lowered = text.lower()
    if not lowered.strip(" .!?"):
        return ReviewIntent(kind="help", problem="the message is empty")
    if decided := _DECIDED.match(lowered):
        kind = "approve" if decided.group(1) == "approve" else "reject"
        return ReviewIntent(kind=kind, note=message.strip())
    if added := _ADD.match(lowered):
        return _add_requirement(text[added.start("text"):])
    lowered = _ALSO.sub("", lowered)
    if dropping := _DROP.match(lowered):
        return _with_tests("drop", lowered[dropping.end():], suite)
    if expected := _EXPECTED.search(lowered):
        return _expected(lowered[: expected.start()], suite, note=message.strip())
    if _QUESTION.match(lowered) or lowered.endswith("?"):
        if _SUMMARY.search(lowered) or not _mentions_tests(lowered, suite):
            return ReviewIntent(kind="summary") if _SUMMARY.search(lowered) else _unclear(text)
        return _with_tests("describe", lowered, suite)
    if _SUMMARY.search(lowered):
        return ReviewIntent(kind="summary")
    if _REJECT.match(lowered):
        return ReviewIntent(kind="reject", note=message.strip())
    if _APPROVE.match(lowered):
        return ReviewIntent(kind="approve", note=message.strip())
    return _unclear(text)


def _unclear(text: str) -> ReviewIntent:
    shown = text if len(text) <= 80 else text[:79] + "…"
    return ReviewIntent(kind="help", problem=f"{UNPLACED} what “{shown}” asks for")


def _add_requirement(text: str) -> ReviewIntent:
    requirement = text.strip().strip("\"'“”").rstrip(" .!").strip()
    if not requirement:
        return ReviewIntent(kind="help", problem="the requirement to add is empty")
    return ReviewIntent(kind="add_requirement", requirements=[requirement[0].upper() + requirement[1:]])


def _expected(subject: str, suite: SuiteUnderReview, *, note: str) -> ReviewIntent:
    """A finding the reviewer says is how the target should behave; "it"/"this" is the only finding."""
    intent = _with_tests("expected", subject, suite)
    if intent.kind == "help" and len(suite.findings) == 1 and not _NUMBER.search(subject):
        intent = ReviewIntent(kind="expected", test_ids=[suite.findings[0].test_id])
    findings = {f.test_id for f in suite.findings}
    not_findings = [t for t in intent.test_ids if t not in findings]
    if intent.kind == "expected" and not_findings:
        names = ", ".join(_label(suite, t) for t in not_findings)
        problem = f"{names} is not a finding: only a failing test can be expected behaviour"
        return ReviewIntent(kind="help", problem=problem)
    return intent.model_copy(update={"note": note}) if intent.kind == "expected" else intent


def _with_tests(kind: IntentKind, words: str, suite: SuiteUnderReview) -> ReviewIntent:
    """The intent `kind` for the tests `words` name, or help saying which could not be found."""
    test_ids, problem = resolve_tests(words, suite)
    if problem:
        return ReviewIntent(kind="help", problem=problem)
    if not test_ids:
        return ReviewIntent(kind="help", problem=_WHICH_TESTS)
    return ReviewIntent(kind=kind, test_ids=test_ids)


def resolve_tests(words: str, suite: SuiteUnderReview) -> tuple[list[str], str]:
    """The test ids `words` name (numbers first, then names, then words of names), or why not."""
    by_number = suite.by_number()
    dropped = {d.number: d for d in suite.dropped if d.number is not None}
    numbers: list[int] = []
    for low, high in _RANGE.findall(words):
        numbers.extend(range(int(low), int(high) + 1))
    numbers.extend(int(n) for n in _NUMBER.findall(_RANGE.sub(" ", words)))
    if numbers:
        missing = [n for n in numbers if n not in by_number]
        if missing:
            return [], _missing_number(missing[0], by_number, dropped)
        return _unique(by_number[n].test_id for n in numbers), ""
    named = [t for token in _IDENTIFIER.findall(words) for t in _named(token, suite.tests)]
    if named:
        return _unique(t.test_id for t in named), ""
    content = [w for w in re.findall(r"[a-z][a-z0-9]+", words) if w not in _GLUE and len(w) > 2]
    if not content:
        return [], ""
    matching = [t for t in suite.tests if all(_in_name(word, t) for word in content)]
    if not matching:
        return [], f"no test's name has {' and '.join(repr(w) for w in content)} in it"
    return [t.test_id for t in matching], ""


def _mentions_tests(words: str, suite: SuiteUnderReview) -> bool:
    test_ids, problem = resolve_tests(words, suite)
    return bool(test_ids or problem)


def _missing_number(number: int, by_number: dict[int, ReviewedTest], dropped: dict[int, DroppedTest]) -> str:
    if number in dropped:
        return f"test {number} is left out of the suite already ({dropped[number].reason})"
    if not by_number:
        return "the suite has no tests left"
    return f"there is no test {number}: the tests are numbered {min(by_number)} to {max(by_number)}"


def _named(token: str, tests: list[ReviewedTest]) -> list[ReviewedTest]:
    """Tests whose id or name is `token`, else those whose name contains it."""
    exact = [t for t in tests if token in (t.test_id.lower(), t.name.lower())]
    return exact or [t for t in tests if token in t.name.lower()]


def _in_name(word: str, test: ReviewedTest) -> bool:
    parts = set(re.split(r"[_\W]+", test.name.lower()))
    return word in parts or word.rstrip("s") in parts


def _label(suite: SuiteUnderReview, test_id: str) -> str:
    test = next((t for t in suite.tests if t.test_id == test_id), None)
    return f"test {test.number} ({test.name})" if test else test_id


def _unique(test_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(test_ids))
