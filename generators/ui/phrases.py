"""Reads a plain-language UI requirement as actions, a subject and an outcome, with small recognizers.

Quoted strings are pulled out first (they are texts to type or to see) and replaced by «0», «1»…; the first
outcome verb splits what is done (before it, and in a trailing "after …" clause) from what must be seen.
Nothing here knows the page: resolving words to elements is the planner's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')
_SLOT = r"«(\d+)»"
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_NUMBER = r"(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_ARTICLES = {"the", "a", "an", "its", "their", "every", "each", "any", "some"}
# Qualities no browser can measure; a requirement made only of these is reported, not tested.
SUBJECTIVE = re.compile(
    r"\b(modern|beautiful|nice|pretty|clean|intuitive|user[- ]friendly|pleasant|attractive|elegant|"
    r"professional|appealing|good|great|easy)\b",
    re.IGNORECASE,
)


def number(word: str) -> int:
    """A count written as digits or as a word ("three")."""
    return int(word) if word.isdigit() else _NUMBERS[word.lower()]


# --- what a requirement asks to do ------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """Sign in with these credentials (wrong ones when `wrong`)."""

    user: str = ""
    password: str = ""
    wrong: bool = False


@dataclass(frozen=True)
class Search:
    query: str


@dataclass(frozen=True)
class Add:
    """Add entries: these texts, or `count` made-up ones; `empty` submits nothing at all."""

    texts: tuple[str, ...] = ()
    count: int = 1
    empty: bool = False


@dataclass(frozen=True)
class Delete:
    """Delete one entry: the one with this text, or any."""

    text: str = ""


@dataclass(frozen=True)
class Complete:
    """Mark one entry done (its checkbox): the one with this text, or any."""

    text: str = ""


@dataclass(frozen=True)
class Rename:
    """Change one entry's text in place, to `new`: the entry with `text`, or any."""

    new: str
    text: str = ""


@dataclass(frozen=True)
class Choose:
    option: str
    hint: str = ""


@dataclass(frozen=True)
class Click:
    text: str
    kind: str = ""


@dataclass(frozen=True)
class Fill:
    value: str
    field_words: str


@dataclass(frozen=True)
class Press:
    key: str


@dataclass(frozen=True)
class SetChecked:
    label: str
    checked: bool


@dataclass(frozen=True)
class GoBack:
    pass


@dataclass(frozen=True)
class Open:
    path: str


@dataclass(frozen=True)
class Submit:
    """Send the form that was being filled in (or the page's only form)."""


Action = (
    Login
    | Search
    | Add
    | Delete
    | Complete
    | Rename
    | Choose
    | Click
    | Fill
    | Press
    | SetChecked
    | GoBack
    | Open
    | Submit
)


# --- what must be seen afterwards -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowsText:
    text: str


@dataclass(frozen=True)
class ShowsError:
    """An error is shown, the requirement does not say which words."""


@dataclass(frozen=True)
class ShowsEntry:
    """What was just added ("it") is shown among the items."""


@dataclass(frozen=True)
class Only:
    """Only items matching `word` are shown; `noun` names what the items are ("products", "books")."""

    noun: str
    word: str = ""


@dataclass(frozen=True)
class Removed:
    """What was just deleted ("it") is no longer among the items."""


@dataclass(frozen=True)
class NotAdded:
    """The add did not add anything."""


@dataclass(frozen=True)
class Gate:
    """The subject stays `state` until `condition` holds, and then flips."""

    state: str
    condition: str


@dataclass(frozen=True)
class MasksInput:
    pass


@dataclass(frozen=True)
class State:
    state: str  # disabled, enabled, checked, unchecked, hidden, visible, empty


@dataclass(frozen=True)
class OpensOwnPage:
    """The subject link opens the page it stands for."""


@dataclass(frozen=True)
class GoesTo:
    destination: str


@dataclass(frozen=True)
class CountIs:
    count: int
    noun: str


@dataclass(frozen=True)
class UrlChanges:
    """The page moves away from where the test opened it."""


Outcome = (
    ShowsText
    | ShowsError
    | ShowsEntry
    | Only
    | Removed
    | NotAdded
    | Gate
    | MasksInput
    | State
    | OpensOwnPage
    | GoesTo
    | CountIs
    | UrlChanges
)


@dataclass(frozen=True)
class Subject:
    """What the requirement talks about when it is not an action: "the Log in button", "the counter"."""

    words: str
    kind: str = ""  # button, link, field, select, checkbox; "" when the words alone must tell
    quoted: str = ""
    qualifier: str = ""  # "of a product": one of several alike


@dataclass(frozen=True)
class Reading:
    """A requirement as understood: actions in order, the subject, the outcomes; `unread` says why not."""

    actions: tuple[Action, ...] = ()
    subject: Subject | None = None
    outcomes: tuple[Outcome, ...] = ()
    unread: str = ""


# --- the text with its quotes pulled out ------------------------------------------------------------------


@dataclass(frozen=True)
class QuotedText:
    """The requirement with quoted strings replaced by «n», and the strings themselves."""

    text: str
    quotes: tuple[str, ...]

    def unmask(self, fragment: str) -> str:
        """The fragment with its «n» slots put back as the quoted texts (without quotes)."""
        return re.sub(_SLOT, lambda m: self.quotes[int(m.group(1))], fragment).strip()

    def slot(self, fragment: str) -> str:
        """The quoted text if the fragment is one «n» slot, else the fragment as written."""
        match = re.fullmatch(r"\s*" + _SLOT + r"\s*", fragment)
        return self.quotes[int(match.group(1))] if match else fragment.strip()


def mask(text: str) -> QuotedText:
    quotes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quotes.append(match.group(1) if match.group(1) is not None else match.group(2))
        return f"«{len(quotes) - 1}»"

    return QuotedText(_QUOTED.sub(keep, text.strip().rstrip(".")), tuple(quotes))


# --- recognizers: each matches one kind of phrase ----------------------------------------------------------

_WORD = r"[\w'-]+"
_VALUE = rf"(?:{_SLOT}|{_WORD})"
_NOUN = r"(?:items?|entries|entry|tasks?|todos?|to-dos?|products?|results?|rows?|records?|notes?|things?)"

ActionRecognizer = Callable[[re.Match[str], QuotedText], Action]
_ACTIONS: list[tuple[re.Pattern[str], ActionRecognizer]] = []


def _action(pattern: str) -> Callable[[ActionRecognizer], ActionRecognizer]:
    def register(recognizer: ActionRecognizer) -> ActionRecognizer:
        _ACTIONS.append((re.compile(pattern, re.IGNORECASE), recognizer))
        return recognizer

    return register


@_action(rf"\b(?:(?:log(?:ging)?|sign(?:ing)?)\s*in\s+)?as\s+(?P<user>{_VALUE})\s*/\s*(?P<password>{_VALUE})")
def _login(match: re.Match[str], text: QuotedText) -> Action:
    return Login(user=text.slot(match["user"]), password=text.slot(match["password"]))


@_action(r"\b(?:wrong|invalid|incorrect|bad|unknown)\s+(?:credentials|password|username|user\s*name|login)\b")
def _wrong_login(match: re.Match[str], text: QuotedText) -> Action:
    return Login(wrong=True)


@_action(rf"\bsearch(?:ing|es)?\s+(?:for\s+)?(?P<query>{_VALUE})")
def _search(match: re.Match[str], text: QuotedText) -> Action:
    return Search(text.slot(match["query"]))


@_action(rf"\b(?:add(?:ing|s)?|creat(?:e|es|ing))\s+{_NUMBER}\s+(?:new\s+)?{_NOUN}\b")
def _add_many(match: re.Match[str], text: QuotedText) -> Action:
    return Add(count=number(match[1]))


@_action(rf"\b(?:add(?:ing|s)?|creat(?:e|es|ing))\s+(?P<values>{_SLOT}(?:\s*(?:,|and)\s*{_SLOT})*)")
def _add(match: re.Match[str], text: QuotedText) -> Action:
    slots = re.findall(_SLOT, match["values"])
    return Add(texts=tuple(text.quotes[int(s)] for s in slots), count=len(slots))


@_action(
    rf"\b(?:delet(?:e|es|ing)|remov(?:e|es|ing))\s+(?:(?:(?:an?|the|one|any)\s+)?(?:{_SLOT}|{_NOUN})"
    r"|(?:an?|one|any)\s+[\w-]+)"  # "a chore", "one booking": any one of the items, whatever they are called
)
def _delete(match: re.Match[str], text: QuotedText) -> Action:
    return Delete(text.quotes[int(match[1])] if match[1] else "")


_ONE = rf"(?:(?:an?|the|one|any)\s+)?(?:{_SLOT}|[\w-]+)"


@_action(rf"\b(?:complet(?:e|es|ing)|finish(?:es|ing)?|(?:check|tick)(?:s|ing)?\s+off)\s+{_ONE}")
def _complete(match: re.Match[str], text: QuotedText) -> Action:
    return Complete(text.quotes[int(match[1])] if match[1] else "")


@_action(rf"\bmark(?:s|ing)?\s+{_ONE}\s+as\s+(?:done|complete|completed|finished)\b")
def _mark_done(match: re.Match[str], text: QuotedText) -> Action:
    return Complete(text.quotes[int(match[1])] if match[1] else "")


@_action(rf"\b(?:edit(?:s|ing)?|renam(?:e|es|ing)|chang(?:e|es|ing))\s+{_ONE}\s+(?:to|into)\s+{_SLOT}")
def _rename(match: re.Match[str], text: QuotedText) -> Action:
    return Rename(new=text.quotes[int(match[2])], text=text.quotes[int(match[1])] if match[1] else "")


@_action(rf"\b(?:choos(?:e|es|ing)|select(?:s|ing)?|pick(?:s|ing)?)\s+(?:the\s+)?(?P<hint>[\w ]*?)\s*{_SLOT}")
def _choose(match: re.Match[str], text: QuotedText) -> Action:
    return Choose(option=text.quotes[int(match[2])], hint=match["hint"].strip())


@_action(
    r"\b(?:press(?:es|ing)?|hit(?:s|ting)?)\s+(?:the\s+)?(?P<key>enter|return|escape|esc|tab)\b(?:\s+key)?"
)
def _press(match: re.Match[str], text: QuotedText) -> Action:
    key = match["key"].lower()
    return Press({"return": "Enter", "esc": "Escape"}.get(key, key.capitalize()))


@_action(
    rf"\b(?:click(?:s|ing)?|press(?:es|ing)?|tap(?:s|ping)?)\s+(?:on\s+)?(?:the\s+)?{_SLOT}(?:\s+(?P<kind>button|link|tab))?"
)
def _click(match: re.Match[str], text: QuotedText) -> Action:
    return Click(text.quotes[int(match[1])], match["kind"] or "")


@_action(
    rf"\b(?:enter(?:s|ing)?|typ(?:e|es|ing)|fill(?:s|ing)?(?:\s+in)?)\s+{_SLOT}\s+(?:in|into)\s+(?:the\s+)?"
    r"(?P<field>[\w ]+?)(?:\s+(?:field|box|input))?(?=\s*(?:,|$|\b(?:and|then|shows?|displays?)\b))"
)
def _fill(match: re.Match[str], text: QuotedText) -> Action:
    return Fill(value=text.quotes[int(match[1])], field_words=match["field"])


@_action(
    rf"\b(?P<verb>un)?(?:check(?:s|ing)?|tick(?:s|ing)?)\s+(?:the\s+)?(?:{_SLOT}|(?P<words>[\w ]+?))\s+"
    r"(?:checkbox|box|option)"
)
def _check(match: re.Match[str], text: QuotedText) -> Action:
    label = text.quotes[int(match[2])] if match[2] else match["words"]
    return SetChecked(label=label, checked=not match["verb"])


@_action(r"\b(?:go(?:es|ing)?|navigat(?:e|es|ing))\s+back\b")
def _go_back(match: re.Match[str], text: QuotedText) -> Action:
    return GoBack()


@_action(rf"\b(?:open(?:ing)?|go(?:ing)?\s+to|navigat(?:e|ing)\s+to|visit(?:ing)?)\s+{_SLOT}")
def _open(match: re.Match[str], text: QuotedText) -> Action:
    return Open(text.quotes[int(match[1])])


@_action(r"\bsubmit(?:s|ting)?\s+(?:the\s+)?(?:form|it)\b")
def _submit(match: re.Match[str], text: QuotedText) -> Action:
    return Submit()


def read_actions(fragment: str, text: QuotedText) -> list[Action]:
    """Every action phrase in the fragment, in the order written; of overlapping ones the longest wins."""
    matches = [
        (match, recognizer) for pattern, recognizer in _ACTIONS for match in pattern.finditer(fragment)
    ]
    matches.sort(key=lambda found: (found[0].start(), -found[0].end()))
    kept: list[Action] = []
    end = -1
    for match, recognizer in matches:
        if match.start() >= end:
            kept.append(recognizer(match, text))
            end = match.end()
    return kept


# --- outcome recognizers: a pattern at the split point and what it means --------------------------------

OutcomeRecognizer = Callable[[re.Match[str], QuotedText], Outcome]
_OUTCOMES: list[tuple[re.Pattern[str], OutcomeRecognizer]] = []


def _outcome(pattern: str) -> Callable[[OutcomeRecognizer], OutcomeRecognizer]:
    def register(recognizer: OutcomeRecognizer) -> OutcomeRecognizer:
        _OUTCOMES.append((re.compile(pattern, re.IGNORECASE), recognizer))
        return recognizer

    return register


_SHOW = r"(?:shows?|displays?|lists?|presents?)"


@_outcome(r"\bstays?\s+(?P<state>disabled|enabled)\s+until\s+(?P<condition>.+)$")
def _gate(match: re.Match[str], text: QuotedText) -> Outcome:
    return Gate(state=match["state"].lower(), condition=text.unmask(match["condition"]))


@_outcome(
    r"\b(?:masks?|hides?|obscures?)\s+(?:its|the|what)\s+(?:input|value|text|characters|typed)\b|\bis\s+masked\b"
)
def _masked(match: re.Match[str], text: QuotedText) -> Outcome:
    return MasksInput()


@_outcome(
    r"\b(?:cannot|can't|can\s+not|must\s+not|should\s+not|is\s+not|isn't)\s+(?:be\s+)?"
    r"(?:added|submitted|saved|created)\b"
)
def _not_added(match: re.Match[str], text: QuotedText) -> Outcome:
    return NotAdded()


@_outcome(
    rf"\b{_SHOW}\s+only\s+(?:(?:matching|relevant)\s+)?(?P<noun>[\w-]+)(?:\s+(?:whose|with|that|which|where)\b.*?"
    rf"\b(?:contains?|containing|includes?|matching|match(?:es)?)\s+(?P<word>{_VALUE}))?"
)
def _only(match: re.Match[str], text: QuotedText) -> Outcome:
    return Only(noun=match["noun"].lower(), word=text.slot(match["word"]) if match["word"] else "")


@_outcome(
    rf"\b{_SHOW}\s+(?P<count>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?P<noun>{_NOUN})\b"
)
def _count(match: re.Match[str], text: QuotedText) -> Outcome:
    return CountIs(count=number(match["count"]), noun=match["noun"].lower())


@_outcome(rf"\b(?:number|count)\s+of\s+(?P<noun>[\w-]+)\s+(?:is|becomes|equals|reads)\s+{_NUMBER}\b")
def _number_of(match: re.Match[str], text: QuotedText) -> Outcome:
    return CountIs(count=number(match[2]), noun=match["noun"].lower())


@_outcome(r"\b(?:the\s+)?(?:url|address)\s+changes\b|\bchanges?\s+the\s+(?:url|address|page)\b")
def _url_changes(match: re.Match[str], text: QuotedText) -> Outcome:
    return UrlChanges()


@_outcome(rf"\b(?:{_SHOW}|contains?|appears?)\s+(?:it|them|the\s+new\s+\w+)\b")
def _shows_entry(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsEntry()


@_outcome(rf"\b(?:{_SHOW}|contains?|reads?|says?)\s+{_SLOT}")
def _shows_text(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsText(text.quotes[int(match[1])])


@_outcome(rf"\b(?:{_SHOW}|raises?|gives?)\s+(?:an?\s+)?(?:error|validation)(?:\s+message)?\b")
def _shows_error(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsError()


@_outcome(r"\b(?:removes?|deletes?)\s+(?:it|them)\b|\b(?:disappears?|vanishes?)\s+from\b|\bis\s+removed\b")
def _removed(match: re.Match[str], text: QuotedText) -> Outcome:
    return Removed()


@_outcome(r"\bopens?\s+(?:its|their|the\s+\w+'s)\s+(?:own\s+)?(?:details?\s+)?page\b")
def _opens_own_page(match: re.Match[str], text: QuotedText) -> Outcome:
    return OpensOwnPage()


@_outcome(
    rf"\b(?:opens?|goes\s+to|navigates?\s+to|leads?\s+to|redirects?\s+to|takes?\s+\w+\s+to)\s+"
    rf"(?P<dest>{_SLOT}|the\s+[\w ]+?\s+page)\b"
)
def _goes_to(match: re.Match[str], text: QuotedText) -> Outcome:
    return GoesTo(text.unmask(match["dest"]))


@_outcome(
    r"\b(?:is|are|becomes?|stays?|remains?|gets?)\s+(?P<state>disabled|enabled|checked|unchecked|"
    r"hidden|visible|empty)\b"
)
def _state(match: re.Match[str], text: QuotedText) -> Outcome:
    return State(match["state"].lower())


@_outcome(r"\b(?:disappears?|vanishes?|goes\s+away)\b")
def _disappears(match: re.Match[str], text: QuotedText) -> Outcome:
    return State("hidden")


@_outcome(r"\b(?:appears?|(?:is|are)\s+(?:shown|displayed))\b")
def _appears(match: re.Match[str], text: QuotedText) -> Outcome:
    return State("visible")


def _split(text: QuotedText) -> tuple[int, re.Match[str], OutcomeRecognizer] | None:
    """The earliest outcome phrase (the longest when two start at the same place)."""
    best: tuple[int, int, re.Match[str], OutcomeRecognizer] | None = None
    for pattern, recognizer in _OUTCOMES:
        match = pattern.search(text.text)
        if match and (best is None or (match.start(), -match.end()) < (best[0], -best[1])):
            best = (match.start(), match.end(), match, recognizer)
    return (best[0], best[2], best[3]) if best else None


# --- subjects -----------------------------------------------------------------------------------------------

_KINDS = {
    "button": "button", "link": "link", "field": "field", "input": "field", "box": "field",
    "textbox": "field", "select": "select", "dropdown": "select", "menu": "select", "checkbox": "checkbox",
}  # fmt: skip
_ARTICLE = "|".join(sorted(_ARTICLES, key=lambda a: (-len(a), a)))
_SUBJECT = re.compile(
    rf"^(?:(?:{_ARTICLE})\b)?\s*(?:{_SLOT}\s*)?(?P<words>[\w ,'-]*?)\s*"
    rf"(?:\b(?P<kind>{'|'.join(_KINDS)})\b\s*(?P<qualifier>\b(?:of|in|for|on)\b.*)?)?$",
    re.IGNORECASE,
)
# words ending in -ing that start a requirement without being an action
_NOT_VERBS = {"nothing", "everything", "something", "anything", "heading", "listing", "setting", "string"}
_TRAILING = re.compile(r"\b(?:after|when|once|upon)\b(?P<clause>.+)$", re.IGNORECASE)


def _subject(fragment: str, text: QuotedText) -> Subject | None:
    match = _SUBJECT.match(fragment.strip())
    if match is None:
        return None
    quoted = text.quotes[int(match[1])] if match[1] is not None else ""
    words = " ".join(w for w in match["words"].split() if w.lower() not in _ARTICLES)
    if not (words or quoted):
        return None
    kind = _KINDS.get((match["kind"] or "").lower(), "")
    return Subject(words=words, kind=kind, quoted=quoted, qualifier=(match["qualifier"] or "").strip())


# Verbs that usually start an outcome, with the forms of them the recognizers above accept.
_OUTCOME_VERBS = {
    "show": '"shows <text>", "shows it", "shows 3 items", "shows only …", "shows an error"',
    "display": '"displays <text>", "displays it", "displays 3 items", "displays only …"',
    "remove": '"removes it", "removes them"',
    "delete": '"deletes it", "deletes them"',
    "open": '"opens /<path>", "opens the … page", "opens its own page"',
    "contain": '"contains <text>", "contains it"',
    "become": '"becomes disabled/enabled/checked/unchecked/hidden/visible/empty"',
    "stay": '"stays disabled/enabled until …", "stays hidden/visible/…"',
    "remain": '"remains disabled/enabled/checked/unchecked/hidden/visible/empty"',
    "mark": "",
    "update": "",
}
# where an outcome is announced when no verb of ours starts it: "Then …", "… → …", "… should …"
_OUTCOME_MARK = re.compile(r"\bthen\b|→|->|\b(?:should|must)\b(?:\s+be\b)?", re.IGNORECASE)
_OUTCOME_VERB = re.compile(rf"\b(?P<stem>{'|'.join(_OUTCOME_VERBS)})(?:s|es|ed|ing)?\b", re.IGNORECASE)


def _unread_outcome(text: QuotedText) -> str:
    """Why no outcome was read: the words that look like one, and the forms of that verb understood."""
    found = _OUTCOME_VERB.search(text.text)
    if found is None:
        mark = _OUTCOME_MARK.search(text.text)
        words = text.unmask(" ".join(text.text[mark.end() :].split()[:6])) if mark else ""
        if not words:
            return "no words in it say what a user should see happen afterwards"
        return f'"{words}" is not an outcome the generator understands'
    clause = re.split(r"[,;]|\b(?:and|then|after|when|once)\b", text.text[found.start() :])[0]
    phrase = text.unmask(" ".join(clause.split()[:6]))
    forms = _OUTCOME_VERBS[found["stem"].lower()]
    understood = f"; the forms of it that are understood: {forms}" if forms else ""
    return f'"{phrase}" is not an outcome the generator understands{understood}'


def read(requirement: str) -> Reading:
    """The requirement's actions, subject and outcome, or a Reading whose `unread` says why not."""
    text = mask(requirement)
    split = _split(text)
    if split is None:
        if SUBJECTIVE.search(text.text):
            return Reading(unread="it names a subjective quality, not something a user can see happen")
        return Reading(unread=_unread_outcome(text))
    start, match, recognizer = split
    before = text.text[:start]
    # "… shows "3 items" after adding three items": the trailing clause happens first
    trailing = _TRAILING.search(text.text, match.start() + 1)
    outcome_text = QuotedText(text.text[start : trailing.start() if trailing else None], text.quotes)
    outcome_match = match.re.match(outcome_text.text) or match
    outcome = recognizer(outcome_match, outcome_text)
    trailing_actions = read_actions(trailing["clause"], text) if trailing else []
    if trailing and not trailing_actions:
        # dropping the condition would test the outcome without it: a false finding on a correct page
        return Reading(
            unread=f'the condition "{trailing["clause"].strip()}" is not an action the generator can perform'
        )
    actions = read_actions(before, text) + trailing_actions
    verb = re.match(r"\s*(\w+ing)\b", before)
    if verb and not read_actions(before, text) and verb[1].lower() not in _NOT_VERBS:
        # an action nobody recognised would silently be left out, and the test would check the wrong thing
        phrase = text.unmask(" ".join(before.split()[:4]))
        return Reading(unread=f'"{phrase}" is not an action the generator can perform')
    subject = None if read_actions(before, text) else _subject(before, text)
    if isinstance(outcome, NotAdded) and re.search(r"\b(?:empty|blank)\b", before, re.IGNORECASE):
        actions, subject = [Add(empty=True), *actions], None
    return Reading(actions=tuple(actions), subject=subject, outcomes=(outcome,))
