"""The scene before the checked call: credentials, unknown ids, values sent or left out, bounds and the
state the item must be in.
"""

from __future__ import annotations

import re
from typing import Any

from generators.api.reading.lexicon import (
    COUNT_UNITS,
    LENGTH_UNITS,
    Fields,
    Lexicon,
    key_of,
    typed,
)
from generators.api.reading.model import Auth, Call, Case, Reading
from generators.api.reading.view import (
    ClaimView,
    boundary_of,
    comparator_at,
    field_at,
    json_literal,
    kinds_of,
    literal_value,
    nearest_field,
    noun_follows,
    number_at,
    value_after,
    value_of,
)

AUTH_WORDS = frozenset(
    (
        "token tokens authorization credential credentials auth "
        "authentication bearer key header session jwt apikey"
    ).split()
)
_NO_AUTH_CUES = frozenset(
    {"no", "without", "missing", "omit", "omits", "omitting", "out", "lacking", "absent"}
)
_BAD_AUTH_CUES = frozenset(
    "wrong invalid expired bad forged unknown incorrect revoked malformed fake bogus".split()
)
# "not logged in", "without being signed in": the call goes without credentials.
_NOT_SIGNED_IN = frozenset({"not", "without", "never"})
ANONYMOUS = frozenset({"anonymous", "anonymously", "unauthenticated", "unauthorised"})
UNKNOWN_WORDS = frozenset(
    {"unknown", "nonexistent", "inexistent", "nonexisting", "missing", "absent", "bogus"}
)
REPEAT_WORDS = frozenset({"twice", "again", "already", "duplicate", "duplicated", "repeated", "second"})
_OMIT = frozenset(
    (
        "without no omit omits omitted omitting lacking missing "
        "leaves leave leaving left minus skips skip skipping excluding"
    ).split()
)
_ONLY = frozenset({"only", "just", "solely", "merely"})
_STATE_LINKS = frozenset(
    (
        "is was been marked set whose in with state a "
        "an on has status already now being are become becomes became"
    ).split()
)
_SIGNED_IN = frozenset({"logged", "signed", "authenticated", "authorized", "authorised", "login"})
_NEEDS = frozenset("need needs require requires required must only".split())
_TO = frozenset({"to", "into", "as", "back"})


# -- the scene: credentials, ids, values sent, states -------------------------------------------------------


def read_scene(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """Read the scene the claim sets for its call into `reading`: credentials, ids, values, states."""
    boundary = boundary_of(view)
    action = reading.action
    _credentials(view, reading, boundary)
    _existence(view, reading, boundary)
    inputs = lexicon.inputs(action.operation)
    for index in range(boundary):
        token = view.tokens[index]
        if index in view.used:
            continue
        if token.kind == "json" and isinstance(token.value, dict):
            _json_inputs(token.value, inputs, action, index)
            view.used.add(index)
        elif token.kind == "code" and str(token.value).strip().startswith("{"):
            literal = json_literal(str(token.value))
            if literal is not None:
                _json_inputs(literal, inputs, action, index)
                action.exact_body = not literal
                view.used.add(index)
        elif token.kind == "code":
            _code_input(view, index, inputs, action)
    _omissions(view, inputs, action, boundary)
    _lengths_and_bounds(view, inputs, reading, boundary)
    _named_values(view, lexicon, inputs, reading, boundary)
    _states_from_repeats(reading)
    if reading.state and reading.repeat and not view.has(frozenset({"twice", "duplicate", "second"})):
        reading.repeat = False  # "a booking that is already cancelled" names its state, not a second call


def _states_from_repeats(reading: Reading) -> None:
    """On an item: a field given two values ("a done task … to open") was first the state, then the change."""
    action = reading.action
    if not action.operation.path.endswith("}") or action.operation.method not in ("patch", "put"):
        return
    ordered = sorted(action.sent, key=lambda sent: sent[0])
    for _, name, value in ordered:
        if name in action.body and name not in reading.state and value != ordered[-1][2]:
            last = next(v for _, n, v in reversed(ordered) if n == name)
            if last != value:
                reading.state[name] = value
                action.body[name] = last


def allowed_values(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """ "A task's status may only be open, in_progress or done": each listed value is accepted."""
    if reading.cases or not view.has(_ONLY | {"either", "one"}):
        return
    inputs = lexicon.inputs(reading.action.operation)
    listed: dict[str, list[Any]] = {}
    for index, token in enumerate(view.tokens):
        if index in view.used or token.kind not in ("word", "quoted", "code"):
            continue
        text = str(token.value if token.kind != "word" else token.text)
        for name in inputs.enum_fields(text) if key_of(text) else []:
            listed.setdefault(name, []).append(typed(text, inputs.schemas[name])[0])
    chosen = [(name, values) for name, values in listed.items() if len(set(values)) >= 2]
    if len(chosen) == 1:
        name, values = chosen[0]
        reading.bound_field = name
        reading.cases = [Case(str(value), value, True) for value in dict.fromkeys(values)]


def required_fields(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """ "Required fields: email, username, password": each listed field left out is refused, one case each."""
    if reading.cases or not view.has(frozenset({"required", "mandatory", "obligatory"})):
        return
    if view.has(AUTH_WORDS | _SIGNED_IN) or view.has(frozenset({"no", "not", "optional"})):
        return
    inputs = lexicon.inputs(reading.action.operation)
    listed: list[str] = []
    for index in range(len(view.tokens)):
        found = field_at(view, inputs, index) if index not in view.used else None
        if found and found[0] not in listed and view.tokens[index].kind in ("word", "code", "quoted"):
            listed.append(found[0])
    if listed:
        reading.cases = [Case(name.strip("/"), None, False, field=name, omit=True) for name in listed]


def _credentials(view: ClaimView, reading: Reading, boundary: int) -> None:
    # Credentials are a condition wherever the sentence states them ("answers 200 without a token").
    """No token, a wrong one, a literal `Authorization: …`, or "authentication required"."""
    for index, token in enumerate(view.tokens):
        literal = token.kind in ("code", "quoted") and re.match(
            r"(?i)authorization\s*:\s*(.+)", str(token.value)
        )
        if literal:
            _all_calls(reading, auth="wrong", headers={"Authorization": literal.group(1).strip()})
            view.used.add(index)
        elif token.lower in AUTH_WORDS and view.near(index, _BAD_AUTH_CUES, before=3):
            _all_calls(reading, auth="wrong")
        elif token.lower in AUTH_WORDS and view.near(index, _NO_AUTH_CUES, before=4, after=2):
            _all_calls(reading, auth="none")
        elif token.lower in ANONYMOUS or token.lower in _SIGNED_IN and view.near(index, _NOT_SIGNED_IN, 2):
            _all_calls(reading, auth="none")
        elif token.lower in _SIGNED_IN | AUTH_WORDS and view.near(index, _NEEDS, before=4, after=2):
            # "needs to be logged in", "authentication required": the call without them is refused.
            reading.refused_anonymously = True


def _all_calls(reading: Reading, *, auth: Auth, headers: dict[str, str] | None = None) -> None:
    """The same credentials for the checked call and the ones checked alike beside it."""
    for call in [reading.action, *reading.alternatives]:
        if call.auth == "wrong" and auth == "none":
            continue
        call.auth = auth
        call.headers = headers or call.headers
        call.phrases.append({"none": "without credentials", "wrong": "with wrong credentials"}.get(auth, ""))


def _existence(view: ClaimView, reading: Reading, boundary: int) -> None:
    """An unknown id ("that does not exist", "no task with id 9999") and repeated calls."""
    text = view.claim.text
    unknown = bool(
        re.search(
            r"\b(?:does\s+not|doesn't|do\s+not|don't|did\s+not|never)\s+(?:yet\s+)?(?:exist|existed|been\s+created|created)\b"
            r"|\bnon-?existent\b|\bno\s+such\b|\bnot\s+exist",
            text,
            re.IGNORECASE,
        )
    ) or any(
        view.tokens[i].lower in UNKNOWN_WORDS and not view.near(i, AUTH_WORDS, 0, 2) for i in range(boundary)
    )
    if re.search(r"\bno\s+\w+\s+with\s+(?:the\s+)?id\b", text, re.IGNORECASE):
        unknown = True
    action = reading.action
    if unknown and action.operation.path_parameters:
        action.unknown = True
        literal = re.search(r"\bid\s+(\d{1,12})\b", text)
        leaf = action.operation.path_parameters[-1].name
        if literal and leaf not in action.path:
            action.path[leaf] = int(literal.group(1))
        action.phrases.append("for an unknown id")


def _json_inputs(value: dict[str, Any], inputs: Fields, action: Call, position: int) -> None:
    """A written JSON body: its fields as values to send."""
    for name, raw in value.items():
        target = inputs.by_key.get(key_of(name))
        if target is not None:
            send(action, target, raw, position)
        else:
            action.body[name] = raw


def send(action: Call, name: str, value: Any, position: int = -1) -> None:
    """Record a value to send: a query parameter by that name, else a body property ("/shelf/room" nests)."""
    is_query = any(p.name == name and p.location == "query" for p in action.operation.parameters)
    target = action.query if is_query else action.body
    *parents, leaf = name.strip("/").split("/") if name.startswith("/") else [name]
    for parent in parents:
        target = target.setdefault(parent, {}) if isinstance(target.get(parent, {}), dict) else {}
    target[leaf] = value
    action.sent.append((position, name, value))
    action.phrases.append(f"{name}={value!r}"[:60])


def _code_input(view: ClaimView, index: int, inputs: Fields, action: Call) -> None:
    """`"priority": 1`, `priority=1`, `status: done` inside backticks."""
    text = str(view.tokens[index].value)
    pair = re.fullmatch(r"\s*\"?([\w.-]{1,80})\"?\s*[:=]\s*(.{1,200}?)\s*", text)
    if pair is None:
        return
    name = inputs.by_key.get(key_of(pair.group(1)))
    if name is None:
        return
    value = literal_value(pair.group(2), inputs.schemas[name])
    if value:
        send(action, name, value[0], index)
        view.used.add(index)


def _omissions(view: ClaimView, inputs: Fields, action: Call, boundary: int) -> None:
    """ "without a priority", "leaves the title out", "with only a title": fields not sent."""
    for index in range(boundary):
        found = field_at(view, inputs, index) if index not in view.used else None
        if found is None:
            continue
        name = found[0]
        before = view.near(index, _OMIT, before=3) and not view.near(
            index, frozenset({"with", "set"}), before=1
        )
        after_out = view.word(index + found[1]) == "out" or view.word(index + found[1] + 1) == "out"
        if (before or after_out) and name not in action.body:
            action.omit.append(name)
            action.phrases.append(f"without {name}")
            view.used.update(range(index, index + found[1]))
        elif view.near(index, _ONLY, before=3) and not view.near(
            index, frozenset({"return", "returns"}), before=4
        ):
            action.only_named = True
            view.used.update(range(index, index + found[1]))


def _lengths_and_bounds(view: ClaimView, inputs: Fields, reading: Reading, boundary: int) -> None:
    """Lengths and numeric limits: "a 101-character title", "nights between 1 and 14", "at most 100 chars".

    A stated limit is tested on both sides of each edge; a value past it ("longer than 100") is sent as is.
    """
    for index in range(len(view.tokens)):
        number = number_at(view, index)
        if (
            number is None
            or index in view.used
            or not isinstance(number, int)
            or view.tokens[index].kind == "call"
        ):
            continue
        length = any(view.word(k) in LENGTH_UNITS for k in (index + 1, index + 2))
        upper = _range_end(view, index)
        name = nearest_field(view, inputs, index, {"string"} if length else {"integer", "number"})
        last = upper[1] if upper else index
        counted = view.word(last + 1) in COUNT_UNITS - {"of"} or noun_follows(view, last + 1)
        if name is None or not length and (counted or not _numeric_context(view, index, upper)):
            continue
        view.used.update({index, index + 1, index + 2})
        make = (lambda n: "x" * max(n, 0)) if length else (lambda n: n)
        unit = " characters" if length else ""
        comparator = comparator_at(view, index)
        if upper is not None:
            view.used.update(range(index, upper[1] + 3))
            low, high = number, upper[0]
            reading.bound_field = name
            reading.cases = [
                Case(f"{low}{unit}", make(low), True),
                Case(f"{high}{unit}", make(high), True),
                Case(f"{high + 1}{unit}", make(high + 1), False),
            ]
            if not length or low > 0:
                reading.cases.append(Case(f"{low - 1}{unit}", make(low - 1), False))
            return
        if comparator in ("most", "least") and not reading.cases:
            sign = 1 if comparator == "most" else -1
            reading.bound_field = name
            reading.cases = [
                Case(f"{number}{unit}", make(number), True),
                Case(f"{number + sign}{unit}", make(number + sign), False),
            ]
            continue
        value = {"more": number + 1, "less": number - 1}.get(comparator, number)
        send(reading.action, name, make(value))
        reading.action.phrases[-1] = f"{name} of {value}{unit}"


def _range_end(view: ClaimView, index: int) -> tuple[int, int] | None:
    """ "between 1 and 14", "from 1 to 99", "1 to 99", "1-99", "1..99": the upper number and its index."""
    opener = view.word(index - 1) in ("between", "from")
    for gap in (1, 2):
        joiner = view.tokens[index + 1 : index + 1 + gap]
        words_between = [t.lower for t in joiner]
        if words_between in (["and"], ["to"], ["-"], ["."], [".", "."], ["through"]) or words_between == [
            "–"
        ]:
            end = index + 1 + gap
            number = number_at(view, end) if end < len(view.tokens) else None
            if (
                isinstance(number, int)
                and (opener or words_between != ["and"])
                and number > (number_at(view, index) or 0)
            ):
                return number, end
    return None


def _numeric_context(view: ClaimView, index: int, upper: tuple[int, int] | None) -> bool:
    """A bare number near a numeric field is a limit only when a comparison or range says so."""
    return upper is not None or comparator_at(view, index) != "exact"


def _named_values(view: ClaimView, lexicon: Lexicon, inputs: Fields, reading: Reading, boundary: int) -> None:
    """ "priority 5", "limit=5", "back to open", "a done task", "status set to done", before the outcome."""
    action = reading.action
    item_fields = lexicon.outputs(action.operation) if action.operation.path.endswith("}") else Fields()
    for index in range(boundary):
        if index in view.used:
            continue
        found = field_at(view, inputs, index)
        if found is None and view.tokens[index].lower in ("empty", "blank"):
            emptied = field_at(view, inputs, index + 1) if index + 1 < boundary else None
            if emptied and "string" in kinds_of(inputs.schemas[emptied[0]]):  # "an empty guest name"
                send(action, emptied[0], "", index)
                view.used.update(range(index, index + 1 + emptied[1]))
            continue
        number = number_at(view, index)
        if found is None and number is not None and index + 1 < boundary and index + 1 not in view.used:
            following = field_at(view, inputs, index + 1)
            value = typed(number, inputs.schemas[following[0]]) if following else []
            if following and value:  # "for 14 nights", "29 days"
                send(action, following[0], value[0], index)
                view.used.update(range(index, index + 1 + following[1]))
                continue
        if found is not None:
            value_index = value_after(view, index + found[1], boundary)
            if value_index is not None:
                written = view.tokens[value_index]
                # A literal the schema refuses is still what the text sends (an invalid input to be rejected).
                value = value_of(written, inputs.schemas[found[0]]) or (
                    [written.value] if written.kind == "quoted" else []
                )
                if value and view.word(index - 1) == "whose" and action.operation.path.endswith("}"):
                    reading.state[found[0]] = value[0]
                    view.used.update(range(index, value_index + 1))
                elif value:
                    send(action, found[0], value[0], index)
                    view.used.update(range(index, value_index + 1))
            continue
        token = view.tokens[index]
        if token.kind not in ("word", "quoted", "code"):
            continue
        text = str(token.value if token.kind != "word" else token.text)
        enum_inputs = inputs.enum_fields(text) if key_of(text) else []
        enum_state = item_fields.enum_fields(text) if key_of(text) else []
        if not enum_inputs and not enum_state:
            continue
        if view.word(index - 1) in _TO or view.word(index - 2) == "back":
            if enum_inputs:
                name = enum_inputs[0]
                send(action, name, typed(text, inputs.schemas[name])[0], index)
                view.used.add(index)
        elif enum_state and (view.word(index - 1) in _STATE_LINKS or lexicon.noun_at(view.keys, index + 1)):
            pointer = enum_state[0]
            reading.state[pointer.lstrip("/")] = typed(text, item_fields.schemas[pointer])[0]
            view.used.add(index)
