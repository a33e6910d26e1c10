"""Tokens of a requirement text, found in one left-to-right pass with bounded patterns (linear time)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple

Kind = Literal["word", "number", "quoted", "code", "json", "call", "path", "symbol"]

_METHODS = "GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS"
# Every quantifier is bounded, so a failed attempt at one position costs a constant: no backtracking blow-up.
_TOKEN = re.compile(
    # A written path may hold dots and colons ("/v1.2", "/a:b") but does not end with the sentence's stop.
    rf"(?P<call>\b(?:{_METHODS})\b[ \t]{{1,4}}"
    rf"(?P<target>/(?:[^\s,;'\"`().:]|[.:](?=[^\s,;'\"`()])){{0,300}}))"
    r"|(?P<path>(?<![\w/])/[A-Za-z{][^\s,;'\"`()]{0,300})"
    r"|`(?P<code>[^`\n]{0,300})`"
    r"|\"(?P<dq>[^\"\n]{0,300})\""
    r"|(?<!\w)'(?P<sq>[^'\n]{0,300})'(?!\w)"
    r"|(?P<number>-?\d{1,15}(?:\.\d{1,15})?)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9_]{0,80}(?:'[a-z]{1,2}\b)?)"
    r"|(?P<symbol>→|->|=>|≤|≥|<=|>=|!=|[=:;,.()<>+?&%$#{}\[\]/*-])"
)
_JSON_START = re.compile(r"\{\s{0,20}(?:\"|\})")
_JSON_WINDOW = 4000  # longest literal object read; longer braces stay plain text
_DECODER = json.JSONDecoder()


class Token(NamedTuple):
    """One token: its kind, its text as written and lowercased, its offset, a parsed value if it has one."""

    kind: Kind
    text: str
    start: int
    value: Any = None
    lower: str = ""


def _make(kind: Kind, text: str, start: int, value: Any = None) -> Token:
    return Token(kind, text, start, value, text.lower())


def normalized(text: str) -> str:
    """Straight quotes, so one quoting rule covers typographic and plain text."""
    return text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "}))


def tokenize(text: str) -> list[Token]:
    """All tokens of the text in order; whitespace and unknown characters are skipped."""
    tokens: list[Token] = []
    position = 0
    for start, end, value in _json_objects(text):
        tokens += (_token(match) for match in _TOKEN.finditer(text, position, start))
        tokens.append(_make("json", text[start:end], start, value))
        position = end
    tokens += (_token(match) for match in _TOKEN.finditer(text, position))
    return tokens


def _json_objects(text: str) -> Iterator[tuple[int, int, Any]]:
    """Object literals in the text as (start, end, value); a failed read is not retried inside itself."""
    position = text.find("{")
    while position != -1:
        # `{...}` in backticks stays a code token: the code's own reading parses it.
        if _JSON_START.match(text, position) and text[position - 1 : position] != "`":
            parsed = _json_at(text, position)
            if isinstance(parsed, tuple):
                yield position, parsed[1], parsed[0]
                position = text.find("{", parsed[1])
                continue
            position = text.find("{", max(parsed, position + 1))
            continue
        position = text.find("{", position + 1)


def _json_at(text: str, position: int) -> tuple[Any, int] | int:
    """The object literal at `position` and where it ends, or the offset where reading it failed."""
    window = text[position : position + _JSON_WINDOW]
    try:
        value, end = _DECODER.raw_decode(window)
    except json.JSONDecodeError as error:
        return position + max(error.pos, 1)
    return (value, position + end) if isinstance(value, dict) else position + end


def _token(match: re.Match[str]) -> Token:
    """A matched token with its parsed value: a call's method and path, a literal's content, a number."""
    kind = match.lastgroup or "symbol"
    start = match.start()
    if kind == "word" or kind == "symbol":
        text = match.group()
        return Token(kind, text, start, None, text.lower())
    if match.group("call"):
        method = match.group(0).split()[0].lower()
        return _make("call", match.group(0), start, (method, match.group("target")))
    if kind in ("dq", "sq"):
        return _make("quoted", match.group(0), start, match.group(kind))
    if kind == "code":
        return _make("code", match.group(0), start, match.group("code"))
    if kind == "number":
        raw = match.group("number")
        return _make("number", raw, start, float(raw) if "." in raw else int(raw))
    if kind == "path":
        return _make("path", match.group("path"), start, match.group("path"))
    return _make(kind if kind in ("word", "symbol") else "symbol", match.group(0), start)  # type: ignore[arg-type]
