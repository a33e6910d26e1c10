"""Which call a claim is about: a written call, a verb and a resource noun, an operationId word, or every
secured operation; and the calls an "after …" clause puts before it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from generators.api.planner import authenticates, issues_tokens
from generators.api.reading.lexicon import (
    COUNT_UNITS,
    Intent,
    Lexicon,
    intent_of,
    key_of,
    singular,
    stem_of,
    typed,
)
from generators.api.reading.model import NO_OPERATION, Call, Gap, Reading
from generators.api.reading.scene import ANONYMOUS, AUTH_WORDS, UNKNOWN_WORDS
from generators.api.reading.tokens import Token
from generators.api.reading.view import (
    ClaimView,
    boundary_of,
    comparator_at,
    field_at,
    in_prior_clause,
    number_at,
)
from vocabulary.api_model import Operation

_QUANTIFIERS = frozenset({"every", "any", "all", "each"})
_ENDPOINT_WORDS = frozenset(
    (
        "endpoint endpoints route routes operation operations call "
        "calls request requests path paths resource resources"
    ).split()
)
_EXCEPT = frozenset({"except", "apart", "besides", "excluding", "other"})
_CLAUSE_SPAN = 40  # tokens an "after …" clause may run before its comma
_METHOD_WORDS = frozenset({"get", "post", "put", "patch", "delete"})
# The closed vocabulary of account actions, as one word or a verb and its particle ("log in", "sign-up").
_SIGN_IN = frozenset({"login", "logon", "signin"})
_SIGN_UP = frozenset({"signup", "registration"})
_PARTICLES = frozenset({"in", "on", "up"})
_ACCOUNT_NOUNS = frozenset({"account", "user", "myself", "me"})


def prior_calls(view: ClaimView, lexicon: Lexicon, action: Call) -> list[tuple[Operation, list[int]]]:
    """ "After a task has been removed (…answers 204), …": calls on the same item before the checked one."""
    if not action.operation.path_parameters:
        return []
    noun = key_of(next((s for s in reversed(action.operation.path.split("/")) if s and "{" not in s), ""))
    flags = in_prior_clause(view)
    prior: list[tuple[Operation, list[int]]] = []
    for index, token in enumerate(view.tokens):
        if not flags[index] or token.kind != "word":
            continue
        intent = intent_of(token.text)
        operation = lexicon.pick(noun, intent) if intent in ("update", "delete") else None
        operation = operation or _operation_of_word(lexicon, token.lower)
        if operation is None or operation.operation_id == action.operation.operation_id:
            continue
        if any(operation is earlier for earlier, _ in prior):
            continue
        end = next(
            (k for k in range(index, min(len(flags), index + _CLAUSE_SPAN)) if not flags[k]), len(flags)
        )
        statuses = [t.value for t in view.tokens[index:end] if t.kind == "number" and 100 <= t.value <= 599]
        prior.append((operation, statuses))
        view.used.update(range(index, end))
    return prior


# -- which call -----------------------------------------------------------------------------------------


def find_calls(
    view: ClaimView, lexicon: Lexicon, previous: Reading | None
) -> tuple[Call, list[Call], list[tuple[Operation, list[int]]]] | Gap:
    """The checked call, the calls checked alike beside it ("GET /a, POST /b or GET /c"), earlier calls."""
    explicit: list[tuple[int, Call]] = []
    for index, token in enumerate(view.tokens):
        if token.kind == "call":
            call = _explicit_call(token, lexicon)
            if isinstance(call, Gap):
                return call
            explicit.append((index, call))
            view.used.add(index)
    excluded = {i for i, _ in explicit if view.near(i, _EXCEPT, before=3)}
    kept = [(i, c) for i, c in explicit if i not in excluded]
    if _every_endpoint(view):
        return _secured_calls(lexicon, kept[0][1] if kept else None)
    if explicit:
        if not kept:
            return Gap("names only calls it excludes")
        if len(kept) > 1 and _only_joined(view, [i for i, _ in kept]):
            return kept[0][1], [c for _, c in kept[1:]], []
        boundary = boundary_of(view)
        in_context = [(i, c) for i, c in kept if i < boundary] or kept[:1]
        *earlier, (index, action) = in_context
        view.action_index = index
        return action, [], [(c.operation, []) for _, c in earlier]
    if previous is not None and previous.heading:
        # Under a heading ("Registration: POST /users."), each sentence is about the heading's call.
        view.action_index = -1
        return previous.action, [], []
    operation = _named_operation(view, lexicon)
    if _every_endpoint(view) or isinstance(operation, Gap) and _about_credentials(view):
        return _secured_calls(lexicon, None)
    if isinstance(operation, Operation):
        return Call(operation), [], []
    if previous is not None:
        # No call of its own: the claim goes on about the previous claim's call ("…; and it keeps …").
        method = next(
            (t.lower for t in view.tokens if t.lower in _METHOD_WORDS), previous.action.operation.method
        )
        if method == previous.action.operation.method:
            view.action_index = -1  # everything it says is about the answer
            return previous.action, [], []
    return operation


def _explicit_call(token: Token, lexicon: Lexicon) -> Call | Gap:
    """A written call ("PATCH /tasks/42?x=1") matched to the spec; literal ids and query values kept."""
    method, target = token.value
    target = target.rstrip(".:")
    path, _, query = target.partition("?")
    # "POST /api/users" where the server URL ends in /api and the spec's path is /users.
    written = [path, *(path.removeprefix(base) for base in lexicon.base_paths if path.startswith(base + "/"))]
    for operation in lexicon.api.operations:
        pattern = re.sub(r"\\\{[^}]*\\\}", "([^/]+)", re.escape(operation.path)) + "/?"
        found = next((m for m in (re.fullmatch(pattern, p) for p in written) if m), None)
        if operation.method == method and found:
            call = Call(operation)
            names = re.findall(r"\{([^}]+)\}", operation.path)
            for name, value in zip(names, found.groups(), strict=True):
                if not value.startswith(("{", "<", ":")):  # "/tasks/42" names an id, "/tasks/{id}" does not
                    call.path[name] = int(value) if value.isdigit() else value
            _query_values(query, call)
            return call
    return Gap(f"{NO_OPERATION}: the spec has no {method.upper()} {path}")


def _query_values(query: str, call: Call) -> None:
    """ "?limit=5&status=done": query values typed by their parameters' schemas."""
    schemas = {p.name: p.schema_ for p in call.operation.parameters if p.location == "query"}
    for name, _, raw in (pair.partition("=") for pair in query.split("&") if pair):
        value = typed(raw, schemas.get(name, {}), loose=True)
        call.query[name] = value[0] if value else raw
        call.phrases.append(f"{name}={call.query[name]}")


def _only_joined(view: ClaimView, indexes: list[int]) -> bool:
    """Calls separated only by commas, "or" and "and": alternatives sharing one expectation."""
    joiners = {",", "or", "and", "/", "either"}
    return all(
        all(view.tokens[k].lower in joiners for k in range(a + 1, b))
        for a, b in zip(indexes, indexes[1:], strict=False)
    )


def _every_endpoint(view: ClaimView) -> bool:
    """ "every protected route", "any endpoint": a claim about all secured operations."""
    return any(
        token.lower in _ENDPOINT_WORDS and view.near(i, _QUANTIFIERS | {"protected", "secured"}, before=3)
        for i, token in enumerate(view.tokens)
    )


def _about_credentials(view: ClaimView) -> bool:
    """ "Requests without a token are rejected": a claim about calls in general and their credentials."""
    return view.has(AUTH_WORDS | ANONYMOUS) and view.has(_ENDPOINT_WORDS | _QUANTIFIERS)


def _secured_calls(lexicon: Lexicon, first: Call | None) -> tuple[Call, list[Call], list[Any]] | Gap:
    """Every secured operation (the written one first), as calls sharing one expectation."""
    secured = [o for o in lexicon.api.operations if o.security and not o.deprecated]
    calls = [Call(o) for o in secured if first is None or o.operation_id != first.operation.operation_id]
    if first is not None:
        calls.insert(0, first)
    if not calls:
        return Gap("no operation of the spec needs credentials")
    return calls[0], calls[1:], []


def account_action(view: ClaimView, lexicon: Lexicon, *, after: Operation | None = None) -> Operation | None:
    """ "Logging in with …", "refused at sign-up": the spec's login or sign-up call, when the claim names one
    (the first one named after the call `after`, when given).

    A participle ("without being logged in", "a signed-up user") says who calls, not which call.
    """
    from generators.api.accounts import sign_up_operation  # it builds on the planner and the suite's settings

    tokens = view.tokens
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.lower.endswith("ed"):
            continue
        next_word = index + 2 if index + 1 < len(tokens) and tokens[index + 1].text == "-" else index + 1
        word_after = next_word < len(tokens) and tokens[next_word].kind == "word"
        particle = tokens[next_word].lower if word_after else ""
        written = stem_of(token.lower) + particle if particle in _PARTICLES else singular(token.lower)
        if stem_of(token.lower) == "register" and _registers_an_account(view, lexicon, next_word):
            written = "signup"
        if written in _SIGN_IN:
            operations = lexicon.api.operations
            found = next((o for o in operations if issues_tokens(lexicon.api, o)), None) or next(
                (o for o in operations if authenticates(lexicon.api, o)), None
            )
        elif written in _SIGN_UP:
            found = sign_up_operation(lexicon.api)
        else:
            continue
        if found is not None and after is not None:
            after = None if found is after else after  # what comes after the named call is wanted
            continue
        if found is not None:
            view.used.update(range(index, next_word + 1 if particle in _PARTICLES else index + 1))
            return found
    return None


def _registers_an_account(view: ClaimView, lexicon: Lexicon, after: int) -> bool:
    """ "Registering (an account)" is the sign-up; "registering a plot" creates a plot, a noun of the spec."""
    index = after + 1 if view.word(after) in ("a", "an", "the", "my", "new") else after
    if index >= len(view.tokens) or view.tokens[index].kind != "word" or view.word(index) in _ACCOUNT_NOUNS:
        return True
    return not lexicon.noun_at(view.keys, index)


def _named_operation(view: ClaimView, lexicon: Lexicon) -> Operation | Gap:
    """A verb and a noun of the spec ("removing a task"), a bare path, or an operationId word ("archive")."""
    nouns: list[tuple[int, tuple[str, ...]]] = []
    index = 0
    while index < len(view.keys):
        found = lexicon.noun_at(view.keys, index) if view.tokens[index].kind == "word" else None
        if found:
            nouns.append((index, found[0]))
            index += found[1]
        else:
            index += 1
    noun_positions = {i for i, _ in nouns}
    for index, token in enumerate(view.tokens):
        if token.kind == "path":
            operations = lexicon.operations_on(token.text.rstrip("/.") or "/")
            intent = next(
                (intent_of(t.text) for t in view.tokens if t.kind == "word" and intent_of(t.text)), None
            )
            methods = {"create": "post", "update": "patch", "delete": "delete"}
            wanted = methods.get(intent or "", "get")
            chosen = [o for o in operations if o.method == wanted] or operations[:1]
            if chosen:
                view.used.add(index)
                return chosen[0]
    account = account_action(view, lexicon)
    if account is not None:
        return account
    prior = in_prior_clause(view)
    verbs = [
        (i, v)
        for i, t in enumerate(view.tokens)
        if t.kind == "word" and i not in noun_positions and (v := intent_of(t.text)) is not None
    ]
    main_verbs = [(i, v) for i, v in verbs if not prior[i]]
    # The main clause decides; an "after …" clause only when the main clause names no call at all.
    by_id = _operation_word(view, lexicon, noun_positions, in_prior=False)
    if by_id is None and not main_verbs:
        by_id = _operation_word(view, lexicon, noun_positions, in_prior=True)
    if by_id is not None:
        return by_id
    boundary = boundary_of(view)
    ordered = sorted(main_verbs or verbs, key=lambda iv: (iv[0] >= boundary, iv[0]))
    if not nouns:
        return Gap(f"{NO_OPERATION}: the text names no resource of the spec")
    ambiguous = _joined_nouns(view, nouns)
    if ambiguous:
        return Gap(f"{NO_OPERATION}: the text names several resources ({ambiguous}) for one call")
    starts = [i for i, _ in nouns]
    picked: dict[tuple[Intent, tuple[str, ...]], Operation | None] = {}
    for index, intent in ordered:
        assert intent is not None
        at = bisect_left(starts, index)
        nearest = min((k for k in (at - 1, at) if 0 <= k < len(nouns)), key=lambda k: abs(starts[k] - index))
        noun = nouns[nearest][1]
        if (intent, noun) not in picked:
            picked[(intent, noun)] = lexicon.pick(noun, _refine(view, lexicon, intent, noun))
        operation = picked[(intent, noun)]
        if operation is not None:
            view.action_index = index
            return operation
    only = {o.operation_id: o for path in lexicon.nouns[nouns[0][1]] for o in lexicon.operations_on(path)}
    if not verbs and len(only) == 1:
        return next(iter(only.values()))
    cue = _cue_intent(view) or _names_inputs_of_creator(view, lexicon, nouns[0][1])
    if cue:
        operation = lexicon.pick(nouns[0][1], cue)
        if operation is not None:
            return operation
    return Gap(f"{NO_OPERATION}: cannot tell which operation on '{' '.join(nouns[0][1])}' the text means")


def _joined_nouns(view: ClaimView, nouns: list[tuple[int, tuple[str, ...]]]) -> str:
    """ "a book or an author": two different resources joined by "or"/"and" leave the call undecided."""
    for (first, a), (second, b) in zip(nouns, nouns[1:], strict=False):
        between = {t.lower for t in view.tokens[first + len(a) : second]}
        if a != b and second - first <= 4 and between & {"or", "and", "/"}:
            return f"{' '.join(a)}, {' '.join(b)}"
    return ""


def _refine(view: ClaimView, lexicon: Lexicon, intent: Intent, noun: tuple[str, ...]) -> Intent:
    """ "get all tasks" and plural nouns after read verbs list; a count claim lists."""
    if intent == "read":
        plural = any(
            t.kind == "word" and key_of(t.text) == noun and t.lower != " ".join(noun) for t in view.tokens
        )
        if plural or view.has(frozenset({"all", "every", "list"})) or _cue_intent(view) == "list":
            return "list" if lexicon.pick(noun, "list") else intent
    return intent


def _operation_word(
    view: ClaimView, lexicon: Lexicon, nouns: set[int], *, in_prior: bool
) -> Operation | None:
    """A word that only an operationId uses as its verb ("archive" -> archiveTask), in or out of "after …"."""
    prior = in_prior_clause(view)
    for index, token in enumerate(view.tokens):
        if token.kind == "word" and index not in nouns and len(token.text) >= 4 and prior[index] == in_prior:
            operation = _operation_of_word(lexicon, token.lower)
            if operation is not None:
                return operation
    return None


def _operation_of_word(lexicon: Lexicon, word: str) -> Operation | None:
    """The one operation whose operationId starts with this verb ("withdrawn" -> withdrawBook)."""
    stem = stem_of(word)
    matches = [
        operation
        for verb, operation in lexicon.operation_verbs
        if verb == stem or len(stem) >= 5 and stem.startswith(verb)
    ]
    return matches[0] if len(matches) == 1 else None


def _names_inputs_of_creator(view: ClaimView, lexicon: Lexicon, noun: tuple[str, ...]) -> Intent | None:
    """ "A book's title is at most 200 characters": a constraint on what creating the noun takes."""
    creator = lexicon.pick(noun, "create")
    if creator is None:
        return None
    inputs = lexicon.inputs(creator)
    named = any(field_at(view, inputs, i) for i in range(len(view.tokens)))
    limited = any(
        number_at(view, i) is not None or len(inputs.enum_fields(view.tokens[i].text)) > 0
        for i in range(len(view.tokens))
    )
    return "create" if named and limited else None


def _cue_intent(view: ClaimView) -> Intent | None:
    """Without a verb, what the claim implies: a count lists, a default creates, an unknown id reads."""
    if any(k in COUNT_UNITS - {"of"} for k in view.keys) and _count_present(view):
        return "list"
    if view.has(
        frozenset({"default", "defaults", "starts", "start", "begins", "begin", "new", "fresh", "freshly"})
    ):
        return "create"
    if view.has(UNKNOWN_WORDS | {"exist", "exists"}):
        return "read"
    back = view.positions.get("back", [])
    if any(view.word(i + 1) == "to" for i in back):  # "can't go back to pending": a change of state
        return "update"
    return None


def _count_present(view: ClaimView) -> bool:
    return any(
        number_at(view, i) is not None and comparator_at(view, i) in ("most", "least")
        for i in range(len(view.tokens))
    )
