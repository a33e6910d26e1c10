"""What the answer must be: statuses, field values, counts, filters, listed fields and values kept."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Any

from generators.api.data import non_null_value
from generators.api.reading.changes import read_changes
from generators.api.reading.lexicon import (
    ACCEPTANCE,
    COUNT_UNITS,
    LENGTH_UNITS,
    REFUSAL,
    STATUS_CUES,
    Fields,
    Lexicon,
    flatten,
    item_schema,
    items_pointer,
    key_of,
    total_pointer,
    typed,
    types,
)
from generators.api.reading.model import MAX_SEEDS, Reading
from generators.api.reading.view import (
    ClaimView,
    boundary_of,
    comparator_at,
    field_at,
    in_parentheses,
    json_literal,
    literal_value,
    noun_follows,
    number_at,
    status_phrase_at,
    value_of,
)
from vocabulary.claims import Comparison, FieldCheck, Ref

_STILL = frozenset({"still", "unchanged", "remains", "remain", "stays", "stay", "untouched", "intact"})
_HEADER = re.compile(r"[A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)+\s*:")
_NOT_THIS = frozenset({"never", "not", "instead", "rather", "nor"})
# JSON types as prose names them, after a cue ("is an integer", "as a string", "be numbers").
_JSON_TYPES = {
    "integer": "integer",
    "integers": "integer",
    "int": "integer",
    "number": "number",
    "numbers": "number",
    "numeric": "number",
    "string": "string",
    "strings": "string",
    "boolean": "boolean",
    "booleans": "boolean",
    "array": "array",
    "object": "object",
}
_TYPE_CUES = frozenset({"a", "an", "as", "is", "be", "are", "of", "type"})
_RECENCY = re.compile(r"\b(most\s+recent|newest|latest|oldest|earliest)\s+(?:\w+\s+)?first\b", re.IGNORECASE)
_SORTED = re.compile(
    r"\b(?:ordered|sorted|ranked)\s+by\s+(?:the\s+|its\s+|their\s+)?([\w ]{1,40}?)"
    r"(?:\s*,?\s*\(?(ascending|descending|asc|desc|highest|lowest|largest|smallest|newest|oldest|latest)\b|[.;,)]|$)",
    re.IGNORECASE,
)
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "its", "their", "no", "any", "every"})
# "the number of all tasks", "counts every task": a total about the whole list.
_ALL_COUNTED = frozenset({"number", "count", "counts", "all", "every", "overall", "whole"})
_LIMITS = frozenset({"limit", "size", "page_size", "per_page", "max", "take"})
# A number after a comparison word is a bound on the value, not the value ("likes higher than 0").
_BOUND_OPS: dict[str, Comparison] = {"more": ">", "less": "<", "most": "<=", "least": ">="}
_PLACEHOLDER = re.compile(r"<[^<>]{1,40}>|\{[^{}]{1,40}\}")


# -- the outcome ----------------------------------------------------------------------------------------


def read_outcome(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """Read what the answer must be into `reading.outcome` (and counts, filters, seeds)."""
    boundary = boundary_of(view)
    outcome = reading.outcome
    read_changes(view, lexicon, reading)  # it may tell the call is the item's update
    operation = reading.action.operation
    source = reading.claim.requirement_id
    _statuses(view, lexicon, reading, boundary)
    if outcome.refused and any(isinstance(c.value, Ref) for c in [*outcome.checks, *outcome.after_checks]):
        reading.unreadable.append("a refused call's answer cannot show how the item changes")
    if operation.method == "get" and not operation.path.endswith("}") and reading.stored is None:
        reading.stored = _stored(view, boundary)
    outputs = lexicon.errors(operation, outcome.statuses) if outcome.refused else lexicon.outputs(operation)
    still = any(view.tokens[i].lower in _STILL for i in range(boundary, len(view.tokens)))
    target = outcome.after_checks if still and operation.path.endswith("}") else outcome.checks
    for index in range(boundary, len(view.tokens)):
        token = view.tokens[index]
        if index in view.used:
            continue
        literal = (
            token.value
            if token.kind == "json"
            else json_literal(str(token.value))
            if token.kind == "code"
            else None
        )
        if isinstance(literal, dict):
            for name, raw in literal.items():
                pointer = outputs.by_key.get(key_of(name))
                if pointer is None:
                    reading.notes.append(f"'{name}' is not a documented field of the answer")
                    continue
                target += _value_checks(pointer, raw, source)
            view.used.add(index)
        elif token.kind == "code" and (
            pair := re.fullmatch(r"\s*\"?([\w.-]{1,80})\"?\s*[:=]\s*(.{1,200}?)\s*", str(token.value))
        ):
            pointer = outputs.by_key.get(key_of(pair.group(1)))
            value = literal_value(pair.group(2), outputs.schemas[pointer]) if pointer else []
            if pointer and value:
                target.append(FieldCheck(pointer=pointer, op="==", value=value[0], source=source))
                view.used.add(index)
    _headers(view, reading, boundary)
    _types(view, lexicon, outputs, reading, boundary)
    _order(view, lexicon, reading, boundary)
    _count(view, lexicon, reading, boundary)
    _paired_values(view, outputs, reading, boundary, target)
    _total_of_all(view, outputs, reading, boundary)
    _inclusion(view, lexicon, outputs, reading, boundary)
    if still and operation.path.endswith("}") and not outcome.after_checks and reading.state:
        outcome.after_checks = [
            FieldCheck(pointer=f"/{k}", op="==", value=v, source=source) for k, v in reading.state.items()
        ]


def _headers(view: ClaimView, reading: Reading, boundary: int) -> None:
    """A response header the outcome names: `WWW-Authenticate: Bearer` (present, its value starting so) or
    "a Location header" (present); a header it does not name stays unreadable."""
    for index in range(boundary, len(view.tokens)):
        token = view.tokens[index]
        written = token.kind in ("code", "quoted") and _HEADER.match(str(token.value))
        if written:
            name, _, start = str(token.value).partition(":")
            reading.outcome.headers[name.strip()] = start.strip()
            view.used.add(index)
        elif token.lower in ("header", "headers") and index > boundary and index - 1 not in view.used:
            name = _header_name(view, boundary, index)
            if name is None:
                shown = " ".join(t.text for t in view.tokens[max(boundary, index - 2) : index + 1])
                reading.unreadable.append(f"cannot tell which response header '{shown}' names")
                return
            reading.outcome.headers.setdefault(name, "")


def _header_name(view: ClaimView, boundary: int, index: int) -> str | None:
    """The name written just before "header": `Location`, ETag, WWW-Authenticate (capitalised, hyphened)."""
    before = view.tokens[index - 1]
    if before.kind == "code" and re.fullmatch(r"[A-Za-z][\w-]*", str(before.value)):
        return str(before.value)
    position, parts = index - 1, []
    while position >= boundary and view.tokens[position].kind == "word":
        parts.insert(0, view.tokens[position].text)
        if position - 2 < boundary or view.tokens[position - 1].text != "-":
            break
        parts.insert(0, "-")
        position -= 2
    name = "".join(parts)
    capitalised = name[:1].isupper() and name.lower() not in _DETERMINERS
    return name if capitalised else None


def _types(view: ClaimView, lexicon: Lexicon, outputs: Fields, reading: Reading, boundary: int) -> None:
    """ "priority is an integer", "shows its due date as a string": the field's JSON type; on a list, every
    item's (one item is created first, so the check has something to look at)."""
    operation = reading.action.operation
    for index in range(boundary + 1, len(view.tokens)):
        kind = _JSON_TYPES.get(view.tokens[index].lower)
        if kind is None or index in view.used or view.word(index - 1) not in _TYPE_CUES:
            continue
        if view.word(index - 1) == "of" and view.word(index - 2) in ("array", "list"):
            continue  # "an array of strings": the type of its items, not of a field
        found = next(
            (
                (start, hit)
                for start in range(index - 2, max(boundary, index - 8) - 1, -1)
                if start not in view.used and (hit := field_at(view, outputs, start))
            ),
            None,
        )
        if found is None:
            reading.unreadable.append(f"cannot tell which field must be {view.tokens[index].text}")
            return
        start, (pointer, size) = found
        view.used.update(range(start, start + size), {index})
        items = items_pointer(operation) if operation.method == "get" else None
        listed = (
            items is not None
            and pointer in lexicon.outputs(operation).schemas
            and not operation.path_parameters
        )
        source = reading.claim.requirement_id
        if listed:
            reading.outcome.checks.append(
                FieldCheck(pointer=items or "", op="type", item_pointer=pointer, value=kind, source=source)
            )
            reading.seeds = reading.seeds or [{}]
        else:
            reading.outcome.checks.append(FieldCheck(pointer=pointer, op="type", value=kind, source=source))


def _order(view: ClaimView, lexicon: Lexicon, reading: Reading, boundary: int) -> None:
    """ "ordered by most recent first", "sorted by price, highest first": two items are created, and the list
    must be in that order of the grounded field (a date-time or a number: text collation is not checkable)."""
    text = " ".join(t.text for t in view.tokens[boundary:])
    recency = _RECENCY.search(text)
    explicit = _SORTED.search(text)
    stated = recency or explicit
    if stated is None:
        return
    operation = reading.action.operation
    items = items_pointer(operation) if operation.method == "get" else None
    if items is None:
        reading.unreadable.append(f"'{stated.group(0)}' but the answer is not a list")
        return
    schemas = {k: v for k, v in flatten(item_schema(operation)).items() if k.count("/") == 1}
    if recency:
        dated = [k for k, v in schemas.items() if v.get("format") == "date-time"]
        wanted = "updat" if re.search(r"\b(?:updated|modified|changed)\b", text, re.IGNORECASE) else "creat"
        named = [k for k in dated if wanted in k.lower()] or (dated if len(dated) == 1 else [])
        descending = recency.group(1).lower() not in ("oldest", "earliest")
        if len(named) != 1:
            reading.unreadable.append(
                f"no single date-time field of the listed items to check '{recency.group(0)}' by"
            )
            return
        pointer = named[0]
    else:
        assert explicit is not None
        found = Fields(schemas).by_key.get(key_of(explicit.group(1)))
        direction = (explicit.group(2) or "").lower()
        if found is None or not direction:
            missing = "which field" if found is None else "in which direction"
            reading.unreadable.append(f"'{explicit.group(0)}' does not say {missing} the list is ordered")
            return
        if not types(schemas[found]) & {"integer", "number"} and schemas[found].get("format") != "date-time":
            reading.unreadable.append(
                f"the order of text values in '{explicit.group(0)}' depends on collation"
            )
            return
        pointer, descending = found, direction.startswith(("desc", "high", "large", "new", "late", "big"))
    schema = item_schema(operation)
    if pointer.lstrip("/") not in (schema.get("required") or []) or "null" in types(schemas[pointer]):
        reading.unreadable.append(
            f"listed items may lack {pointer.lstrip('/')}, and where those go is not said"
        )
        return
    op: Comparison = "descending" if descending else "ascending"
    reading.outcome.checks.append(
        FieldCheck(pointer=items, op=op, item_pointer=pointer, source=reading.claim.requirement_id)
    )
    reading.seeds = reading.seeds or [{}, {}]


def _value_checks(pointer: str, value: Any, source: str) -> list[FieldCheck]:
    """`== value`; for a text with placeholders ("Task <id> not found") the literal parts it contains."""
    if not isinstance(value, str) or not _PLACEHOLDER.search(value):
        return [FieldCheck(pointer=pointer, op="==", value=value, source=source)]
    parts = [p.strip() for p in _PLACEHOLDER.split(value) if len(p.strip()) >= 3]
    return [FieldCheck(pointer=pointer, op="contains", value=p, source=source) for p in parts]


def _statuses(view: ClaimView, lexicon: Lexicon, reading: Reading, boundary: int) -> None:
    """Status codes the outcome states (not ruled out, not a count), else refusal or success words."""
    outcome = reading.outcome
    documented = {int(r.status) for r in reading.action.operation.responses if r.status.isdigit()}
    for index in range(len(view.tokens)):
        token = view.tokens[index]
        if token.kind != "number" or not isinstance(token.value, int) or not 100 <= token.value <= 599:
            continue
        units = LENGTH_UNITS | COUNT_UNITS
        if (
            index in view.used
            or view.word(index + 1) in units
            or view.word(index + 1) in ("-", "+")
            and view.word(index + 2) in units | {"", "character"}
            or lexicon.noun_at(view.keys, index + 1)
        ):
            continue
        cued = view.word(index - 1) in STATUS_CUES or view.word(index - 2) in ("status", "code", "http")
        phrase = status_phrase_at(view, index + 1) == token.value
        if in_parentheses(view, index) and index < boundary or view.near(index, _NOT_THIS, before=2):
            continue
        if index >= boundary or (cued or phrase or token.value in documented) and not outcome.statuses:
            if token.value not in outcome.statuses:
                outcome.statuses.append(token.value)
            view.used.add(index)
    if outcome.statuses:
        return
    for index in range(boundary, len(view.tokens)):
        status = status_phrase_at(view, index)
        if status and status >= 200 and status != 200 or status == 200 and view.tokens[index].text == "OK":
            outcome.statuses.append(status)
            return
    negated_acceptance = any(
        view.near(i, _NOT_THIS | {"cannot", "can't", "mustn't", "won't"}, before=3)
        for word in ACCEPTANCE
        for i in view.positions.get(word, [])[:50]
    )
    refused = (
        view.has(REFUSAL - {"no", "not", "error"})
        or negated_acceptance
        or re.search(
            r"\b(?:no\s+way|not\s+(?:be\s+)?(?:allowed|possible|accepted|permitted)|cannot|can't)\b",
            view.claim.text,
            re.IGNORECASE,
        )
    )
    if refused:
        outcome.status_class = "4xx"
    elif view.has(ACCEPTANCE, boundary) or _can_be_done(view) or _returns_a_resource(view, lexicon, boundary):
        outcome.status_class = "2xx"


def _returns_a_resource(view: ClaimView, lexicon: Lexicon, boundary: int) -> bool:
    """ "returns a User", "will return the created Comment", "optional fields: bio": an answer of the spec.

    Only when the noun ends the claim: "returns articles ordered by date" says more than a success.
    """
    schemas = {key_of(name) for name in lexicon.api.schemas}
    last = len(view.tokens) - 1
    for index in view.markers:
        if index < boundary - 1:
            continue
        for ahead in range(max(index + 1, last - 1), min(index + 5, last + 1)):
            if (
                (view.keys[ahead],) in schemas
                or key_of(view.tokens[ahead].text) in schemas
                or noun_follows(view, ahead)
            ):
                return True
    return view.has(frozenset({"optional"})) and view.has(frozenset({"field", "fields"}))


def _can_be_done(view: ClaimView) -> bool:
    """ "Each booking can be retrieved by its id": a modal before the action says the call succeeds."""
    action = view.action_index
    return (
        action is not None and action > 0 and view.has(frozenset({"can", "may"}), max(0, action - 3), action)
    )


def _count(view: ClaimView, lexicon: Lexicon, reading: Reading, boundary: int) -> None:
    """ "no more than 5 entries", "5 tasks or fewer", "length ≤ 5": a length check, enough items first."""
    operation = reading.action.operation
    pointer = items_pointer(operation)
    if operation.method != "get" or operation.path.endswith("}") or pointer is None:
        return
    stored = _stored(view, boundary)
    for index in range(boundary, len(view.tokens)):
        number = number_at(view, index)
        if number is None or index in view.used or not isinstance(number, int):
            continue
        comparator = comparator_at(view, index)
        counted = (
            view.word(index + 1) in COUNT_UNITS
            or lexicon.noun_at(view.keys, index + 1)
            or view.has(frozenset({"length", "size", "count"}), max(0, index - 3), index)
        )
        if not counted or comparator in ("more", "less"):
            continue
        if comparator == "exact":
            if not _stored_at(view, index):
                reading.notes.append(f"an exact count of {number} depends on what else the service holds")
            continue
        op: Comparison = "len<=" if comparator == "most" else "len>="
        reading.outcome.checks.append(
            FieldCheck(pointer=pointer, op=op, value=number, source=reading.claim.requirement_id)
        )
        view.used.add(index)
        wanted = max(stored or 0, number + 1 if op == "len<=" else number)
        if wanted > MAX_SEEDS:
            reading.notes.append(f"{wanted} items would have to be created first")
            reading.outcome.checks.pop()
            continue
        reading.seeds = [{} for _ in range(wanted)]
        return


def _stored_at(view: ClaimView, index: int) -> bool:
    return view.word(index + 2) in ("stored", "exist", "exists") or view.word(index - 1) in (
        "hold",
        "holds",
        "with",
        "given",
    )


def _stored(view: ClaimView, boundary: int) -> int | None:
    """ "with eight tasks stored", "given more than five tasks exist": how many items the scene holds."""
    for index in range(len(view.tokens)):
        number = number_at(view, index)
        if number is None or not isinstance(number, int) or view.tokens[index].kind == "call":
            continue
        stored = view.word(index + 2) in ("stored", "exist", "exists") or view.word(index - 1) in (
            "hold",
            "holds",
            "with",
            "given",
        )
        if stored and view.word(index + 1) not in LENGTH_UNITS:
            comparator = comparator_at(view, index)
            return number + 1 if comparator == "more" else number
    return None


def _paired_values(
    view: ClaimView, outputs: Fields, reading: Reading, boundary: int, target: list[FieldCheck]
) -> None:
    """Field names next to values in the outcome ("priority 3", "status = open", "3 as the priority")."""
    source = reading.claim.requirement_id
    claimed = {c.pointer for c in target}
    values = [
        i for i in range(boundary, len(view.tokens)) if i not in view.used and _is_value(view, i, outputs)
    ]
    for index in range(boundary, len(view.tokens)):
        if index in view.used:
            continue
        found = field_at(view, outputs, index)
        if found is None:
            continue
        pointer, size = found
        schema = outputs.schemas[pointer]
        window = values[bisect_left(values, index - 5) : bisect_right(values, index + size + 3)]
        candidates = [v for v in window if v not in view.used]
        candidates.sort(key=lambda v: (v < index, abs(v - index)))
        for value_index in candidates:
            value = value_of(view.tokens[value_index], schema)
            if value and pointer not in claimed:
                if view.near(value_index, frozenset({"echo", "echoes"}), before=6) or pointer == "/items":
                    continue
                compared = _BOUND_OPS.get(comparator_at(view, value_index))
                if compared and view.tokens[value_index].kind == "number":  # "likes higher than 0"
                    target.append(FieldCheck(pointer=pointer, op=compared, value=value[0], source=source))
                else:
                    target += _value_checks(pointer, value[0], source)
                claimed.add(pointer)
                view.used.update({index, value_index})
                break
    for index in values:
        token = view.tokens[index]
        if index in view.used or token.kind == "number":
            continue
        text = str(token.value if token.kind != "word" else token.text)
        owners = [p for p in outputs.enum_fields(text) if p not in claimed and p.count("/") == 1]
        if len(owners) == 1 and not view.near(index, frozenset({"not"}), before=2):
            target.append(
                FieldCheck(
                    pointer=owners[0],
                    op="==",
                    value=typed(text, outputs.schemas[owners[0]])[0],
                    source=source,
                )
            )
            claimed.add(owners[0])
            view.used.add(index)
    _echoes(view, reading, values, claimed, target)
    _filter(view, reading, target)


def _echoes(
    view: ClaimView, reading: Reading, values: list[int], claimed: set[str], target: list[FieldCheck]
) -> None:
    """ "created with priority 5 … comes back with the integer 5": a lone value equal to one value sent."""
    for index in values:
        token = view.tokens[index]
        if index in view.used or token.kind not in ("number", "quoted"):
            continue
        sent = [n for n, v in reading.action.body.items() if v == token.value and f"/{n}" not in claimed]
        if len(sent) == 1:
            target.append(
                FieldCheck(
                    pointer=f"/{sent[0]}", op="==", value=token.value, source=reading.claim.requirement_id
                )
            )
            claimed.add(f"/{sent[0]}")
            view.used.add(index)


def _is_value(view: ClaimView, index: int, fields: Fields) -> bool:
    """Numbers, quoted and code literals that are not themselves field names, and bare words."""
    token = view.tokens[index]
    if token.kind in ("quoted", "code"):
        return key_of(str(token.value)) not in fields.by_key
    return token.kind in ("number", "word")


def _filter(view: ClaimView, reading: Reading, target: list[FieldCheck]) -> None:
    """On a list: a check on the field the query filters by becomes "every item has it", others seeded."""
    operation = reading.action.operation
    pointer = items_pointer(operation)
    if operation.method != "get" or operation.path.endswith("}") or pointer is None:
        return
    item_fields = view.lexicon.outputs(operation).schemas
    filters = {k: v for k, v in reading.action.query.items() if f"/{k}" in item_fields}
    total = total_pointer(operation)
    declared: int | None = None
    for check in list(target):
        name = check.pointer.lstrip("/")
        if check.op in ("==", "exists") and (
            name in filters or check.pointer in (pointer, total, "/total", "/count")
        ):
            target.remove(check)
            if check.op != "==" or not isinstance(check.value, int) or check.pointer == pointer:
                continue
            if check.pointer == total and check.value == reading.stored:
                declared = check.value
            else:
                reading.notes.append(
                    f"an exact {name} of {check.value} depends on what else the service holds"
                )
    for name, value in filters.items():
        target.append(
            FieldCheck(
                pointer=pointer,
                op="all==",
                item_pointer=f"/{name}",
                value=value,
                source=reading.claim.requirement_id,
            )
        )
        reading.seeds = [{name: value}]
        reading.contrast = {name: value}
    if declared is not None:
        _declared_total(reading, declared)


def _declared_total(reading: Reading, stored: int) -> None:
    """ "with 8 tasks stored … `total` reports 8": the store is shared, so the total must equal the items on
    all pages (the walk asserts it), at least the `stored` ones the test creates first (alike, when a filter
    already says what the created ones hold)."""
    if stored > MAX_SEEDS:
        reading.notes.append(f"{stored} items would have to be created first")
        return
    reading.outcome.walk = True
    alike = reading.seeds[0] if reading.seeds else {}
    reading.seeds += [dict(alike) for _ in range(stored - len(reading.seeds))]
    reading.outcome.checks.append(
        FieldCheck(pointer="", op="len>=", value=stored, source=reading.claim.requirement_id)
    )


def _total_of_all(view: ClaimView, outputs: Fields, reading: Reading, boundary: int) -> None:
    """ "`total` gives the number of all tasks, not just the page's": the declared total equals the items on
    all pages, with more items created first than one page holds."""
    operation = reading.action.operation
    total = total_pointer(operation)
    if total is None or reading.outcome.walk or operation.method != "get" or operation.path.endswith("}"):
        return
    for index in range(boundary, len(view.tokens)):
        found = field_at(view, outputs, index) if index not in view.used else None
        if found is None or found[0] != total:
            continue
        end = index + found[1]
        if view.near(end, _ALL_COUNTED, before=0, after=4) and view.has(
            frozenset({"of", "all"}), end, end + 6
        ):
            view.used.update(range(index, end))
            limit = next((v for k, v in reading.action.query.items() if k.lower() in _LIMITS), None)
            shown = max(reading.stored or 0, limit + 1 if isinstance(limit, int) else 1)
            _declared_total(reading, shown)
            return


# A field "equal to", "the same as", "matching" something: a comparison some reader must place.
_EQUALS = frozenset({"equal", "equals", "same", "match", "matches", "identical"})
# "owner_id equal to my user id", "… is the caller's id", "… is mine", "… belongs to me": the caller's own id.
_CALLERS_ID = re.compile(
    r"\s*(?:(?:that|which|is|are|must\s+be|should\s+be|equals?(?:\s+to)?|matches|the\s+same\s+as)\s+){1,2}"
    r"(?:my|the\s+(?:caller|current\s+user|signed[-\s]in\s+user|logged[-\s]in\s+user)'?s?)\s+"
    r"(?:own\s+)?(?:user\s+|account\s+)?id\b"
    r"|\s*(?:(?:that|which)\s+)?(?:is\s+mine|are\s+mine|belongs?\s+to\s+me)\b",
    re.IGNORECASE,
)
# Where an API answers who the caller is: GET /me, /users/me, /user.
_CURRENT_USER_PATHS = ("/me", "/user", "/whoami")


def _compare_with_callers_id(lexicon: Lexicon, reading: Reading, pointer: str) -> None:
    """The field equals the id the spec's current-user call answers, read first; without one, unreadable."""
    name = pointer.lstrip("/")
    current = next(
        (
            op
            for op in lexicon.api.operations
            if op.method == "get"
            and op.security
            and not op.path_parameters
            and op.path.rstrip("/").endswith(_CURRENT_USER_PATHS)
        ),
        None,
    )
    if current is None:
        reading.unreadable.append(
            f"'{name}' must equal the caller's id, but the spec has no call that answers the current user"
        )
        return
    id_pointer = lexicon.outputs(current).by_key.get(("id",))
    if id_pointer is None:
        reading.unreadable.append(
            f"'{name}' must equal the caller's id, but {current.method.upper()} {current.path} answers no id"
        )
        return
    reading.caller = current
    reading.outcome.checks.append(
        FieldCheck(
            pointer=pointer,
            op="==",
            value=Ref(step="caller", pointer=id_pointer),
            source=reading.claim.requirement_id,
        )
    )


# "echoes the title", "returns the same description": the answer holds what the call sent.
_SENT_BACK = frozenset({"echo", "echoes", "echoed", "same"})
# "the notes stay unchanged", "leaves the notes as they were": an update keeps the field's value.
_UNCHANGED = frozenset({"previous", "unchanged", "keep", "untouched", "intact"})
_LEAVES = frozenset({"leave", "leaves", "left", "keep", "keeps"})


def _send_a_value(view: ClaimView, reading: Reading, name: str) -> None:
    """A field the answer must echo is sent, with a value of its own: only then can the echo fail."""
    if reading.action.operation.method not in ("post", "put", "patch"):
        return
    schema = view.lexicon.inputs(reading.action.operation).schemas.get(name)
    value = non_null_value(schema, name=name) if schema is not None and "/" not in name else None
    if value is not None:
        reading.action.body[name] = value


def _inclusion(view: ClaimView, lexicon: Lexicon, outputs: Fields, reading: Reading, boundary: int) -> None:
    """ "returns `id`, `title` and `created_at`": listed fields are present; "equals the create response"
    compares with the creation's answer."""
    source = reading.claim.requirement_id
    claimed = {c.pointer for c in reading.outcome.checks}
    listed: list[str] = []
    compared_with_caller = False
    said_after = len(view.tokens)  # "owner_id equal to my user id": "id" there is the caller's, not a field
    for index in range(boundary, len(view.tokens)):
        found = field_at(view, outputs, index) if index not in view.used and index < said_after else None
        if found is None:
            continue
        pointer = found[0]
        after = index + found[1]
        callers = (
            _CALLERS_ID.match(view.claim.text, view.tokens[after].start) if after < len(view.tokens) else None
        )
        if callers:
            _compare_with_callers_id(lexicon, reading, pointer)
            claimed.add(pointer)
            compared_with_caller = True
            said_after = next(
                (i for i, t in enumerate(view.tokens) if t.start >= callers.end()), len(view.tokens)
            )
            continue
        end = len(view.tokens)
        following = next((j for j in range(after, end) if field_at(view, outputs, j)), end)
        equals = view.has(_EQUALS, after, min(following, after + 4))
        created = view.near(
            index, frozenset({"create", "creation", "created", "previous", "earlier", "post"}), 0, 8
        )
        if equals and created:
            reading.outcome.checks.append(
                FieldCheck(
                    pointer=pointer, op="==", value=Ref(step="created", pointer=pointer), source=source
                )
            )
            claimed.add(pointer)
            continue
        name = pointer.lstrip("/")
        if equals and pointer not in claimed:
            # A stated equality no reader placed: checking the field's presence alone would test less.
            reading.unreadable.append(f"cannot tell what '{name}' must equal")
            continue
        if view.near(index, _SENT_BACK, before=5) and name not in reading.action.body:
            _send_a_value(view, reading, name)
        if view.near(index, _SENT_BACK | {"keep", "keeps"}, before=5) and name in reading.action.body:
            reading.outcome.checks.append(
                FieldCheck(
                    pointer=pointer, op="==", value=reading.action.body[pointer.lstrip("/")], source=source
                )
            )
            claimed.add(pointer)
            continue
        # Up to the next field named: "changes the title and leaves the description unchanged" keeps only one.
        previous = view.has(_UNCHANGED, index, following) or view.near(index, _LEAVES, before=3)
        if (
            previous
            and name not in reading.changed
            and reading.action.operation.path.endswith("}")
            and reading.action.operation.method in ("patch", "put")
        ):
            if pointer.lstrip("/") not in reading.action.body:
                reading.outcome.checks.append(
                    FieldCheck(
                        pointer=pointer, op="==", value=Ref(step="created", pointer=pointer), source=source
                    )
                )
                claimed.add(pointer)
            continue
        if (
            view.tokens[index].kind == "code"
            or view.word(index - 1) in (",", "and")
            or view.word(index + found[1]) in (",", "and")
        ):
            listed.append(pointer)
    if (
        len(listed) >= 2
        # "its label and an owner_id that is mine": a field joined to one checked otherwise is listed too.
        or listed
        and compared_with_caller
        or listed
        and view.tokens[boundary:]
        and any(view.tokens[i].kind == "code" for i in range(boundary, len(view.tokens)))
    ):
        reading.outcome.checks += [
            FieldCheck(pointer=p, op="exists", source=source) for p in listed if p not in claimed
        ]
