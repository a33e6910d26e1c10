"""Outcomes about change: a field that follows another one, and a number that moves by an amount.

"The slug also gets updated when the title is changed", "renaming an item gives it a new slug": the test
changes the cause to another value and checks that the derived field now differs from the item's (kept, when
the text says it stays). "favoritesCount one higher", "the stock drops by 2", "is incremented", "never below
0": the item is read right before the call and the number compared with what it was.
"""

from __future__ import annotations

import re

from generators.api.reading.lexicon import Fields, Lexicon, flatten, key_of, success_schema
from generators.api.reading.model import Call, Reading
from generators.api.reading.view import ClaimView, field_at, kinds_of, number_at
from generators.api.resources import Resource
from vocabulary.api_model import JsonSchema, Operation
from vocabulary.claims import Comparison, FieldCheck, Ref

# What the text changes: "when the title is changed", "changing the title", "renaming it".
_CAUSES = frozenset(
    (
        "change changes changed changing rename renames renamed renaming edit edits edited editing modify "
        "modifies modified modifying alter alters altered altering update updates updated updating"
    ).split()
)
_RENAMES = frozenset({"rename", "renames", "renamed", "renaming"})
_CONDITIONS = frozenset({"when", "whenever", "if", "after", "once", "on", "upon"})
# What happens to the derived field: it changes along, or it is a new one.
_FOLLOWS = frozenset(
    (
        "change changes changed update updates updated regenerate regenerates regenerated recompute "
        "recomputes recomputed refresh refreshes refreshed follow follows followed differ differs new "
        "different"
    ).split()
)
_KEPT = frozenset({"stay", "stays", "remain", "remains", "keep", "keeps", "kept", "unchanged", "same"})
_NEGATION = frozenset({"not", "never", "no", "doesn't", "don't", "won't"})
# Names of the field a rename changes, by preference.
_NAME_KEYS = (("name",), ("title",))

_UP = frozenset(
    (
        "higher more increase increases increased increment increments incremented rise rises rose "
        "grow grows grew up bump bumps bumped"
    ).split()
)
_DOWN = frozenset(
    (
        "lower less fewer decrease decreases decreased decrement decrements decremented drop drops dropped "
        "fall falls fell shrink shrinks shrank down lowers lowered reduce reduces reduced"
    ).split()
)
# Comparatives, which say a move only with an amount ("one higher"); the verbs say it alone ("drops").
_COMPARATIVES = frozenset({"higher", "more", "up", "lower", "less", "fewer", "down"})
# Words after which the number is a bound or a target, not a move: "higher than 5", "increases to 10".
_NOT_A_MOVE = frozenset({"than", "to", "up", "beyond", "past", "or", "limit", "at"})
# Verbs whose amount is one when the text gives none.
_BY_ONE = frozenset({"increment", "increments", "incremented", "decrement", "decrements", "decremented"})
_FLOOR = re.compile(
    r"\b(?:never|not|no)\s+(?:goes\s+|go\s+|drops\s+|falls\s+)?(?:below|under|less\s+than|lower\s+than)\s+"
    r"(-?\d+|zero)\b|\bnever\s+negative\b",
    re.IGNORECASE,
)
_SPAN = 6  # tokens between a field and the words that say what happens to it


def read_changes(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """Read a derived field that follows another, or a number that moves, into `reading`."""
    _derived(view, lexicon, reading)
    _relative(view, lexicon, reading)


# -- a field that follows another --------------------------------------------------------------------------


def _derived(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """ "A (also) gets updated when B is changed", "changing B changes A", "renaming … gives a new A"."""
    causes = [i for i, t in enumerate(view.tokens) if t.lower in _CAUSES and i not in view.used]
    if not causes:
        return
    changer, resource = _changer(lexicon, reading.action.operation)
    if changer is None or resource is None or resource.create is None:
        return
    creator = lexicon.api.operation(resource.create)
    inputs, outputs = lexicon.inputs(changer), lexicon.outputs(changer)
    cause = _cause_field(view, inputs, causes)
    if cause is None:
        return
    cause_name, cause_span = cause
    effect = _effect_field(view, outputs, cause_name, cause_span)
    if effect is None or creator is None:
        return
    pointer, kept, effect_span = effect
    if not kept and outputs.schemas[pointer].get("format") in ("date", "date-time"):
        reading.unreadable.append(
            f"{pointer.lstrip('/')} is a time: within one test's second it may rightly not move"
        )
        return
    remembered = lexicon.outputs(creator).by_key.get(key_of(pointer.rsplit("/", 1)[-1]))
    if remembered is None:
        reading.unreadable.append(
            f"the answer of {creator.method.upper()} {creator.path} gives no {pointer.lstrip('/')} "
            "to compare with"
        )
        return
    if changer is not reading.action.operation:
        if reading.action.body or reading.action.query or reading.state or reading.prior:
            return  # what the text says it sends or does first belongs to another call
        reading.action = Call(changer, auth=reading.action.auth, headers=dict(reading.action.headers))
    reading.changed.append(cause_name)
    op: Comparison = "==" if kept else "!="
    reading.outcome.checks.append(
        FieldCheck(
            pointer=pointer,
            op=op,
            value=Ref(step="created", pointer=remembered),
            source=reading.claim.requirement_id,
        )
    )
    if not kept and remembered == resource.id_pointer:
        reading.new_key = pointer
    view.used.update(cause_span, effect_span)


def _changer(lexicon: Lexicon, operation: Operation) -> tuple[Operation | None, Resource | None]:
    """The update of the item the claim's call is about: that call itself when it is one."""
    resource = lexicon.owner(operation) or next(
        (r for r in lexicon.resources if operation.path == r.collection_path), None
    )
    if resource is None:
        return None, None
    if operation.method in ("put", "patch") and operation.path == resource.item_path:
        return operation, resource
    return lexicon.api.operation(resource.update or resource.replace or ""), resource


def _cause_field(view: ClaimView, inputs: Fields, causes: list[int]) -> tuple[str, set[int]] | None:
    """The field the text changes: next to a change word ("the title is changed", "changing the title"), or
    the item's name when it is renamed; with the tokens saying so."""
    for cause in causes:
        for index in range(max(0, cause - _SPAN), min(len(view.tokens), cause + 4)):
            found = field_at(view, inputs, index) if index not in view.used else None
            if found is None:
                continue
            before = index < cause and view.has(_CONDITIONS, max(0, index - 3), index)
            after = index > cause and view.word(cause).endswith("ing")
            if before or after or view.tokens[cause].lower in _RENAMES:
                return found[0], {cause, *range(index, index + found[1])}
        if view.tokens[cause].lower in _RENAMES:
            named = next((inputs.by_key[k] for k in _NAME_KEYS if k in inputs.by_key), None)
            if named is not None:
                return named, {cause}
    return None


def _effect_field(
    view: ClaimView, outputs: Fields, cause: str, taken: set[int]
) -> tuple[str, bool, set[int]] | None:
    """The field that follows the change, whether the text says it is kept instead, and its tokens."""
    leaf = key_of(cause.rsplit("/", 1)[-1])
    for index in range(len(view.tokens)):
        found = field_at(view, outputs, index) if index not in view.used | taken else None
        if found is None or key_of(found[0].rsplit("/", 1)[-1]) == leaf:
            continue
        span = range(index, index + found[1])
        window = range(max(0, index - 2), min(len(view.tokens), index + found[1] + _SPAN))
        follows = any(view.tokens[i].lower in _FOLLOWS for i in window if i not in taken)
        kept = any(view.tokens[i].lower in _KEPT for i in window)
        if kept or follows and not any(view.tokens[i].lower in _NEGATION for i in window):
            return found[0], kept, set(span)
    return None


# -- a number that moves -----------------------------------------------------------------------------------


def _relative(view: ClaimView, lexicon: Lexicon, reading: Reading) -> None:
    """ "`favoritesCount` one higher", "the count goes up by 2", "stock drops by 1 (never below 0)"."""
    operation = reading.action.operation
    resource = lexicon.owner(operation)
    if resource is not None and operation.method == "delete" and operation.path == resource.item_path:
        return  # the item is gone afterwards: none of its numbers can be read again
    reader = lexicon.api.operation(resource.read) if resource and resource.read else None
    answer = lexicon.outputs(operation)
    for index, token in enumerate(view.tokens):
        up, down = token.lower in _UP, token.lower in _DOWN
        if not up and not down or index in view.used or view.word(index + 1) in _NOT_A_MOVE:
            continue
        amount, amount_at = _amount(view, index)
        if amount is None and token.lower in _BY_ONE:
            amount = 1
        if amount is None and token.lower in _COMPARATIVES:
            continue
        counter = _counter(view, answer, index) or (
            _counter(view, lexicon.outputs(reader), index) if reader else None
        )
        if counter is None:
            continue
        pointer, span, schema = counter
        if key_of(pointer.rsplit("/", 1)[-1]) in lexicon.inputs(operation).by_key:
            continue  # the call itself sends that number: a move of it is the client's, not the service's
        before = lexicon.outputs(reader).by_key.get(key_of(pointer.rsplit("/", 1)[-1])) if reader else None
        if reader is None or before is None:
            reading.unreadable.append(
                f"no read of the item {operation.method.upper()} {operation.path} acts on gives "
                f"{pointer.lstrip('/')} before the call"
            )
            return
        view.used.update(span, amount_at, {index})
        in_answer = pointer in flatten(success_schema(operation))
        checked = pointer if in_answer else before
        source = reading.claim.requirement_id
        if amount is None:  # "lowers the stock": it moves, by how much is not said
            op: Comparison = ">" if up else "<"
            check = FieldCheck(
                pointer=checked, op=op, value=Ref(step="before", pointer=before), source=source
            )
        else:
            floor = _floor(view, schema) if down else None
            shifted = Ref(step="before", pointer=before, plus=amount if up else -amount, at_least=floor)
            check = FieldCheck(pointer=checked, op="==", value=shifted, source=source)
        (reading.outcome.checks if in_answer else reading.outcome.after_checks).append(check)
        if down and not reading.prior:
            reading.prior = _undone_first(lexicon, operation)
        return


def _counter(view: ClaimView, fields: Fields, index: int) -> tuple[str, set[int], JsonSchema] | None:
    """The numeric field a direction word is about (the nearest one written before it, else just after), its
    tokens and its schema."""
    after = range(index + 1, min(len(view.tokens), index + 4))
    for position in [*range(index - 1, max(-1, index - _SPAN - 1), -1), *after]:
        found = field_at(view, fields, position) if position not in view.used else None
        if found and {"integer", "number"} & kinds_of(schema := fields.schemas[found[0]]):
            return found[0], set(range(position, position + found[1])), schema
    return None


def _amount(view: ClaimView, index: int) -> tuple[int | None, set[int]]:
    """The amount of a move: "one higher", "2 more", "by 3", "goes up by one"; None when not written."""
    before = number_at(view, index - 1) if index > 0 else None
    if isinstance(before, int) and before > 0:
        return before, {index - 1}
    for position in range(index + 1, min(len(view.tokens), index + _SPAN)):
        if view.word(position) in (",", ";", ".", "and", "when", "if"):
            break
        if view.word(position) == "by" and position + 1 < len(view.tokens):
            number = number_at(view, position + 1)
            if isinstance(number, int) and number > 0:
                return number, {position, position + 1}
    return None, set()


def _floor(view: ClaimView, schema: JsonSchema) -> int | float | None:
    """Where a decrease stops: a stated "never below 0" ("never negative"), else the field's minimum."""
    stated = _FLOOR.search(view.claim.text)
    if stated:
        written = stated.group(1)
        return 0 if written is None or written.lower() == "zero" else int(written)
    minimum = schema.get("minimum")
    return minimum if isinstance(minimum, int | float) and not isinstance(minimum, bool) else None


def _undone_first(lexicon: Lexicon, operation: Operation) -> list[tuple[Operation, list[int]]]:
    """A DELETE that undoes the POST on its path (unfavourite, unfollow): that POST first, so the number has
    something to go down from."""
    if operation.method != "delete":
        return []
    undone = next((o for o in lexicon.operations_on(operation.path) if o.method == "post"), None)
    return [(undone, [])] if undone else []
