"""Reads a plain-language UI requirement as beats: actions and checks in the order they happen.

The requirement's shape comes first: a story's acceptance criterion, Given/When/Then lines,
"action → outcome", claims joined by ";". Quoted strings are pulled out (texts to type or to see) and
replaced by «0», «1»…; in each claim the first outcome phrase splits what is done (before it, and in a
leading "if …," or trailing "after …" clause) from what must be seen, and outcomes joined by "and" or
commas follow one another. Nothing here knows the page: resolving words to elements, and checking named
items against what recon saw, is the planner's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from vocabulary.claims import (
    VERB_KIND,
    Action,
    Add,
    Amount,
    Amounts,
    Beat,
    Choose,
    Clear,
    Cleared,
    Click,
    Complete,
    CountIs,
    Delete,
    DoubleClick,
    EveryItemHas,
    EveryItemShows,
    Expect,
    Fill,
    FillAll,
    Gate,
    GoBack,
    GoesTo,
    HasControls,
    HasType,
    HeadingIs,
    HidesItems,
    HidesText,
    InRegion,
    ItemsAre,
    Listed,
    Login,
    MasksInput,
    NotAdded,
    NotListed,
    Offers,
    OnCounter,
    Only,
    Open,
    OpensOwnPage,
    OthersHidden,
    Outcome,
    Persists,
    Press,
    Reading,
    Reload,
    Removed,
    Rename,
    Search,
    SetChecked,
    SetTo,
    ShowsEntry,
    ShowsError,
    ShowsText,
    ShowsTexts,
    SortedBy,
    State,
    Subject,
    Submit,
    TitleIs,
    UrlChanges,
)

_QUOTED = re.compile(r'`([^`]*)`|"([^"]*)"|“([^”]*)”')
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
        quotes.append(next(g for g in match.groups() if g is not None))
        return f"«{len(quotes) - 1}»"

    return QuotedText(_QUOTED.sub(keep, text.strip().rstrip(".")), tuple(quotes))


# --- recognizers: each matches one kind of phrase ----------------------------------------------------------

_WORD = r"[\w'-]+"
_VALUE = rf"(?:{_SLOT}|{_WORD})"
_NOUN = r"(?:items?|entries|entry|tasks?|todos?|to-dos?|products?|results?|rows?|records?|notes?|things?)"
# a name written without quotes: capitalised words ("Desk Lamp", "USB-C Cable"), matched whatever the flags
_NAME = r"(?-i:[A-Z0-9$])[\w$.-]*(?:\s+(?-i:[A-Z0-9$])[\w$.-]*)*"
_NAMES = rf"(?:{_SLOT}|{_NAME})(?:\s*(?:,|/|\band\b|,\s*and\b)\s*(?:{_SLOT}|{_NAME}))*"
# where the words naming a field end
_FIELD_END = (
    r"(?=\s*(?:[,;:]|$|\b(?:and|then|only|also|again|should|must|makes?|lists?|shows?|displays?|adds?|is|are|"
    r"the)\b))"
)
_FIELD = (
    rf"(?:the\s+)?(?:{_SLOT}|(?P<field>(?:(?!\binto?\b)[\w -])+?))(?:\s+(?:field|box|input))?{_FIELD_END}"
)

ActionRecognizer = Callable[[re.Match[str], QuotedText], "Action | tuple[Action, ...]"]
_ACTIONS: list[tuple[re.Pattern[str], ActionRecognizer]] = []


def _action(pattern: str) -> Callable[[ActionRecognizer], ActionRecognizer]:
    def register(recognizer: ActionRecognizer) -> ActionRecognizer:
        _ACTIONS.append((re.compile(pattern, re.IGNORECASE), recognizer))
        return recognizer

    return register


def names(fragment: str, text: QuotedText) -> tuple[str, ...]:
    """The names in a list written "A, B and C" or "A / B / C", quoted or not."""
    parts = re.split(r"\s*(?:,\s*and\b|,|/|\band\b)\s*", fragment.strip())
    return tuple(text.slot(part) for part in parts if part.strip())


def _field_words(match: re.Match[str], text: QuotedText) -> str:
    """The words naming the field, or its quoted name (the last quote in the phrase)."""
    return match["field"] or text.quotes[int(re.findall(_SLOT, match[0])[-1])]


# a username or password written without quotes, but not a word of the sentence around it
_CRED = rf"(?:{_SLOT}|(?!(?:and|or|is|are|has|have|was|were|fields?|both|the|a|an|with)\b){_WORD})"
_SIGN_IN = r"(?:(?:log(?:s|ging|ged)?|sign(?:s|ing|ed)?)\s*(?:in|on)|submit(?:s|ting)?)"


@_action(
    rf"\b(?:{_SIGN_IN}\s+(?:with\s+|as\s+)?|as\s+)(?P<user>{_CRED})\s*/\s*(?P<password>{_CRED})"
    rf"|\b(?P<user2>{_CRED})\s*/\s*(?P<password2>{_CRED})\s+(?:is|are|gets?)\s+(?:rejected|refused|accepted)"
)
def _login(match: re.Match[str], text: QuotedText) -> Action:
    user, password = match["user"] or match["user2"], match["password"] or match["password2"]
    return Login(user=text.slot(user), password=text.slot(password))


@_action(
    rf"\b(?:with\s+)?(?:the\s+)?(?:username|user\s*name|login)\s+(?:is\s+)?(?P<user>{_CRED})\s*"
    rf"(?:,|\band\b|\bwith\b)?\s*(?:the\s+|a\s+)?password\s+(?:is\s+)?(?P<password>{_CRED})"
    rf"|\bas\s+(?P<user2>{_CRED})\s+with\s+(?:the\s+|a\s+)?(?:right\s+|correct\s+|valid\s+)?password\s+"
    rf"(?P<password2>{_CRED})"
)
def _login_named(match: re.Match[str], text: QuotedText) -> Action:
    user, password = match["user"] or match["user2"], match["password"] or match["password2"]
    return Login(user=text.slot(user), password=text.slot(password))


@_action(
    r"\b(?:wrong|invalid|incorrect|bad|unknown)\s+(?:credentials|password|username|user\s*name|login)\b"
    rf"(?:\s*,?\s*(?:for\s+example|e\.g\.|say|such\s+as|like)\s+(?P<user>{_CRED})\s+with\s+"
    rf"(?P<password>{_CRED}))?"
)
def _wrong_login(match: re.Match[str], text: QuotedText) -> Action:
    if match["user"]:
        return Login(user=text.slot(match["user"]), password=text.slot(match["password"]))
    return Login(wrong=True)


@_action(rf"\b(?:{_SIGN_IN})\s+(?:with|as)\s+(?P<user>{_CRED})\s+and\s+an?\s+(?:wrong|incorrect|invalid|bad)\s+"
         r"password\b")  # fmt: skip
def _wrong_password_of(match: re.Match[str], text: QuotedText) -> Action:
    return Login(user=text.slot(match["user"]), wrong=True)


@_action(
    rf"\bsearch(?:ing|es)?\s+(?:for\s+)?(?P<query>{_SLOT}|(?!(?:term|query|box|field|bar|results?|for|word)\b)"
    rf"{_WORD})"
    rf"|\bsearch\s+(?:term|query|word|text)\b[^«;→]*?(?:e\.g\.|for\s+example|try|such\s+as|say)\s*,?\s*"
    rf"(?P<example>{_VALUE})"
    rf"|\bfilter(?:s|ing)?\s+(?:the\s+)?[\w ]*?\bwith\s+(?:the\s+)?(?:word|text|term)\s+(?P<word>{_VALUE})"
)
def _search(match: re.Match[str], text: QuotedText) -> Action:
    return Search(text.slot(match["query"] or match["example"] or match["word"]))


_ON_THE_LIST = r"(?:listed|on\s+the\s+list|in\s+the\s+list)"


@_action(
    rf"\b(?:add(?:ing|s)?|creat(?:e|es|ing)|put(?:s|ting)?)\s+{_NUMBER}\s+(?:new\s+)?{_NOUN}\b"
    rf"|\b{_NUMBER}\s+additions?\b"
    rf"|\bwith\s+(?:exactly\s+)?{_NUMBER}\s+{_NOUN}(?:\s+{_ON_THE_LIST})?"
)
def _add_many(match: re.Match[str], text: QuotedText) -> Action:
    return Add(count=number(next(g for g in match.groups() if g)))


_SLOTS = rf"{_SLOT}(?:\s*(?:,|\band\b|,\s*and\b)\s*{_SLOT})*"


@_action(
    rf"\b(?:add(?:ing|s)?|creat(?:e|es|ing))\s+(?P<values>{_SLOTS})"
    rf"|\bwith\s+(?P<listed>{_SLOTS})\s+{_ON_THE_LIST}"
    rf"|(?P<passive>{_SLOTS})\s+(?:is|are|has\s+been|have\s+been|was|were|gets?)\s+(?:already\s+)?added"
)
def _add(match: re.Match[str], text: QuotedText) -> Action:
    slots = re.findall(_SLOT, match["values"] or match["listed"] or match["passive"])
    return Add(texts=tuple(text.quotes[int(s)] for s in slots), count=len(slots))


@_action(
    rf"\b(?:delet(?:e|es|ing)|remov(?:e|es|ing))\s+(?:(?:(?:an?|the|one|any)\s+)?(?:{_SLOT}|{_NOUN})"
    r"|(?:an?|one|any)\s+[\w-]+)"  # "a chore", "one booking": any one of the items, whatever they are called
    rf"(?:\s+from\s+(?:a\s+list\s+of\s+|the\s+list\s+of\s+)?(?P<among>{_NAMES}))?"
)
def _delete(match: re.Match[str], text: QuotedText) -> Action | tuple[Action, ...]:
    target = text.quotes[int(match[1])] if match[1] else ""
    if match["among"]:
        listed = names(match["among"], text)
        return (Add(texts=listed, count=len(listed)), Delete(target))
    return Delete(target)


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


@_action(
    rf"\b(?:choos(?:e|es|ing)|select(?:s|ing)?|pick(?:s|ing)?)\s+(?:the\s+)?(?P<hint>[\w ]*?)\s*{_SLOT}"
    rf"(?:\s+(?:in|from)\s+the\s+(?P<after>[\w ]+?)(?:\s+(?:dropdown|select|menu|list|filter)))?"
    rf"|\bfilter(?:s|ing)?\s+by\s+(?:the\s+)?(?P<value>{_VALUE})\s+(?P<kind>[\w-]+)"
    rf"|\b(?:choos(?:e|es|ing)|select(?:s|ing)?|pick(?:s|ing)?)\s+(?:the\s+)?(?P<named>{_NAME})\s+(?P<kind2>[\w-]+)"
)
def _choose(match: re.Match[str], text: QuotedText) -> Action:
    if match["value"] or match["named"]:
        return Choose(
            option=text.slot(match["value"] or match["named"]), hint=match["kind"] or match["kind2"]
        )
    hint = (match["hint"] or match["after"] or "").strip()
    return Choose(option=text.quotes[int(match[2])], hint=hint)


@_action(rf"\bsort(?:s|ing|ed)?\s+(?:the\s+[\w-]+\s+)?by\s+{_SLOT}")
def _sort(match: re.Match[str], text: QuotedText) -> Action:
    return Choose(option=text.quotes[int(match[1])], hint="sort")


@_action(
    rf"\b(?P<target>(?-i:[A-Z])[\w-]*(?:\s+[\w-]+)?)\s*=\s*(?P<value>{_SLOT}|[\w$.-]+)"
    rf"|\b(?:set(?:s|ting)?|switch(?:es|ing)?|turn(?:s|ing)?)\s+(?:the\s+)?(?P<target2>[\w -]+?)\s+"
    rf"(?:back\s+)?to\s+(?P<value2>{_SLOT}|[\w-]+)"
)
def _set_to(match: re.Match[str], text: QuotedText) -> Action:
    return SetTo(
        target=match["target"] or match["target2"], value=text.slot(match["value"] or match["value2"])
    )


@_action(
    r"(?:\b(?:press(?:es|ing)?|hit(?:s|ting)?)\s+(?:the\s+)?|^\s*(?:the\s+)?(?=\w+\s+key\b))"
    rf"(?P<key>enter|return|escape|esc|tab)\b(?:\s+key)?(?:\s+(?:in|into)\s+{_FIELD})?"
)
def _press(match: re.Match[str], text: QuotedText) -> Action:
    key = match["key"].lower()
    in_field = _field_words(match, text) if match["field"] or re.search(_SLOT, match[0]) else ""
    return Press({"return": "Enter", "esc": "Escape"}.get(key, key.capitalize()), in_field)


_CLICK = r"(?:click(?:s|ing|ed)?|press(?:es|ing)?|hit(?:s|ting)?|tap(?:s|ping)?|follow(?:s|ing)?)"
# the item a per-item control is used in: "of "Buy milk"", "next to Desk Lamp", "in the Desk Lamp row"
_WITHIN = (
    rf"(?:\s+(?:of|next\s+to|beside|for|on|in)\s+(?:the\s+)?(?:(?P<any>an?|one|any|each)\s+[\w-]+"
    rf"|{_SLOT}|(?P<within>{_NAME}))(?:'s)?(?:\s+(?:row|item|entry|line))?)?"
)


@_action(
    rf"\b{_CLICK}\s+(?:on\s+)?(?:the\s+)?(?:{_SLOT}|(?P<word>(?-i:[A-Z])[\w-]*(?:\s+(?:in|out|up))?))"
    rf"(?:\s+(?P<kind>button|link|tab))?{_WITHIN}"
    rf"|^\s*{_SLOT}(?:\s+(?P<kind2>button|link))?\s+(?:on|of|for|in|next\s+to|beside)\s+(?P<any2>an?|one|any|each|a\s+\w+)\b"
)
def _click(match: re.Match[str], text: QuotedText) -> Action:
    slots = [text.quotes[int(s)] for s in re.findall(_SLOT, match[0])]
    label = match["word"] or slots.pop(0)
    within = match["within"] or (slots[0] if slots else "")
    return Click(label, match["kind"] or match["kind2"] or "", within)


@_action(
    rf"\b(?:enter(?:s|ing)?|typ(?:e|es|ing)|fill(?:s|ing)?(?:\s+in)?|put(?:s|ting)?)\s+"
    rf"(?:{_SLOT}|(?P<spaces>{_NUMBER})\s+spaces)(?:\s+[\w-]+){{0,3}}?\s+(?:in|into)\s+{_FIELD}"
)
def _fill(match: re.Match[str], text: QuotedText) -> Action:
    value = " " * number(match["spaces"]) if match["spaces"] else text.quotes[int(match[1])]
    return Fill(value=value, field_words=_field_words(match, text))


@_action(rf"\b(?:enter(?:s|ing)?|typ(?:e|es|ing)|and)\s+{_SLOT}\s+as\s+{_FIELD}")
def _fill_as(match: re.Match[str], text: QuotedText) -> Action:
    return Fill(value=text.quotes[int(match[1])], field_words=_field_words(match, text))


@_action(rf"\b(?:with|and)\s+(?:{_SLOT}|(?P<spaces>{_NUMBER})\s+spaces)\s+in\s+{_FIELD}")
def _fill_with(match: re.Match[str], text: QuotedText) -> Action:
    value = " " * number(match["spaces"]) if match["spaces"] else text.quotes[int(match[1])]
    return Fill(value=value, field_words=_field_words(match, text))


@_action(
    rf"\b(?:emptying|empty\s+the|clear(?:s|ing)?|eras(?:e|es|ing))\s+{_FIELD}"
    rf"|\b(?:the\s+)?(?P<erased>[\w-]+)(?:\s+(?:field|box|input))?\s+is\s+(?:erased|cleared|emptied|deleted)"
)
def _clear(match: re.Match[str], text: QuotedText) -> Action:
    return Clear(match["erased"] or _field_words(match, text))


@_action(
    r"\b(?:both|all|every)(?:\s+(?:fields?|of\s+them))?\s+(?:were|are|is|have\s+been|has\s+been)\s+"
    r"(?:filled(?:\s+in)?|non-?empty|entered)"
    r"|\b(?:both|all)(?:\s+(?:fields|of\s+them))?\s+(?:have|contain|hold)\s+(?:text|something|a\s+value|values)"
)
def _fill_all(match: re.Match[str], text: QuotedText) -> Action:
    return FillAll()


@_action(
    rf"\b(?P<verb>un)?(?:check(?:s|ing)?|tick(?:s|ing)?)\s+(?:the\s+)?(?:{_SLOT}|(?P<words>[\w ]+?))\s+"
    r"(?:checkbox|box|option)"
)
def _check(match: re.Match[str], text: QuotedText) -> Action:
    label = text.quotes[int(match[2])] if match[2] else match["words"]
    return SetChecked(label=label, checked=not match["verb"])


@_action(
    r"\b(?:reload(?:s|ing|ed)?|refresh(?:es|ing|ed)?)\s+(?:the\s+)?(?:page|browser|tab)\b"
    r"|\b(?:page|browser)\s+(?:is\s+)?(?:reloaded|refreshed)\b|\b(?:a|the)\s+(?:page\s+)?(?:reload|refresh)\b"
)
def _reload(match: re.Match[str], text: QuotedText) -> Action:
    return Reload()


@_action(rf"\bdouble[- ]?click(?:s|ing|ed)?\s+(?:on\s+)?(?:the\s+)?(?:{_SLOT}|(?P<name>{_NAME}))")
def _double_click(match: re.Match[str], text: QuotedText) -> Action:
    return DoubleClick(match["name"] or text.quotes[int(match[1])])


@_action(r"\b(?:go(?:es|ing)?|navigat(?:e|es|ing))\s+back\b")
def _go_back(match: re.Match[str], text: QuotedText) -> Action:
    return GoBack()


@_action(
    rf"\b(?:open(?:ing)?|go(?:ing)?\s+to|navigat(?:e|ing)\s+to|visit(?:ing)?)\s+{_SLOT}"
    r"|\bpage\s+of\s+[\w ]+?,\s*(?P<path>/[\w/.-]*)"
)
def _open(match: re.Match[str], text: QuotedText) -> Action:
    return Open(match["path"] or text.quotes[int(match[1])])


@_action(r"\bsubmit(?:s|ting)?\s+(?:the\s+)?(?:form|it)\b|^\s*submit\b|\bon\s+submit\b")
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
            found = recognizer(match, text)
            kept += found if isinstance(found, tuple) else [found]
            end = match.end()
    # "sign in with demo / secret on submit": the sign-in already sends the form
    kept = [
        a
        for i, a in enumerate(kept)
        if not (isinstance(a, Submit) and i and isinstance(kept[i - 1], Login | Add))
    ]
    return _empty_submits(kept, fragment, text)


_NOTHING_TYPED = re.compile(
    r"\b(?:empty|blank|nothing\s+(?:typed|entered|in\s+it)|without\s+typing)\b", re.IGNORECASE
)
_FIELD_NOUN = r"(?:\s+(?:field|box|input|textbox))?"
_EMPTY_NAMED = r"«\d+»|[\w-]+(?:\s+[\w-]+){0,2}?"
# "with an empty Email", "with the Subject field left blank", "leaving Last name empty"
_LEFT_EMPTY = re.compile(
    rf"\bwith\s+(?:an?|the)\s+(?:empty|blank)\s+(?P<before>{_EMPTY_NAMED}){_FIELD_NOUN}{_FIELD_END}"
    rf"|\b(?:with|leaving)\s+(?:the\s+)?(?P<after>{_EMPTY_NAMED}){_FIELD_NOUN}\s+(?:left\s+)?(?:empty|blank)\b",
    re.IGNORECASE,
)
# words that name no particular field: "with the field empty", "with an empty entry"
_NO_FIELD_NAMED = {"field", "box", "input", "textbox", "form", "it", "entry", "item", "value", "text", "one"}


def _left_empty(fragment: str, text: QuotedText) -> str:
    """The field the fragment says is left empty, when it names one ("with an empty Email")."""
    match = _LEFT_EMPTY.search(fragment)
    named = text.slot(match["before"] or match["after"]) if match else ""
    return "" if named.lower() in _NO_FIELD_NAMED else named


def _empty_submits(actions: list[Action], fragment: str, text: QuotedText) -> list[Action]:
    """A click or submit with nothing typed ("pressing Add with the field empty") is an empty add."""
    if not _NOTHING_TYPED.search(fragment) or any(isinstance(a, Fill | Add | Login) for a in actions):
        return actions
    named = _left_empty(fragment, text)
    return [
        Add(texts=_blank(fragment), empty=True, left_empty=named, sent_by=a if named else None)
        if isinstance(a, Click | Submit)
        else a
        for a in actions
    ]


def _blank(fragment: str) -> tuple[str, ...]:
    """What an "empty" entry is typed as: nothing, or spaces when the requirement says so."""
    return ("   ",) if re.search(r"\bspaces\b", fragment, re.IGNORECASE) else ()


def _last_action_end(fragment: str) -> int:
    """Where the last action phrase in the fragment ends (0 when there is none)."""
    ends = [m.end() for pattern, _ in _ACTIONS for m in pattern.finditer(fragment)]
    return max(ends, default=0)


# --- outcome recognizers: a pattern at the split point and what it means --------------------------------

OutcomeRecognizer = Callable[[re.Match[str], QuotedText], Outcome]
_OUTCOMES: list[tuple[re.Pattern[str], OutcomeRecognizer]] = []


def _outcome(pattern: str) -> Callable[[OutcomeRecognizer], OutcomeRecognizer]:
    def register(recognizer: OutcomeRecognizer) -> OutcomeRecognizer:
        _OUTCOMES.append((re.compile(pattern, re.IGNORECASE), recognizer))
        return recognizer

    return register


_SHOW = r"(?:shows?|displays?|lists?|presents?)"
_STATES = r"disabled|enabled|checked|unchecked|hidden|visible|empty"
_STILL = r"(?:(?:still|again|now|also|then|back|only)\s+)?"


@_outcome(r"\bstays?\s+(?P<state>disabled|enabled)\s+until\s+(?P<condition>.+)$")
def _gate(match: re.Match[str], text: QuotedText) -> Outcome:
    return Gate(state=match["state"].lower(), condition=text.unmask(match["condition"]))


# "disabled while Username or Password is empty", "disabled as long as either field is blank"
@_outcome(
    r"\b(?:is\s+|stays?\s+|remains?\s+)?(?P<state>disabled|enabled|greyed\s+out)\s*,?\s*(?:disabled\s*,?\s*)?"
    r"(?:while|as\s+long\s+as|whenever|when|with)\s+(?P<condition>(?:either|any|one\s+of)?[^;]*?)\s+"
    r"(?:is|are|has\s+been|stays?)?\s*(?:empty|blank|not\s+filled(?:\s+in)?)\b"
    r"|\bwith\s+(?:either|any|one)\s+field\s+(?:empty|blank)\s*,?\s*(?:the\s+)?(?:[\w ]+?\s+)?is\s+"
    r"(?P<state2>disabled)"
)
def _gate_while_empty(match: re.Match[str], text: QuotedText) -> Outcome:
    condition = text.unmask(match["condition"] or "")
    named = re.sub(r"\b(?:either|any|one\s+of|or|only)\b", " and ", condition)
    fields = "all fields" if not named.strip() or re.search(r"\bfields?\b", named) else named
    return Gate(state="disabled", condition=fields)


@_outcome(
    r"\b(?:is\s+)?(?:disabled|greyed\s+out)\b[^;]*?\bwhile\s+only\s+one\s+of\s+(?P<condition>[^;]+?)\s+"
    r"(?:has\s+been|is|was)\s+(?:entered|filled(?:\s+in)?|typed)"
)
def _gate_while_partial(match: re.Match[str], text: QuotedText) -> Outcome:
    return Gate(state="disabled", condition=text.unmask(match["condition"]))


@_outcome(r"\b(?:clears?|removes?|hides?)\s+the\s+(?P<what>error|message|alert|warning|greeting|notice)\b")
def _cleared(match: re.Match[str], text: QuotedText) -> Outcome:
    return Cleared(match["what"].lower())


@_outcome(r"^\s*(?P<state>disabled|enabled)\b")
def _bare_state(match: re.Match[str], text: QuotedText) -> Outcome:
    return State(match["state"].lower())


@_outcome(
    r"\b(?:masks?|hides?|obscures?)\s+(?:its|the|what)\s+(?:input|value|text|characters|typed|is\s+typed)\b"
    r"|\bis\s+masked\b|\b(?:characters|input|text)\s+(?:are\s+|is\s+)?(?:obscured|masked|hidden)\b"
    r"|\bpassword[- ]type\s+(?:field|input)\b|\bproper\s+password\s+(?:input|field)\b"
    r"|\bmust\s+not\s+be\s+readable\b|\btype\s*=\s*password\b"
)
def _masked(match: re.Match[str], text: QuotedText) -> Outcome:
    return MasksInput()


@_outcome(r"\b(?:is|are)\s+an?\s+(?:ordinary\s+|plain\s+|normal\s+)?(?P<type>text|email|number|search|tel|url)\s+"
          r"(?:input|field|box)\b")  # fmt: skip
def _has_type(match: re.Match[str], text: QuotedText) -> Outcome:
    return HasType(match["type"].lower())


@_outcome(
    r"\b(?:cannot|can't|can\s+not|must\s+not|should\s+not|is\s+not|isn't)\s+(?:be\s+)?"
    r"(?:added|submitted|saved|created)\b"
    r"|\badds?\s+(?:no\s+(?:new\s+)?(?:entry|item|row|task)|nothing)\b|\bnothing\s+(?:is|gets|was)\s+added\b"
    r"|\b(?:should|must|will)\s+do\s+nothing\b"
    r"|\bno\s+(?:empty\s+|blank\s+|new\s+)?(?:row|entry|item)s?\s+(?:may|should|must|will|does)?\s*"
    r"(?:show\s+up|appear|be\s+added)"
)
def _not_added(match: re.Match[str], text: QuotedText) -> Outcome:
    return NotAdded()


@_outcome(
    rf"\b{_SHOW}\s+only\s+(?:(?:matching|relevant)\s+)?(?P<noun>[\w-]+)(?:\s+(?:whose|with|that|which|where)\b.*?"
    rf"\b(?:contains?|containing|includes?|matching|match(?:es)?)\s+(?P<word>{_VALUE}))?"
    rf"|\bonly\s+(?P<noun2>[\w-]+)\s+of\s+(?:the\s+)?(?:[\w-]+\s+)?(?P<word2>{_VALUE})\s+(?:are\s+|is\s+)?"
    r"(?:visible|shown|listed|left)"
)
def _only(match: re.Match[str], text: QuotedText) -> Outcome:
    word = match["word"] or match["word2"]
    return Only(noun=(match["noun"] or match["noun2"]).lower(), word=text.slot(word) if word else "")


_ONLY_TAIL = (
    r"(?P<tail>\s+only\b|\s*(?:,\s*|\s+)and\s+(?:nothing|none|no\s+other|no\s+one)\s*(?:else|other)?\b"
    r"|\s*(?:,\s*|\s+)and\s+hides?\s+(?:every|all|each|any)\s+other\b)?"
)


@_outcome(
    rf"\b(?:lists?|shows?|displays?|leaves?|narrows?\s+(?:the\s+)?(?:[\w-]+\s+)?(?:list\s+)?(?:down\s+)?to)\s+"
    rf"(?P<only>only\s+|just\s+|exactly\s+)?(?:the\s+{_NUMBER}\s+[\w-]+\s*,?\s*)?(?P<names>{_NAMES}){_ONLY_TAIL}"
    rf"|\b[\w-]+\s+(?:shown|listed|visible|left)\s+are\s+(?P<exact>{_NAMES})"
    rf"|\bonly\s+(?P<exact2>{_NAMES})\s+(?:is|are)\s+(?:listed|shown|visible|left)"
    rf"|(?:\bresults?\s+|^\s*)(?P<exact3>{_NAMES})\s+only\b"
    rf"|^\s*exactly\s+(?P<exact4>{_NAMES})"
    rf"|(?P<exact5>{_NAMES})\s+(?:is|are)\s+the\s+only\s+[\w-]+"
    rf"|\blist\s+reads\s+(?P<ordered>{_NAME}(?:\s*,\s*{_NAME})+)"
)
def _items_are(match: re.Match[str], text: QuotedText) -> Outcome:
    exact = next(
        (match[g] for g in ("exact", "exact2", "exact3", "exact4", "exact5", "ordered") if match[g]), ""
    )
    if exact:
        return ItemsAre(names(exact, text), only=True, ordered=bool(match["ordered"]))
    listed = names(match["names"], text)
    only = bool(match["only"] or match["tail"] or re.match(r"narrow", match[0], re.IGNORECASE))
    quoted = re.fullmatch(rf"{_SLOT}(?:\s*(?:,|/|\band\b)\s*{_SLOT})*", match["names"].strip())
    if quoted and not only and len(listed) > 1:
        return ShowsTexts(listed)  # "shows "Category: Books" and "Price: $34.50"": texts, wherever they are
    if len(listed) == 1 and not only:
        return ShowsText(listed[0], _place(text, match.end())) if quoted else Listed(listed[0])
    return ItemsAre(listed, only=only)


@_outcome(
    r"\b(?:all|every|any)\s+other\s+[\w-]+\s+(?:is\s+|are\s+)?(?:hidden|not\s+shown)"
    r"|\bno\s+other\s+[\w-]+\s+(?:is\s+|are\s+)?(?:shown|listed|visible|left)"
    r"|\bhides?\s+(?:every|all|each|any)(?:thing)?\s*(?:other|else)\b|^\s*(?:and\s+)?nothing\s+else\b"
)
def _others_hidden(match: re.Match[str], text: QuotedText) -> Outcome:
    return OthersHidden()


_GROUP = (
    r"(?:the\s+)?(?!(?:every|all|each|any|other|it|them|so|then|but|while|because|which)\b)[a-z][\w-]*"
    r"(?:\s+(?:items?|products?|entries|things))?"
)


@_outcome(
    r"\b(?:each|every|all)\s+(?:[\w-]+\s+)?(?:rows?|items?|entr(?:y|ies)|cards?|products?|results?)\s+"
    rf"(?:has|have|shows?|contains?|holds?)\s+(?:an?|its\s+own)\s+(?:{_SLOT}|(?P<name>{_NAME}))\s+"
    r"(?P<kind>link|button|checkbox)\b"
)
def _every_item_has(match: re.Match[str], text: QuotedText) -> Outcome:
    return EveryItemHas(match["kind"].lower(), match["name"] or text.quotes[int(match[1])])


_ATTRIBUTE = r"(?:its|their)\s+(?!own\b)[a-z][\w-]*(?!\s+(?:link|button|checkbox)\b)"
_PLACE = r"(?:next\s+to|beside|alongside|below|under(?:neath)?|above|after|before|in|inside|within)"


@_outcome(
    r"\b(?:each|every|all)\s+(?:[\w-]+\s+)?(?:rows?|items?|entr(?:y|ies)|cards?|products?|results?|books?)\s+"
    rf"(?:shows?|displays?|has|have|lists?|includes?|contains?)\s+"
    rf"(?P<attributes>{_ATTRIBUTE}(?:\s*(?:,\s*(?:and\s+)?|\band\s+){_ATTRIBUTE})*)"
    rf"(?:\s+(?P<place>{_PLACE}\s+(?:the\s+|its\s+|their\s+)?[\w-]+))?"
)
def _every_item_shows(match: re.Match[str], text: QuotedText) -> Outcome:
    attributes = re.findall(r"\b(?:its|their)\s+([\w-]+)", match["attributes"], re.IGNORECASE)
    beside = " ".join((match["place"] or "").split())
    return EveryItemShows(tuple(a.lower() for a in attributes), beside=beside)


@_outcome(
    r"\b(?:persists?|survives?|(?:is|are)\s+(?:kept|remembered|saved)|(?:stays?|remains?)\s+(?:listed|there))\b"
    r"(?=[^;]*\b(?:reload|refresh|reloading|refreshing|reloaded|refreshed)\b)"
)
def _persists(match: re.Match[str], text: QuotedText) -> Outcome:
    return Persists()


@_outcome(
    rf"{_SLOT}(?:\s+[\w-]+)?\s+(?:is|appears|shows)\s+(?:up\s+)?in\s+(?:an?|the)\s+(?P<role>alert|status|log)\s+"
    r"(?:region|area|role)\b"
)
def _in_region(match: re.Match[str], text: QuotedText) -> Outcome:
    return InRegion(text.quotes[int(match[1])], match["role"].lower())


@_outcome(rf"\bhides?\s+(?P<groups>{_GROUP}(?:\s*(?:,|\band\b)\s*{_GROUP})*)")
def _hides_items(match: re.Match[str], text: QuotedText) -> Outcome:
    groups = names(match["groups"], text)
    return HidesItems(tuple(re.sub(r"^the\s+", "", g, flags=re.IGNORECASE) for g in groups))


@_outcome(
    rf"\bthe\s+{_NUMBER}\s+(?P<noun>[\w-]+)\s+(?:are|is)\s+the\s+only\s+[\w-]+\s+(?:left|shown|listed|remaining)"
)
def _the_only_ones(match: re.Match[str], text: QuotedText) -> Outcome:
    return CountIs(count=number(match[1]), noun=match["noun"].lower())


@_outcome(r"\b(?:lists?|shows?)\s+them\s+in\s+(?:exactly\s+)?(?:that|the\s+same)\s+order"
          r"|\b(?:listed|shown)\s+in\s+(?:exactly\s+)?(?:that|the\s+same)\s+order")  # fmt: skip
def _in_order(match: re.Match[str], text: QuotedText) -> Outcome:
    return ItemsAre((), ordered=True)


@_outcome(
    rf"\b(?:{_SHOW}|brings?)\s+(?:back\s+)?all\s+(?:the\s+)?{_NUMBER}\s+(?P<noun>[\w-]+)"
    rf"|\b(?:{_SHOW}|has|holds)\s+(?:still\s+)?(?P<zero>no)\s+(?P<noun2>{_NOUN})"
    rf"|\b(?P<zero2>no)\s+(?P<noun3>{_NOUN})\s+(?:is\s+|are\s+)?(?:shown|listed|visible|left)"
    rf"|\ball\s+(?:the\s+)?{_NUMBER}\s+(?P<noun6>[\w-]+)\s+(?:are\s+)?(?:shown|listed|visible)"
    r"(?P<in_order>\s+in\s+(?:exactly\s+)?(?:that|the\s+same|this)\s+order)?"
    rf"|\bnone\s+of\s+the\s+(?:{_NUMBER}\s+)?(?P<noun4>[\w-]+)\s+(?:remains?|is|are|stays?)\s+(?:listed|shown|visible)"
    rf"|\b{_SHOW}\s+(?P<count>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?P<noun5>{_NOUN})\b"
)
def _count(match: re.Match[str], text: QuotedText) -> Outcome:
    noun = next(match[g] for g in ("noun", "noun2", "noun3", "noun4", "noun5", "noun6") if match[g]).lower()
    if match["in_order"]:
        return ItemsAre(
            (), only=True, ordered=True
        )  # "all three entries are listed in that order": those added
    if match["noun"] or match["noun6"]:
        return CountIs(count=number(next(g for g in match.groups() if g)), noun=noun)
    if match["noun5"]:
        return CountIs(count=number(match["count"]), noun=noun)
    return CountIs(count=0, noun=noun)


_ORDER_VERB = r"(?:orders?|sorts?|arranges?|lists?|shows?|puts?)"
_LOW = r"lowest|smallest|cheapest|least\s+expensive|oldest|earliest|fewest|first"
_HIGH = r"highest|largest|biggest|dearest|most\s+expensive|newest|latest|most|last"


@_outcome(
    rf"\b{_ORDER_VERB}\s+(?:the\s+|its\s+|all\s+)?(?:[\w-]+\s+)?from\s+(?:the\s+)?(?P<from>{_LOW}|{_HIGH})\s+"
    rf"(?:(?P<first>[\w-]+)\s+)?to\s+(?:the\s+)?(?:{_LOW}|{_HIGH})(?:\s+(?P<attribute>[\w-]+))?"
    rf"|\b{_ORDER_VERB}\s+(?:the\s+|its\s+|all\s+)?(?:[\w-]+\s+)?by\s+(?:their\s+|its\s+)?(?P<by>[\w-]+)"
    r"(?:\s*,?\s*(?:in\s+)?(?P<way>reverse\s+|inverse\s+|descending\s+|ascending\s+)?"
    r"(?:alphabetical|alphabetic|numerical|numeric|ascending|descending|increasing|decreasing)?\s*order"
    r"|\s*,?\s*(?P<way2>ascending|descending|increasing|decreasing|from\s+a\s+to\s+z|from\s+z\s+to\s+a)"
    rf"|\s*,?\s*from\s+(?:the\s+)?(?P<from2>{_LOW}|{_HIGH})\s+to\s+(?:the\s+)?(?:{_LOW}|{_HIGH}))"
)
def _sorted_by(match: re.Match[str], text: QuotedText) -> Outcome:
    if match["from2"]:
        return SortedBy(match["by"].lower(), bool(re.fullmatch(_HIGH, match["from2"].lower())))
    if match["by"]:
        way = (match["way"] or match["way2"] or match[0]).lower()
        descending = bool(re.search(r"reverse|inverse|descending|decreasing|z\s+to\s+a", way))
        return SortedBy(match["by"].lower(), descending)
    attribute = (match["attribute"] or match["first"] or "").lower()
    return SortedBy(attribute, bool(re.fullmatch(_HIGH, match["from"].lower())))


_AMOUNT = (
    r"(?:the|an?|its)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?"
    r"(?:\s+of\s+(?:\d+(?:\.\d+)?\s*%|both|all|them|the\s+two|all\s+of\s+them))?"
)
_AMOUNT_JOINT = r"\s*,\s*(?:and\s+)?|\s+and\s+"
_ONE_AMOUNT = re.compile(
    r"(?:the|an?|its)\s+(?P<label>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)"
    r"(?:\s+of\s+(?:(?P<percent>\d+(?:\.\d+)?)\s*%|(?P<sums>both|all|them|the\s+two|all\s+of\s+them)))?$",
    re.IGNORECASE,
)


@_outcome(
    rf"\b{_SHOW}\s+(?=[^«]*\bof\s+(?:\d+(?:\.\d+)?\s*%|both|all|them|the\s+two)\b)"
    rf"(?P<amounts>{_AMOUNT}(?:(?:{_AMOUNT_JOINT}){_AMOUNT})+)\s*$"
)
def _amounts(match: re.Match[str], text: QuotedText) -> Outcome:
    parts = re.split(_AMOUNT_JOINT, match["amounts"].strip(), flags=re.IGNORECASE)
    amounts: list[Amount] = []
    for part in parts:
        found = _ONE_AMOUNT.match(part.strip())
        if found is None:
            raise _Unread(f'"{part}" is not an amount the generator understands')
        percent = float(found["percent"]) if found["percent"] else None
        amounts.append(Amount(found["label"].lower(), percent, bool(found["sums"])))
    return Amounts(tuple(amounts))


_COUNTER = r"(?P<counter>badge|counter|bubble|count|indicator)"
# the words naming what carries the counter ("the cart badge"), not an article ("the counter shows"), nor
# words that end with one ("… added the counter shows": the end of a clause before it)
_DETERMINER = r"(?:the|an?|its|their|this|that)\b"
_CARRIER = rf"(?!{_DETERMINER})[\w-]+(?:\s+(?!{_DETERMINER})[\w-]+)?"


@_outcome(
    rf"\b{_SHOW}\s+(?P<value>{_SLOT}|\d+)\s+(?:on|in|as)\s+(?:the\s+|its\s+)?(?P<words>{_CARRIER})\s+{_COUNTER}\b"
    rf"|\b(?:the\s+)?(?P<words2>{_CARRIER})\s+{_COUNTER.replace('counter>', 'counter2>')}\s+"
    rf"(?:shows?|reads?|displays?|says?|becomes?)\s+(?P<value2>{_SLOT}|\d+)"
)
def _on_counter(match: re.Match[str], text: QuotedText) -> Outcome:
    words = match["words"] or match["words2"]
    counter = match["counter"] or match["counter2"]
    return OnCounter(text.slot(match["value"] or match["value2"]), words.lower(), counter.lower())


@_outcome(rf"\b(?:number|count)\s+of\s+(?P<noun>[\w-]+)\s+(?:is|becomes|equals|reads)\s+{_NUMBER}\b")
def _number_of(match: re.Match[str], text: QuotedText) -> Outcome:
    return CountIs(count=number(match[2]), noun=match["noun"].lower())


@_outcome(r"\b(?:the\s+)?(?:url|address)\s+changes\b|\bchanges?\s+the\s+(?:url|address|page)\b")
def _url_changes(match: re.Match[str], text: QuotedText) -> Outcome:
    return UrlChanges()


@_outcome(
    rf"\b(?:{_SHOW}|contains?|appears?)\s+(?:it|them|the\s+new\s+\w+)\b"
    r"|\b(?:it|they)\s+(?:is|are)\s+(?:listed|shown|displayed)\b"
    r"|\b(?:typed|entered)\s+(?:text|value|entry)\s+(?:is|gets)\s+(?:added|listed|shown)\b"
)
def _shows_entry(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsEntry()


@_outcome(
    rf"\b(?:{_SHOW}|contains?|holds?|has|puts?)\s+(?:an?\s+|the\s+)?(?:entry|item|row|to-?do|task)\s+"
    rf"(?:with\s+the\s+text\s+|reading\s+|called\s+|named\s+)?{_SLOT}"
    rf"|\bmakes?\s+{_SLOT}\s+(?:appear|show\s+up)\s+(?:in|on)\s+the\s+(?:[\w-]+\s+)?list\b"
    rf"|{_SLOT}\s+(?:is|are)\s+(?:still\s+)?(?:there|listed|(?:in|on)\s+the\s+(?:[\w-]+\s+)?list)\b"
    rf"|\b{_SHOW}\s+{_SLOT}\s+(?P<times>twice|three\s+times|\d+\s+times)"
)
def _listed(match: re.Match[str], text: QuotedText) -> Outcome:
    slot = next(g for g in match.groups() if g is not None and g.isdigit())
    times = match["times"] or ""
    count = 2 if times.startswith("twice") else number(times.split()[0]) if times else 0
    return Listed(text.quotes[int(slot)], times=count)


@_outcome(
    rf"{_SLOT}\s+(?:is|are)\s+(?:no\s+longer|not)\s+(?:(?:in|on)\s+the\s+(?:[\w-]+\s+)?list|listed)\b"
    rf"|{_SLOT}\s+(?:disappears?|vanishes?)\b"
)
def _not_listed(match: re.Match[str], text: QuotedText) -> Outcome:
    return NotListed(text.quotes[int(match[1] or match[2])])


@_outcome(rf"\bchanges?\s+(?:(?:the\s+)?[\w-]+\s+)?from\s+{_SLOT}\s+to\s+{_SLOT}")
def _changes_to(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsText(text.quotes[int(match[2])])


@_outcome(
    rf"\bheaded\s+(?P<text>{_SLOT}|{_NAME})|\bheading\s+(?:is\s+|reads\s+|=\s*)?(?P<text2>{_SLOT}|{_NAME})"
    r"|\b(?P<its_name>heading\s*(?:is|=|equals|matches|reads)\s*(?:the|its|that)?\s*(?:[\w-]+\s+)?name)\b"
    r"|\b(?:opens?|leads?\s+to|goes\s+to|takes?\s+\w+\s+to|lands?\s+on)\s+(?:a|the)\s+page\s+"
    rf"(?:headed|whose\s+heading\s+is|titled)\s+(?P<text3>{_SLOT}|{_NAME})"
)
def _heading(match: re.Match[str], text: QuotedText) -> Outcome:
    return HeadingIs(
        "" if match["its_name"] else text.slot(match["text"] or match["text2"] or match["text3"])
    )


@_outcome(rf"\b(?:browser\s+|page\s+)?title\s+(?:is\s+|reads\s+|=\s*)?{_SLOT}")
def _title(match: re.Match[str], text: QuotedText) -> Outcome:
    return TitleIs(text.quotes[int(match[1])])


@_outcome(rf"\b(?:submit\s+)?(?P<kind>button|link|field|checkbox)s?\s+(?:labell?ed\s+|named\s+|called\s+)?"
          rf"(?P<names>{_SLOTS})")  # fmt: skip
def _has_controls(match: re.Match[str], text: QuotedText) -> Outcome:
    return HasControls(match["kind"].lower(), names(match["names"], text))


@_outcome(rf"\boffers?\s+(?P<options>{_NAMES})(?:\s*,?\s*with\s+(?P<selected>{_VALUE})\s+selected)?")
def _offers(match: re.Match[str], text: QuotedText) -> Outcome:
    return Offers(names(match["options"], text), text.slot(match["selected"]) if match["selected"] else "")


@_outcome(
    rf"{_SLOT}(?:\s+(?:message|text|error|notice|greeting))?\s+(?:is\s+|are\s+|stays?\s+|remains?\s+)?"
    r"(?:still\s+)?(?:hidden|not\s+(?:shown|displayed|visible)|no\s+longer\s+(?:shown|displayed|visible))\b"
    rf"|\bhides?\s+(?:the\s+)?{_SLOT}"
)
def _hides_text(match: re.Match[str], text: QuotedText) -> Outcome:
    return HidesText(text.quotes[int(match[1] or match[2])])


@_outcome(
    rf"\b(?:{_SHOW}|contains?|reads?|says?|sees?|see)\s+(?:(?:the|a|an)\s+)?"
    rf"(?:(?:message|text|error|greeting|notice|words?|label)\s+)?{_SLOT}"
    rf"|\bgreet(?:s|ed)?\b(?:\s+[\w-]+){{0,4}}?\s+with\s+(?:the\s+text\s+)?{_SLOT}"
    rf"|\b(?:drops?|goes\s+back|changes?|falls?|rises?|goes\s+up|goes\s+down)\s+to\s+{_SLOT}"
    rf"|\b(?:stays?|remains?)\s+at\s+{_SLOT}|\bmakes?\s+{_SLOT}\s+(?:appear|show\s+up)\b"
    rf"|{_SLOT}(?:\s+(?:message|text|error|notice|greeting))?\s+(?:is\s+|are\s+)?(?:displayed|shown|visible|appears?)\b"
)
def _shows_text(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsText(
        text.quotes[int(next(g for g in match.groups() if g is not None))], _place(text, match.end())
    )


def _place(text: QuotedText, end: int) -> str:
    """Where the words right after a shown text place it ("below the Password field"), or ""."""
    placed = _PLACED.match(text.text, end)
    return " ".join(placed["where"].split()) if placed else ""


# where a shown text is said to be: "below the Password field", "next to the button", "in the banner"
_PLACED = re.compile(
    r"\s*(?:is\s+|are\s+)?(?:(?:shown|displayed|visible|appears?)\s+)?"
    r"(?P<where>(?:below|under(?:neath)?|beneath|above|over|next\s+to|beside|alongside|in|inside|within)"
    r"\s+(?:the\s+|its\s+)?[\w-]+(?:\s+(?!(?:and|or|but|when|after|once|while|with)\b)[\w-]+){0,2})",
    re.IGNORECASE,
)


@_outcome(rf"\b(?:{_SHOW}|raises?|gives?)\s+(?:an?\s+)?(?:error|validation)(?:\s+message)?\b")
def _shows_error(match: re.Match[str], text: QuotedText) -> Outcome:
    return ShowsError()


@_outcome(
    r"\b(?:removes?|deletes?)\s+(?:it|them)\b|\b(?:disappears?|vanishes?)\s+from\b|\bis\s+removed\b"
    r"|\btakes?\s+(?:that|the|this)\s+(?:exact\s+)?(?:entry|item|row)\s+off\b"
    r"|\btakes?\s+(?:it|them)\s+(?:out\s+of|off)\b|\b(?:is|are)\s+(?:gone\s+from|no\s+longer\s+(?:listed\s+)?in)\b"
)
def _removed(match: re.Match[str], text: QuotedText) -> Outcome:
    return Removed()


@_outcome(
    r"\bopens?\s+(?:its|their|the\s+\w+'s)\s+(?:own\s+)?(?:details?\s+)?page\b"
    r"|\b(?:takes?|brings?|leads?)\s+(?:\w+\s+){0,2}?to\s+(?:that|the|its|their)\s+[\w'-]+\s+own\s+page\b"
)
def _opens_own_page(match: re.Match[str], text: QuotedText) -> Outcome:
    return OpensOwnPage()


# a path on the site, maybe with a placeholder: /products/{id}
_PATH = r"/[\w/.{}-]*"


@_outcome(
    r"\b(?:opens?|goes\s+to|navigates?\s+to|leads?\s+to|redirects?\s+to|takes?\s+\w+\s+to|lands?\s+on"
    r"|returns?\s+to|(?:goes|comes|gets)\s+back\s+to|(?:brings?|takes?|sends?)\s+(?:\w+\s+)?back\s+to)\s+"
    rf"(?P<dest>{_SLOT}|{_PATH}|the\s+[\w -]+?\s+page)(?=\W|$)"
    rf"|^\s*(?:i\s+am\s+)?(?:on\s+)?(?:the\s+)?(?:[\w ]+?\s+)?at\s+(?P<at>{_PATH})"
    rf"|^\s*(?P<bare>{_PATH})"
)
def _goes_to(match: re.Match[str], text: QuotedText) -> Outcome:
    return GoesTo(text.unmask(match["dest"] or match["at"] or match["bare"]))


@_outcome(
    rf"\b(?:is|are|becomes?|stays?|remains?|gets?|goes)\s+{_STILL}(?:to\s+)?(?P<state>{_STATES}|emptied|cleared)\b"
    rf"|\bbecomes?\s+(?:clickable|usable)\b"
)
def _state(match: re.Match[str], text: QuotedText) -> Outcome:
    state = (match["state"] or "enabled").lower()
    return State("empty" if state in ("emptied", "cleared") else state)


@_outcome(r"\b(?:disappears?|vanishes?|goes\s+away)\b|\bno\s+longer\s+(?:shown|displayed|visible)\b")
def _disappears(match: re.Match[str], text: QuotedText) -> Outcome:
    return State("hidden")


@_outcome(r"\b(?:stays?|remains?)\s+on\s+(?:the\s+)?screen\b")
def _stays_on_screen(match: re.Match[str], text: QuotedText) -> Outcome:
    return State("visible")


@_outcome(r"\b(?:appears?|(?:is|are)\s+(?:shown|displayed))\b")
def _appears(match: re.Match[str], text: QuotedText) -> Outcome:
    return State("visible")


def _first_outcome(text: str, start: int = 0) -> tuple[re.Match[str], OutcomeRecognizer] | None:
    """The earliest outcome phrase from `start` (the longest when two start at the same place)."""
    best: tuple[int, int, re.Match[str], OutcomeRecognizer] | None = None
    for pattern, recognizer in _OUTCOMES:
        match = pattern.search(text, start)
        if match and (best is None or (match.start(), -match.end()) < (best[0], -best[1])):
            best = (match.start(), match.end(), match, recognizer)
    return (best[2], best[3]) if best else None


# --- subjects -----------------------------------------------------------------------------------------------

_KINDS = {
    "button": "button", "link": "link", "field": "field", "input": "field", "box": "field",
    "textbox": "field", "select": "select", "dropdown": "select", "menu": "select", "checkbox": "checkbox",
    "form": "form",
}  # fmt: skip
_ARTICLE = "|".join(sorted(_ARTICLES, key=lambda a: (-len(a), a)))
_SUBJECT = re.compile(
    rf"^(?:(?:{_ARTICLE})\b)?\s*(?P<words>[\w ,'«»-]*?)\s*"
    rf"(?:\b(?P<kind>{'|'.join(_KINDS)})\b\s*(?P<qualifier>\b(?:of|in|for|on)\b.*)?)?$",
    re.IGNORECASE,
)
# words ending in -ing that start a requirement without being an action
_NOT_VERBS = {
    "nothing", "everything", "something", "anything", "heading", "listing", "setting", "string", "greeting",
}  # fmt: skip
_TRAILING = re.compile(r"\b(?:after|when|once|upon|before|if)\b(?P<clause>.+)$", re.IGNORECASE)
# what is said about the page as it loads: nothing to do first
_AS_LOADED = re.compile(
    r"^\s*(?:(?:the\s+)?(?:[\w-]+\s+)?page\s+(?:first\s+)?(?:opens|loads|is\s+opened|is\s+loaded)"
    r"|(?:anything|something)\s+is\s+(?:typed|entered|done)|first\s+load|(?:it|the\s+page)\s+is\s+new)\s*$",
    re.IGNORECASE,
)
_PRONOUNS = {"it", "they", "them", "this", "that", "which"}
_FILLER = re.compile(
    r"\b(?:should|must|shall|will|has\s+to|have\s+to|needs?\s+to|may|can|i|we|then|itself|also|still|"
    r"the\s+user|on\s+screen|on\s+the\s+page|both|is|are|be|been|was|were|itself|themselves|"
    r"for\s+(?:instance|example))\b",
    re.IGNORECASE,
)


def _subject(fragment: str, text: QuotedText) -> Subject | None:
    pieces = re.split(r",\s*|\s+and\s+", fragment.strip(" ,;:"))
    if len(pieces) > 1 and re.search(r"\b(?:must|should|is|are|will|can|has|have)\b", " ".join(pieces[:-1])):
        fragment = pieces[-1]  # "the attempt must fail and the page": what the outcome is about comes last
    if re.match(r"\s*(?:on|in|at|from|with|into|to|for)\b", fragment, re.IGNORECASE):
        return None  # what the action was done on ("on the Sign in form"), not what the outcome is about
    # "following it should …": what is followed is what the outcome is about
    fragment = re.sub(
        r"^\s*(?:following|clicking|opening|using|pressing)\s+", "", fragment, flags=re.IGNORECASE
    )
    cleaned = " ".join(_FILLER.sub(" ", fragment.strip(" ,;:")).split())
    match = _SUBJECT.match(cleaned)
    if match is None:
        return None
    slots = re.findall(_SLOT, match["words"])
    quoted = text.quotes[int(slots[0])] if slots else ""
    plain = re.sub(_SLOT, " ", match["words"])
    words = " ".join(w for w in plain.replace(",", " ").split() if w.lower() not in _ARTICLES)
    kind = _KINDS.get((match["kind"] or "").lower(), "")
    if not (words or quoted or kind):
        return None
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


# --- the requirement's shape: a story's acceptance, Given/When/Then lines, "action → outcome" --------------

_STORY = re.compile(r"^\s*as\s+an?\b.*?\bacceptance(?:\s+criteri(?:on|a))?\s*:\s*", re.IGNORECASE | re.DOTALL)
_GHERKIN = re.compile(r"^\s*(?P<word>given|when|then|and|but)\b\s*", re.IGNORECASE)
_ARROW = re.compile(r"\s*(?:→|->|=>)\s*")
# "; and …", "; …": claims of their own
_CLAIMS = re.compile(r"\s*;\s*(?:and\s+|but\s+|also\s+)?", re.IGNORECASE)
# between two outcomes of one claim
_NEXT_OUTCOME = re.compile(r"^\s*(?:,\s*)?(?:(?:and|but|while|so|with)\b\s*(?:then\s+)?|,\s*)", re.IGNORECASE)


_VERBISH = re.compile(r"\b(?:is|are|was|were|must|should|can|could|has|have|be)\b|n't\b", re.IGNORECASE)
_AS_LOADED_LEAD = re.compile(
    r"^\s*(?:when|once|as\s+soon\s+as|before|on)\s+(?:(?:the\s+)?(?:[\w-]+\s+)?page\s+(?:first\s+)?(?:opens|loads)"
    r"|(?:anything|something)\s+is\s+(?:typed|entered|done)|first\s+load)\s*,?",
    re.IGNORECASE,
)


class _Unread(Exception):
    """The part of the requirement that was not understood."""


def _shape(requirement: str) -> list[tuple[str, str]]:
    """The requirement as (role, text) parts: role is "given", "when", "then", or "" when the words tell."""
    text = _STORY.sub("", requirement.strip())
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and _GHERKIN.match(lines[0]):
        parts, role = [], ""
        for line in lines:
            keyword = _GHERKIN.match(line)
            word = keyword["word"].lower() if keyword else ""
            role = role if word in ("and", "but", "") else word
            parts.append((role, line[keyword.end() :] if keyword else line))
        return parts
    pieces = _ARROW.split(text, maxsplit=1)
    return [("when", pieces[0]), ("then", pieces[1])] if len(pieces) == 2 else [("", text)]


def read(requirement: str) -> Reading:
    """The requirement's actions and checks in order, or a Reading whose `unread` says why not."""
    text = mask(" ".join(part for _, part in _shape(requirement)))
    if SUBJECTIVE.search(text.text) and _first_outcome(text.text) is None:
        return Reading(unread="it names a subjective quality, not something a user can see happen")
    beats: list[Beat] = []
    try:
        for role, part in _shape(requirement):
            beats += _read_part(role, part, beats)
    except _Unread as reason:
        return Reading(unread=str(reason))
    if not any(isinstance(b, Expect) for b in beats):
        return Reading(unread=_unread_outcome(text))
    return Reading(beats=tuple(beats))


def _flatten(text: QuotedText) -> QuotedText:
    """Asides in parentheses read as part of the sentence: "(for example demo with "wrong")"."""
    flat = re.sub(r"\s*\(\s*", " , ", text.text)
    flat = re.sub(r"\s*\)\s*", " , ", flat)
    return QuotedText(" ".join(flat.split()).strip(" ,"), text.quotes)


def _read_part(role: str, part: str, earlier: list[Beat]) -> list[Beat]:
    text = _flatten(mask(part))
    if role in ("given", "when"):
        return _setup(text, role)
    beats: list[Beat] = []
    heading, _, body = text.text.partition(": ")
    subject: Subject | None = None
    if (
        body
        and _first_outcome(heading) is None
        and not read_actions(heading, text)
        and not _VERBISH.search(heading)
    ):
        # "Password input: …", ""Log in" button: …": what the claims after the colon are about
        subject = _subject(heading, text)
        claims_text = body
    elif body and len(heading.split()) <= 12:
        claims_text = body  # a summary ("Messages are accessible: …"), said again by what follows
    else:
        claims_text = text.text
    for claim in _CLAIMS.split(claims_text):
        if claim.strip():
            beats += _read_claim(QuotedText(claim, text.quotes), role, subject, [*earlier, *beats])
    return beats


def _setup(text: QuotedText, role: str) -> list[Beat]:
    """A Given or When line: what is done first (the page as loaded needs nothing)."""
    if re.search(r"\b(?:i\s+am\s+on|i\s+open|i\s+visit|i\s+go\s+to)\b.*\bpage\b", text.text, re.IGNORECASE):
        opened = re.search(r"/[\w/.-]+", text.text)
        return [Open(opened[0])] if opened else []
    if re.search(r"\b(?:list|page|table)\s+is\s+empty\b", text.text, re.IGNORECASE):
        return []  # a fresh page shows an empty list; the test opens it fresh
    actions = read_actions(text.text, text)
    if not actions and role == "given":
        held = re.search(rf"\b(?:holds?|contains?|has|have|shows?)\s+(?P<values>{_SLOTS})", text.text, re.I)
        on_list = re.match(rf"\s*(?P<values>{_SLOTS})\s+(?:is|are)\s+(?:already\s+)?(?:on|in)\b", text.text)
        found = held or on_list
        if found:
            slots = re.findall(_SLOT, found["values"])
            return [Add(texts=tuple(text.quotes[int(s)] for s in slots), count=len(slots))]
    if not actions:
        raise _Unread(f'"{text.unmask(text.text)}" is not an action the generator can perform')
    return list(actions)


def _read_claim(
    text: QuotedText, role: str, subject: Subject | None, earlier: list[Beat], *, inherit: bool = False
) -> list[Beat]:
    """One claim: actions, then one or more outcomes, each with what it is about."""
    claim = text.text
    if earlier and _FAILURE_MODE.search(claim):
        return []  # "removing a different entry instead is a bug": what the claims before already rule out
    found = _first_outcome(claim)
    if found is None:
        return _verbless(text, role, subject, earlier)
    match, recognizer = found
    before = claim[: match.start()]
    loaded = _AS_LOADED_LEAD.match(before)
    if loaded:
        before = before[loaded.end() :]
    # this outcome's words end where a second one, joined by "and" or a comma, starts
    segment_end = len(claim)
    following = _first_outcome(claim, match.end())
    if following is not None:
        joints = list(_JOINT.finditer(claim, match.end(), following[0].start() + 1))
        if joints:
            segment_end = joints[-1].start()
    # "… shows "3 items" after adding three items": the trailing clause happens first
    trailing = _TRAILING.search(claim[:segment_end], match.end())
    end = trailing.start() if trailing else segment_end
    actions = [] if role == "then" else read_actions(before, text)
    trailing_actions = _condition(trailing["clause"], text) if trailing else []
    lead = None if loaded else _leading_condition(before, text)
    if lead is not None:
        clause, before = lead
        actions = _condition(clause, text) + read_actions(before, text)
    verb = re.match(r"\s*(\w+ing)\b", before)
    if role != "then" and verb and not actions and verb[1].lower() not in _NOT_VERBS:
        if not _LEFT_EMPTY.search(before):
            # an action nobody recognised would silently be left out, and the test would check the wrong thing
            raise _Unread(
                f'"{text.unmask(" ".join(before.split()[:4]))}" is not an action the generator can perform'
            )
        # "Continuing the checkout with an empty First Name …": pressing the control the verb names (a form's
        # button) with that field empty; the planner says so when the page has no such control
        actions = _empty_submits([Click(verb[1][: -len("ing")], kind=VERB_KIND)], before, text)
        before = ""  # the words before the outcome are that action, not what the outcome is about
    outcome_text = QuotedText(claim[match.start() : end], text.quotes)
    outcome_match = match.re.match(outcome_text.text) or match
    outcome = recognizer(outcome_match, outcome_text)
    if isinstance(outcome, Persists):
        trailing_actions = [a for a in trailing_actions if not isinstance(a, Reload)]  # the check reloads
    beats: list[Beat] = [*actions, *trailing_actions]
    if isinstance(outcome, NotAdded) and not any(isinstance(a, Add) for a in [*earlier, *beats]):
        if re.search(r"\b(?:empty|blank|nothing)\b", before, re.IGNORECASE):
            beats.insert(0, Add(texts=_blank(before), empty=True))
    tail = before[_last_action_end(before) :]
    beats += _expectations(outcome, tail, text, subject, earlier, inherit=inherit)
    rest = claim[segment_end:] if following is not None else claim[match.start() + outcome_match.end() : end]
    joined = _NEXT_OUTCOME.match(rest)
    next_claim = QuotedText(rest[joined.end() :], text.quotes) if joined else None
    if next_claim and next_claim.text.strip() and _first_outcome(next_claim.text) is not None:
        beats += _read_claim(next_claim, "then", subject, [*earlier, *beats], inherit=True)
    elif next_claim and _NAMED_TEXT.match(next_claim.text):
        # "reads "Home" and "$24.90"": a bare second text is about what the first one was
        previous = next((b.subject for b in reversed(beats) if isinstance(b, Expect)), None)
        about = subject or (previous if re.match(rf"\s*{_SLOT}", next_claim.text) else None)
        beats += _verbless(next_claim, "then", about, [*earlier, *beats])
    return beats


_LEAD = re.compile(r"\s*(?:if|when|once|after|before)\b", re.IGNORECASE)
_LEAD_END = re.compile(r",|\s+(?=(?:the|an?)\s)", re.IGNORECASE)


def _leading_condition(before: str, text: QuotedText) -> tuple[str, str] | None:
    """A leading "if/when/once/after …" clause that reads as actions, and the words after it: the clause ends
    at its comma or, without one, at the first article after which it reads ("once two entries are added
    the counter below the list says …")."""
    lead = _LEAD.match(before)
    if lead is None:
        return None
    for end in _LEAD_END.finditer(before, lead.end()):
        clause = before[lead.end() : end.start()]
        if read_actions(clause, text):
            return clause, before[end.end() :]
        if end.group() == ",":  # a clause up to its comma that does no action is not a condition to set up
            return None
    return None


_FAILURE_MODE = re.compile(
    r"\b(?:is|are|would\s+be|counts?\s+as)\s+(?:a\s+)?(?:bug|defect|wrong|an?\s+error)\s*$", re.I
)
_JOINT = re.compile(r"\s*(?:,\s*)?\b(?:and|but|while|so|with)\b|\s*,\s*", re.IGNORECASE)
_NEGATED = re.compile(r"^\s*(?:no|neither)\s+(?P<words>.+?)(?:\s+nor\s+(?P<other>.+))?$", re.IGNORECASE)


def _expectations(
    outcome: Outcome,
    tail: str,
    text: QuotedText,
    subject: Subject | None,
    earlier: list[Beat],
    *,
    inherit: bool,
) -> list[Beat]:
    """The outcome about what the words before it name: "no welcome text appears" is about its absence."""
    if subject is not None:
        return [Expect(outcome, subject)]
    negated = _NEGATED.match(" ".join(_FILLER.sub(" ", tail).split()))
    if negated and isinstance(outcome, State) and outcome.state == "visible":
        named = [negated["words"], *([negated["other"]] if negated["other"] else [])]
        subjects = [_subject(words, text) for words in named]
        return [Expect(State("absent"), s) for s in subjects if s is not None]
    if isinstance(outcome, EveryItemHas):
        return [Expect(outcome, Subject("", kind=outcome.kind, quoted=outcome.name))]  # what "it" is next
    own = _subject(tail, text)
    previous = next((b.subject for b in reversed(earlier) if isinstance(b, Expect)), None)
    if own is not None and own.words.lower() in _PRONOUNS and not own.quoted and not own.kind:
        own = previous
    elif own is None and inherit:
        own = previous
    return [Expect(outcome, own)]


# "header "Demo Shop"": a thing named, then the text it shows
_NAMED_TEXT = re.compile(rf"^\s*(?:(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s*)?{_SLOT}\s*[.!]?\s*$")


def _condition(clause: str, text: QuotedText) -> list[Action]:
    """What a condition ("after adding three items", "when the page opens") asks to do first."""
    if _AS_LOADED.match(clause):
        return []
    first, after, then = clause.partition(" after ")
    if after and first.strip():
        return _condition(then, text) + _condition(first, text)  # "erased again after both were filled in"
    actions = read_actions(clause, text)
    if not actions:
        # dropping the condition would test the outcome without it: a false finding on a correct page
        raise _Unread(
            f'the condition "{text.unmask(clause).strip()}" is not an action the generator can perform'
        )
    return actions


def _verbless(text: QuotedText, role: str, subject: Subject | None, earlier: list[Beat]) -> list[Beat]:
    """A claim without an outcome verb: "error text "…"", "→ "1 item"", or actions that set up the next."""
    slots = re.findall(_SLOT, text.text)
    if role == "then" and re.match(rf"\s*{_SLOT}", text.text):
        return [Expect(ShowsText(text.quotes[int(slots[0])]), subject)]  # "→ "1 item" (singular)"
    if role == "then" and len(slots) == 1:
        own = _subject(re.sub(_SLOT, "", text.text), text) or subject
        return [Expect(ShowsText(text.quotes[int(slots[0])]), own)]
    actions = read_actions(text.text, text)
    if actions and role != "then":
        return list(actions)
    if role == "then" and not _OUTCOME_VERB.search(text.text):
        words = text.unmask(" ".join(text.text.split()[:6]))
        raise _Unread(f'"{words}" is not an outcome the generator understands')
    raise _Unread(_unread_outcome(text))
