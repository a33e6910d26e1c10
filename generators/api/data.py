"""Deterministic test data from resolved JSON Schemas: valid values, variants, and targeted invalid values.

Everything here is pure: the same schema, name and variant always give the same value, so regenerating a
suite from an unchanged spec yields byte-identical tests. Every value is checked with Draft 2020-12.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import contextvars
import copy
import functools
import itertools
import json
import math
import re
import string
import uuid
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Literal, get_args

from jsonschema import Draft202012Validator

from vocabulary.api_model import JsonSchema
from vocabulary.claims import Unique

InvalidKind = Literal[
    "missing_required",
    "wrong_type",
    "below_minimum",
    "above_maximum",
    "too_short",
    "too_long",
    "invalid_enum",
    "invalid_format",
    "pattern_mismatch",
]
# The order invalid cases are listed in, within one property: the Literal's own order.
INVALID_KINDS: tuple[InvalidKind, ...] = get_args(InvalidKind)


class UnsatisfiableSchema(ValueError):
    """No value satisfying the schema could be built (contradictory or unsupported constraints)."""


class _TooDeep(UnsatisfiableSchema):
    """The nesting limit was hit; never retried with other variants, which would recurse the same way."""


@dataclass(frozen=True)
class InvalidCase:
    """A value breaking one constraint; `field` is the top-level property it breaks (None for parameters).

    `description` is a noun phrase ("'priority' below the minimum 1") that reads after "Send" or "rejects".
    """

    description: str
    value: Any
    field: str | None
    kind: InvalidKind


_FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
# Keywords that descend into the instance's parts; all others look at the instance itself.
_APPLICATORS = frozenset(
    {
        "$ref",
        "$dynamicRef",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "prefixItems",
        "items",
        "contains",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)


def is_valid(schema: JsonSchema, value: Any) -> bool:
    """Whether value validates against schema under Draft 2020-12, with format checking on."""
    synthesizer = _SHARED.get()
    if synthesizer is not None:
        return synthesizer.verdict(schema, value)
    return _validator(schema).is_valid(value)


def _validator(schema: Any) -> Draft202012Validator:
    """A validator that checks the instance's own keywords before descending into its parts.

    The verdict is the same in any keyword order, but a 1,000-item array breaking maxItems or uniqueItems
    is then rejected without validating every item first.
    """
    if isinstance(schema, dict):
        own = {key: value for key, value in schema.items() if key not in _APPLICATORS}
        schema = own | {key: value for key, value in schema.items() if key in _APPLICATORS}
    return Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)


# ---------------------------------------------------------------------------------------------------------
# Valid values
# ---------------------------------------------------------------------------------------------------------

_ATTEMPTS = 8  # synthesized variants tried beyond the requested one before declaring the schema unsatisfiable
_MAX_DEPTH = 40  # only cyclic (self-referencing) schema dicts get near this
_SHALLOW_DEPTH = 10  # deeper than this, arrays hold only what minItems demands, so recursive shapes terminate
_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean", "null"})
_EMPTY_SCHEMA: JsonSchema = {}
_NOTHING: Any = object()
_IMPLIED_TYPES = (
    ("object", ("properties", "required", "additionalProperties", "patternProperties", "minProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)

_BASE_DATE = date(2024, 1, 15)
_SWAGGER_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"  # the one every Swagger UI shows: readers recognise it
_LOREM = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore"
_INTEGER_HINTS = {"age": 30, "year": 2024, "page": 1, "limit": 10, "size": 10, "port": 8080}
_NUMBER_HINTS = {
    "price": 9.99,
    "amount": 9.99,
    "cost": 9.99,
    "total": 9.99,
    "rating": 4.5,
    "score": 4.5,
    "latitude": 52.52,
    "lat": 52.52,
    "longitude": 13.405,
    "lon": 13.405,
    "lng": 13.405,
}


def valid_value(schema: JsonSchema, *, name: str = "", variant: int = 0) -> Any:
    """A value valid against schema: const, example, default, enum[variant], else synthesized from keywords.

    Variant n > 0 is the n-th distinct valid alternative (wrapping if fewer exist); `name` hints the text.
    """
    if variant < 0:
        raise ValueError("variant must be >= 0")
    return copy.deepcopy((_SHARED.get() or _Synthesizer()).value(schema, name, variant, 0))


def non_null_value(schema: JsonSchema, *, name: str = "") -> Any:
    """A valid value other than null ("string or null" gives a string); None when only null fits.

    What a test compares after a call must be something the service could lose: a null it keeps or drops
    reads the same.
    """
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    for branch in branches:
        if branch.get("type") != "null" and "null" not in (branch.get("type") or []):
            value = valid_value(branch, name=name)
            if value is not None:
                return value
    return None


@contextlib.contextmanager
def shared_synthesis() -> Iterator[None]:
    """Within the block every valid_value call shares one memo: a big spec reuses its component schemas."""
    token = _SHARED.set(_Synthesizer())
    try:
        yield
    finally:
        _SHARED.reset(token)


def minimal_valid_object(schema: JsonSchema) -> dict[str, Any]:
    """valid_value(schema) cut to its required properties, plus the optional ones minProperties needs."""
    full = valid_value(schema)
    if not isinstance(full, dict):
        raise UnsatisfiableSchema("the schema does not describe an object")
    required = _required(schema)
    optional = [key for key in full if key not in required]
    for count in range(len(optional) + 1):
        kept = {key: value for key, value in full.items() if key in required or key in optional[:count]}
        if is_valid(schema, kept):
            return kept
    return full  # unreachable: with every optional property kept, this is the valid full value


class _Search:
    """The distinct valid alternatives of one schema, found lazily from its candidate groups."""

    def __init__(self, schema: JsonSchema, groups: Iterator[tuple[int, Iterable[Any]]]) -> None:
        self.schema = schema  # held so the id() keying this search stays this schema's
        self.groups = groups
        self.found: list[Any] = []
        self.attempts: list[int] = []  # the synthesis attempt that found each value: never decreasing
        self.seen: set[str] = set()
        self.synthesized = 0  # synthesis attempts consumed
        self.exhausted = False
        self.active = False  # being advanced right now, further up the stack
        self.failure: UnsatisfiableSchema | None = None

    def advance(self, valid: Callable[[Any, Any], bool]) -> None:
        """Try the next candidate group."""
        step = next(self.groups, None)
        if step is None:
            self.exhausted = True
            return
        attempt, group = step
        self.synthesized = max(self.synthesized, attempt + 1)
        try:
            pick = next((c for c in group if _is_json(c) and valid(self.schema, c)), _NOTHING)
        except _TooDeep:
            raise
        except UnsatisfiableSchema as exc:
            self.failure = exc
            return
        if pick is _NOTHING:
            return
        fingerprint = json.dumps(pick, sort_keys=True)
        if fingerprint not in self.seen:
            self.seen.add(fingerprint)
            self.found.append(pick)
            self.attempts.append(attempt)


class _Synthesizer:
    """One generation run: memoizes values and validators per schema object, which keeps nesting cheap."""

    def __init__(self) -> None:
        # Entries hold the schema itself so its id() cannot be reused by a later temporary dict.
        self._memo: dict[tuple[int, str, int], tuple[Any, Any]] = {}
        self._validators: dict[int, tuple[Any, Draft202012Validator]] = {}
        # (id(schema), the value as JSON text) -> verdict: planning and rendering re-check the same pairs.
        self._verdicts: dict[tuple[int, str], bool] = {}
        # Alternatives found so far per (schema, name): variant n resumes where variant n - 1 stopped.
        self._searches: dict[tuple[int, str], _Search] = {}
        # (id(schema), keyword, branch index) -> (schema, the merged schema); see _merged.
        self._merges: dict[tuple[int, str, int | None], tuple[JsonSchema, JsonSchema]] = {}
        # id(schema) -> (schema, the first schema seen with the same JSON text), and that text -> that schema.
        # Specs repeat inline schemas (3.1's `oneOf: [null, $ref]`) and invalid values come from new dicts:
        # one memo entry, search and validator serves every copy.
        self._twins: dict[int, tuple[Any, Any]] = {}
        self._by_text: dict[str, JsonSchema] = {}

    def value(self, schema: Any, name: str, variant: int, depth: int) -> Any:
        """The variant-th distinct valid value of schema (memoized)."""
        if schema is True:
            schema = _EMPTY_SCHEMA
        if not isinstance(schema, dict):
            raise UnsatisfiableSchema("the schema `false` accepts no value")
        schema = self._interned(schema)
        if depth > _MAX_DEPTH:
            raise _TooDeep(f"schema nests deeper than {_MAX_DEPTH} levels")
        # Depth is left out of the key: resolved specs share subschema dicts between places of any depth, and
        # only cyclic schemas (which the depth limits exist for) produce values that depend on it.
        key = (id(schema), name, variant)
        if key in self._memo:
            outcome = self._memo[key][1]
            if isinstance(outcome, UnsatisfiableSchema):
                raise outcome
            return outcome
        try:
            outcome = self._choose(schema, name, variant, depth)
        except UnsatisfiableSchema as exc:
            self._memo[key] = (schema, exc)
            raise
        self._memo[key] = (schema, outcome)
        return outcome

    def valid(self, schema: Any, value: Any) -> bool:
        """`verdict`, with a schema's invalid pattern reported as unsatisfiable."""
        try:
            return self.verdict(schema, value)
        except re.error as exc:
            raise UnsatisfiableSchema(f"schema has an invalid pattern: {exc}") from exc

    def verdict(self, schema: Any, value: Any) -> bool:
        """Draft 2020-12 validation with formats: validator cached per schema object, verdict per value."""
        schema = self._interned(schema)
        entry = self._validators.get(id(schema))
        if entry is None:
            entry = (schema, _validator(schema))
            self._validators[id(schema)] = entry
        if not _is_json(value):
            return entry[1].is_valid(value)  # no exact text to remember it by (a tuple reads as a list)
        key = (id(schema), json.dumps(value))
        known = self._verdicts.get(key)
        if known is None:
            known = self._verdicts[key] = entry[1].is_valid(value)
        return known

    def _interned(self, schema: Any) -> Any:
        """The first schema seen with this one's JSON text; itself when cyclic or not plain JSON."""
        entry = self._twins.get(id(schema))
        if entry is None:
            try:
                text = json.dumps(schema)
            except (TypeError, ValueError, RecursionError):  # a YAML date, or a cyclic schema
                text = None
            twin = schema
            # Text that reads back as something else came from non-JSON parts (a YAML `on:` key is True).
            if text is not None and json.loads(text) == schema:
                twin = self._by_text.setdefault(text, schema)
            entry = self._twins[id(schema)] = (schema, twin)
        return entry[1]

    def _choose(self, schema: JsonSchema, name: str, variant: int, depth: int) -> Any:
        """The variant-th distinct alternative, found within the first `variant + _ATTEMPTS` syntheses."""
        key = (id(schema), name)
        search = self._searches.get(key)
        if search is None or search.active:
            # A cyclic schema re-enters its own search from deeper down: that level searches on its own.
            search = _Search(schema, self._candidate_groups(schema, name, depth))
            self._searches.setdefault(key, search)
        budget = variant + _ATTEMPTS
        search.active = True
        try:
            while len(search.found) <= variant and search.synthesized < budget and not search.exhausted:
                search.advance(self.valid)
        except UnsatisfiableSchema:
            if self._searches.get(key) is search:
                del self._searches[key]  # its candidate generator died with the error
            raise
        finally:
            search.active = False
        # Only what the budget of this variant reaches counts, so the answer never depends on call order.
        found = search.found[: bisect.bisect_left(search.attempts, budget)]
        if not found:
            where = f" of {name!r}" if name else ""
            raise search.failure or UnsatisfiableSchema(f"no value satisfies the schema{where}")
        return found[variant % len(found)]

    def _candidate_groups(
        self, schema: JsonSchema, name: str, depth: int
    ) -> Iterator[tuple[int, Iterable[Any]]]:
        """Candidates in priority order, each group tagged with its synthesis attempt (-1: from the spec).

        From each group the first valid candidate counts as one alternative.
        """
        if "const" in schema:
            yield -1, (schema["const"],)
            return
        if isinstance(schema.get("examples"), list):
            yield from ((-1, (example,)) for example in schema["examples"])
        if "example" in schema:
            yield -1, (schema["example"],)
        if "default" in schema:
            yield -1, (schema["default"],)
        if isinstance(schema.get("enum"), list):
            yield from ((-1, (member,)) for member in schema["enum"])
            return
        for attempt in itertools.count():
            yield attempt, self._synthesize(schema, name, attempt, depth)

    def _synthesize(self, schema: JsonSchema, name: str, variant: int, depth: int) -> Iterator[Any]:
        """Synthesized candidates for one variant, most readable first."""
        if isinstance(schema.get("allOf"), list):
            yield self.value(self._merged(schema, "allOf", None), name, variant, depth)
            return
        for keyword in ("oneOf", "anyOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list) and branches:
                yield from self._branches(schema, keyword, branches, name, variant, depth)
                return
        failure: UnsatisfiableSchema | None = None
        for type_ in _types(schema):
            try:
                yield from self._typed(schema, type_, name, variant, depth)
            except _TooDeep:
                raise
            except UnsatisfiableSchema as exc:
                failure = exc
        if failure is not None:
            raise failure

    def _branches(
        self, schema: JsonSchema, keyword: str, branches: list[Any], name: str, variant: int, depth: int
    ) -> Iterator[Any]:
        # A null branch is how 3.1 specs spell "nullable"; a real value says more in a test.
        usable = [index for index, branch in enumerate(branches) if branch is not False]
        ordered = sorted(usable, key=lambda index: _types(_as_schema(branches[index])) == ["null"])
        for index in ordered:
            try:
                yield self.value(self._merged(schema, keyword, index), name, variant, depth)
            except _TooDeep:
                raise
            except UnsatisfiableSchema:
                continue

    def _merged(self, schema: JsonSchema, keyword: str, index: int | None) -> JsonSchema:
        """The schema without `keyword`, conjoined with all its parts (index None) or with one branch.

        Built once per schema and branch: the same dict object lets later variants resume its search.
        """
        key = (id(schema), keyword, index)
        if key not in self._merges:
            merged = {k: v for k, v in schema.items() if k != keyword}
            for part in schema[keyword] if index is None else [schema[keyword][index]]:
                merged = _merge(merged, _as_schema(part))
            self._merges[key] = (schema, merged)
        return self._merges[key][1]

    def _typed(self, schema: JsonSchema, type_: str, name: str, variant: int, depth: int) -> Iterator[Any]:
        if type_ == "null":
            yield None
        elif type_ == "boolean":
            yield variant % 2 == 0
        elif type_ in ("integer", "number"):
            yield from _numbers(schema, type_ == "integer", name, variant)
        elif type_ == "string":
            yield from _strings(schema, name, variant)
        elif type_ == "array":
            yield self._array(schema, name, variant, depth)
        elif type_ == "object":
            yield from self._objects(schema, variant, depth)

    def _array(self, schema: JsonSchema, name: str, variant: int, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        items = schema.get("items", True)
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        # One item shows the element shape; deep down only what minItems demands, so recursion ends.
        count = max(low, len(prefix) or 1) if depth < _SHALLOW_DEPTH else low
        if items is False:
            count = min(count, max(low, len(prefix)))
        if isinstance(high, int):
            count = min(count, high)
        item_name = _singular(name)
        values = [self.value(sub, item_name, variant, depth + 1) for sub in prefix[:count]]
        # Repeated items use successive variants so they differ from each other, as uniqueItems needs.
        values += [self.value(items, item_name, variant + i, depth + 1) for i in range(count - len(values))]
        contains = schema.get("contains")
        if isinstance(contains, dict) and not any(self.valid(contains, value) for value in values):
            needed = self.value(contains, item_name, variant, depth + 1)
            if values and isinstance(high, int) and len(values) >= high:
                values[-1] = needed
            else:
                values.append(needed)
        return values

    def _objects(self, schema: JsonSchema, variant: int, depth: int) -> Iterator[dict[str, Any]]:
        """Required and optional scalar properties, else all writable ones, then invented map keys."""
        required = _required(schema)
        names = _object_names(schema, required)
        properties = _properties(schema)
        chosen = [n for n in names if n in required or _worth_including(properties.get(n), scalar_only=True)]
        fuller = self._build_object(schema, chosen, required, variant, depth)
        yield fuller
        everything = [n for n in names if n in required or _worth_including(properties.get(n))]
        if everything != chosen:
            fuller = self._build_object(schema, everything, required, variant, depth)
            yield fuller
        # Maps (additionalProperties only) with minProperties need invented keys.
        extra = schema.get("additionalProperties", True)
        minimum = schema.get("minProperties", 0)
        if len(fuller) < minimum and extra is not False:
            keys = (f"key{index}" for index in range(1, minimum + len(fuller) + 1))
            padding = [key for key in keys if key not in fuller][: minimum - len(fuller)]
            yield {**fuller, **{key: self.value(extra, key, variant, depth + 1) for key in padding}}

    def _build_object(
        self, schema: JsonSchema, names: list[str], required: list[str], variant: int, depth: int
    ) -> dict[str, Any]:
        """An object with the given properties; optional ones that cannot be filled are left out."""
        properties = _properties(schema)
        extra = schema.get("additionalProperties", True)
        result: dict[str, Any] = {}
        for prop in names:
            try:
                result[prop] = self.value(properties.get(prop, extra), prop, variant, depth + 1)
            except UnsatisfiableSchema:
                if prop in required:
                    raise
        return result


# The synthesizer shared_synthesis() installs; None outside such a block.
_SHARED: contextvars.ContextVar[_Synthesizer | None] = contextvars.ContextVar(
    "shared_synthesis", default=None
)


def _as_schema(schema: Any) -> JsonSchema:
    return schema if isinstance(schema, dict) else {}


def _properties(schema: JsonSchema) -> dict[str, Any]:
    properties = schema.get("properties")
    return properties if isinstance(properties, dict) else {}


def _required(schema: JsonSchema) -> list[str]:
    required = schema.get("required")
    return [r for r in required if isinstance(r, str)] if isinstance(required, list) else []


def _object_names(schema: JsonSchema, required: list[str]) -> list[str]:
    """Property names in schema order, then required names the properties do not declare."""
    properties = _properties(schema)
    return [*properties, *(r for r in required if r not in properties)]


def _worth_including(schema: Any, *, scalar_only: bool = False) -> bool:
    """Whether an optional property goes into a generated body: writable, current, and (first) scalar."""
    if schema is True:
        return True
    if not isinstance(schema, dict) or schema.get("readOnly") or schema.get("deprecated"):
        return False
    return not scalar_only or _is_scalar(schema)


def _is_scalar(schema: JsonSchema) -> bool:
    if "const" in schema or "enum" in schema:
        return True
    if any(keyword in schema for keyword in ("oneOf", "anyOf", "allOf")):
        return False
    return all(type_ in _SCALAR_TYPES for type_ in _types(schema))


def _types(schema: JsonSchema) -> list[str]:
    """Declared types with "null" last, or the one type the keywords imply (string when nothing does)."""
    declared = schema.get("type")
    if declared is None:
        implied = next((t for t, keys in _IMPLIED_TYPES if any(k in schema for k in keys)), "string")
        return [implied]
    listed = [declared] if isinstance(declared, str) else list(declared)
    return [t for t in listed if t != "null"] + [t for t in listed if t == "null"]


def _merge(base: JsonSchema, extra: JsonSchema) -> JsonSchema:
    """Shallow conjunction of two schemas: properties merged, required united, types intersected."""
    merged = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        elif key == "required" and isinstance(merged.get(key), list) and isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif key == "type" and "type" in merged:
            ours = _types({"type": merged["type"]})
            theirs = _types({"type": value})
            common = [t for t in theirs if t in ours or (t == "integer" and "number" in ours)]
            merged[key] = common or theirs  # an empty intersection is left for validation to reject
        else:
            merged[key] = value
    return merged


def _is_json(value: Any) -> bool:
    """Whether value is plain JSON (YAML specs can smuggle dates and other objects into examples)."""
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_json(item) for key, item in value.items())
    return False


def _words(name: str) -> list[str]:
    """Lower-case words of a property name: "dueDate" and "due_date" both give ["due", "date"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return re.findall(r"[a-z0-9]+", spaced.lower())


def _singular(name: str) -> str:
    """A rough singular of an array's name, used as its items' name hint ("tags" -> "tag")."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name


# --- numbers ---------------------------------------------------------------------------------------------

_Bound = tuple[Fraction, bool]  # (limit, exclusive)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fraction(value: int | float) -> Fraction:
    # str() first: Fraction(0.1) is the binary float, Fraction("0.1") is the decimal the spec author wrote.
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def _bound(schema: JsonSchema, inclusive_key: str, exclusive_key: str, *, lower: bool) -> _Bound | None:
    """The tighter of an inclusive and an exclusive bound; on a tie the exclusive one is tighter."""
    found = [
        (_fraction(schema[key]), key == exclusive_key)
        for key in (inclusive_key, exclusive_key)
        if _is_number(schema.get(key))
    ]
    if not found:
        return None
    if lower:
        return max(found, key=lambda bound: (bound[0], bound[1]))
    return min(found, key=lambda bound: (bound[0], not bound[1]))


def _unit(schema: JsonSchema, integer: bool) -> Fraction | None:
    """The grid values sit on: multipleOf (its integer multiples for integers), 1 for integers, else None."""
    step = schema.get("multipleOf")
    unit = _fraction(step) if _is_number(step) and step > 0 else None
    if integer:
        # The smallest integer multiple of p/q is p.
        return Fraction(unit.numerator) if unit is not None else Fraction(1)
    return unit


def _number_hint(words: list[str], integer: bool) -> int | float:
    last = words[-1] if words else ""
    if integer:
        return _INTEGER_HINTS.get(last, 1)
    return _NUMBER_HINTS.get(last, _INTEGER_HINTS.get(last, 1.5))


def _numbers(schema: JsonSchema, integer: bool, name: str, variant: int) -> Iterator[int | float]:
    lower = _bound(schema, "minimum", "exclusiveMinimum", lower=True)
    upper = _bound(schema, "maximum", "exclusiveMaximum", lower=False)
    preferred = _number_hint(_words(name), integer)
    unit = _unit(schema, integer)
    if unit is None:
        yield _continuous_number(lower, upper, preferred, variant)
        return
    low, high = _grid_range(lower, upper, unit)
    if low is not None and high is not None and low > high:
        raise UnsatisfiableSchema("no allowed number lies within the bounds")
    start = math.ceil(_fraction(preferred) / unit)
    start = max(start, low) if low is not None else start
    start = min(start, high) if high is not None else start
    index = _shift(start, variant, low, high)
    if integer:
        yield int(index * unit)
        return
    yield float(index * unit)
    # jsonschema checks multipleOf by float division, which can reject e.g. 0.3 for 0.1; whole numbers pass.
    whole = math.ceil(Fraction(index, unit.denominator)) * unit.denominator
    if (low is None or whole >= low) and (high is None or whole <= high):
        yield float(whole * unit)


def _grid_range(lower: _Bound | None, upper: _Bound | None, unit: Fraction) -> tuple[int | None, int | None]:
    """The first and last allowed multiples of unit, as indices (None where unbounded)."""
    low = high = None
    if lower is not None:
        low = math.floor(lower[0] / unit) + 1 if lower[1] else math.ceil(lower[0] / unit)
    if upper is not None:
        high = math.ceil(upper[0] / unit) - 1 if upper[1] else math.floor(upper[0] / unit)
    return low, high


def _shift(start: int, variant: int, low: int | None, high: int | None) -> int:
    """The variant-th grid index: up from start, wrapping inside finite bounds, or down when capped above."""
    if low is not None and high is not None:
        return low + (start - low + variant) % (high - low + 1)
    if high is not None:
        return start - variant
    return start + variant


def _continuous_number(lower: _Bound | None, upper: _Bound | None, preferred: float, variant: int) -> float:
    def inside(value: float) -> bool:
        above = lower is None or value > lower[0] or (value == lower[0] and not lower[1])
        below = upper is None or value < upper[0] or (value == upper[0] and not upper[1])
        return above and below

    if lower is not None and upper is not None:
        low, high = float(lower[0]), float(upper[0])
        if variant == 0 and inside(preferred):
            return float(preferred)
        value = low + (high - low) * (variant + 1) / (variant + 2)
    elif lower is not None:
        value = (preferred if inside(preferred) else math.floor(lower[0]) + 1) + variant
    elif upper is not None:
        value = (preferred if inside(preferred) else math.ceil(upper[0]) - 1) - variant
    else:
        value = preferred + variant
    rounded = round(value, 6)  # keeps 0.1 + 2 from printing as 2.1000000000000001 in a test
    return float(rounded if inside(rounded) else value)


# --- strings ---------------------------------------------------------------------------------------------


def _format_value(fmt: str, variant: int) -> str | None:
    """A readable value of a string format; None for formats we do not know."""
    tail = "" if variant == 0 else str(variant + 1)
    day = (_BASE_DATE + timedelta(days=variant)).isoformat()
    match fmt:
        case "date":
            return day
        case "date-time":
            return f"{day}T10:30:00Z"
        case "time":
            return f"10:30:{variant % 60:02d}Z"
        case "email" | "idn-email":
            return f"user{tail}@example.com"
        case "uri" | "url" | "iri" | "uri-reference" | "iri-reference":
            return "https://example.com" + (f"/items/{tail}" if tail else "")
        case "uri-template":
            return "https://example.com/items/{id}"
        case "uuid":
            if variant == 0:
                return _SWAGGER_UUID
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"example.com/{variant}"))
        case "ipv4":
            return f"192.0.2.{(10 + variant) % 256}"  # TEST-NET-1, reserved for documentation
        case "ipv6":
            return f"2001:db8::{10 + variant:x}"  # the documentation prefix
        case "hostname" | "idn-hostname":
            return f"api{tail}.example.com"
        case "password":
            return f"Secret123!{tail}"
        case "byte":
            return base64.b64encode(f"Sample data {variant + 1}".encode()).decode()
        case "binary":
            return f"Sample file content {variant + 1}"
        case "regex":
            return "^[a-z]+$"
        case "json-pointer":
            return f"/items/{variant}"
        case "relative-json-pointer":
            return str(variant)
        case "duration":
            return f"P{variant + 1}D"
    return None


def _hinted_string(words: list[str], variant: int) -> str | None:
    """A structured value the property name suggests (email, URL, id, date...), if it suggests one."""
    if not words:
        return None
    last = words[-1]
    tail = "" if variant == 0 else str(variant + 1)
    hint: str | None = None
    if "email" in words or last == "mail":
        hint = _format_value("email", variant)
    elif last in {"url", "uri", "link", "website", "homepage", "href"}:
        hint = _format_value("uri", variant)
    elif last == "uuid":
        hint = _format_value("uuid", variant)
    elif last == "id":
        hint = str(variant + 1)
    elif "password" in words:
        hint = _format_value("password", variant)
    elif "phone" in words or last == "mobile":
        hint = f"+1555555{100 + variant:04d}"
    elif last in {"at", "datetime", "timestamp"}:
        hint = _format_value("date-time", variant)
    elif last in {"date", "birthday"}:
        hint = _format_value("date", variant)
    elif last in {"host", "hostname", "domain"}:
        hint = _format_value("hostname", variant)
    elif last in {"username", "login"}:
        hint = f"sample_user{tail}"
    elif last == "slug":
        hint = "sample-slug" + (f"-{tail}" if tail else "")
    return hint


def _readable_text(words: list[str], variant: int, min_len: int, max_len: int | None) -> str:
    """ "Sample <name words>" plus the variant number, cut or padded with lorem ipsum to the length limits."""
    text = "Sample " + " ".join(words) if words else "Sample text"
    suffix = "" if variant == 0 else f" {variant + 1}"
    if max_len is not None and len(text) + len(suffix) > max_len:
        # Keep the variant number when cutting, or every variant would collapse into the same prefix.
        suffix = suffix.strip()
        text = text[: max(0, max_len - len(suffix))].rstrip()
    result = text + suffix
    if max_len is not None:
        result = result[:max_len]
    if len(result) < min_len:
        filler = f" {_LOREM}" * (min_len // len(_LOREM) + 1)
        result = (result + filler)[:min_len]
        if result.endswith(" "):
            result = result[:-1] + "."
    return result


def _strings(schema: JsonSchema, name: str, variant: int) -> Iterator[str]:
    min_len = schema.get("minLength", 0)
    max_len = schema.get("maxLength")
    words = _words(name)
    fmt = schema.get("format")
    if isinstance(fmt, str) and (formatted := _format_value(fmt, variant)) is not None:
        yield formatted
    if (hinted := _hinted_string(words, variant)) is not None:
        yield hinted
    yield _readable_text(words, variant, min_len, max_len)
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        matching = _pattern_string(pattern, min_len, max_len, variant)
        if matching is None:
            raise UnsatisfiableSchema(
                f"no string of length {min_len}..{max_len if max_len is not None else ''} matches {pattern!r}"
            )
        yield matching


# --- patterns --------------------------------------------------------------------------------------------
# A small parser for the regexes specs actually use: literals, classes, escapes, groups, alternation,
# quantifiers and anchors. Anything else (lookaround, backreferences, flags) falls back to fixed candidates.


class _UnsupportedPattern(Exception):
    """A regex feature the generator does not model."""


@dataclass(frozen=True)
class _Chars:
    options: str  # characters that match, in preference order


@dataclass(frozen=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    branches: tuple[_Node, ...]


@dataclass(frozen=True)
class _Repeat:
    item: _Node
    low: int
    high: int | None


_Node = _Chars | _Seq | _Alt | _Repeat

# Preference order for class members: lower case reads most naturally in a test, then upper case, digits.
_POOL = string.ascii_lowercase + string.ascii_uppercase + string.digits + " -_.@:/+#!?,;=*&%$~()[]{}<>'|\\^`"
_ESCAPE_RANGES = {
    "d": [(48, 57)],
    "w": [(48, 57), (65, 90), (95, 95), (97, 122)],
    "s": [(9, 13), (32, 32)],
}
_QUANTIFIER = re.compile(r"(?:([*+?])|\{(\d+)(?:(,)(\d*))?\})[?+]?")
_NAMED_GROUP = ("?P<", "?<")
_LOOKBEHIND = ("?<=", "?<!")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_FALLBACK_STRINGS = (
    "sample",
    "Sample",
    "SAMPLE",
    "sample123",
    "Sample123",
    "sample-123",
    "sample_123",
    "123",
    "1",
    "a",
    "A",
    "user@example.com",
    "https://example.com",
    "2024-01-15",
)


def _class_options(ranges: list[tuple[int, int]], negate: bool) -> str:
    def member(char: str) -> bool:
        return any(low <= ord(char) <= high for low, high in ranges) != negate

    options = [char for char in _POOL if member(char)]
    if not options and not negate:
        # Classes outside printable ASCII (e.g. Cyrillic ranges): take the first characters of each range.
        options = [chr(code) for low, high in ranges for code in range(low, min(high, low + 25) + 1)]
    if not options:
        raise _UnsupportedPattern("character class with no printable member")
    return "".join(options)


class _PatternParser:
    """Recursive descent over the supported regex subset, producing a _Node tree."""

    def __init__(self, pattern: str) -> None:
        self._src = pattern
        self._pos = 0

    def parse(self) -> _Node:
        node = self._alternation()
        if self._pos != len(self._src):
            raise _UnsupportedPattern("unbalanced parenthesis")
        return node

    def _peek(self) -> str:
        return self._src[self._pos] if self._pos < len(self._src) else ""

    def _take(self) -> str:
        if self._pos >= len(self._src):
            raise _UnsupportedPattern("pattern ends early")
        self._pos += 1
        return self._src[self._pos - 1]

    def _alternation(self) -> _Node:
        branches = [self._sequence()]
        while self._peek() == "|":
            self._pos += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else _Alt(tuple(branches))

    def _sequence(self) -> _Node:
        items: list[_Node] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return _Seq(tuple(items))

    def _atom(self) -> _Node:
        char = self._take()
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char == ".":
            return _Chars(_POOL)
        if char in "^$":
            return _Seq(())
        if char == "\\":
            return self._escape()
        if char in "*+?":
            raise _UnsupportedPattern("quantifier without a target")
        return _Chars(char)

    def _group(self) -> _Node:
        rest = self._src[self._pos :]
        if rest.startswith("?:"):
            self._pos += 2
        elif rest.startswith(_NAMED_GROUP) and not rest.startswith(_LOOKBEHIND):
            end = self._src.find(">", self._pos)
            if end < 0:
                raise _UnsupportedPattern("unterminated group name")
            self._pos = end + 1
        elif self._peek() == "?":
            raise _UnsupportedPattern("lookaround or inline flags")
        node = self._alternation()
        if self._take() != ")":
            raise _UnsupportedPattern("unbalanced parenthesis")
        return node

    def _quantified(self, atom: _Node) -> _Node:
        match = _QUANTIFIER.match(self._src, self._pos)
        if match is None:
            return atom
        self._pos = match.end()
        symbol, low, comma, high = match.groups()
        if symbol is not None:
            return _Repeat(atom, 1 if symbol == "+" else 0, 1 if symbol == "?" else None)
        if comma is None:
            return _Repeat(atom, int(low), int(low))
        return _Repeat(atom, int(low), int(high) if high else None)

    def _escape(self) -> _Node:
        char = self._take()
        if char in _ESCAPE_RANGES:
            return _Chars(_class_options(_ESCAPE_RANGES[char], negate=False))
        if char.lower() in _ESCAPE_RANGES:
            return _Chars(_class_options(_ESCAPE_RANGES[char.lower()], negate=True))
        if char in "bBAZz":
            return _Seq(())  # zero-width; the final re.search check catches a boundary we ignored
        return _Chars(self._escaped_literal(char))

    def _escaped_literal(self, char: str) -> str:
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in "xu":
            width = 2 if char == "x" else 4
            digits = self._src[self._pos : self._pos + width]
            self._pos += width
            try:
                return chr(int(digits, 16))
            except ValueError as exc:
                raise _UnsupportedPattern(f"bad \\{char} escape") from exc
        if char.isalnum():
            raise _UnsupportedPattern(f"escape \\{char}")  # backreferences, \p{...} and friends
        return char

    def _class(self) -> _Chars:
        negate = self._peek() == "^"
        if negate:
            self._pos += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            char = self._take()
            if char == "]" and not first:
                return _Chars(_class_options(ranges, negate))
            first = False
            if char == "\\":
                escaped = self._take()
                if escaped in _ESCAPE_RANGES:
                    ranges.extend(_ESCAPE_RANGES[escaped])
                    continue
                if escaped.lower() in _ESCAPE_RANGES:
                    raise _UnsupportedPattern("negated escape inside a class")
                char = self._escaped_literal(escaped)
            if self._peek() == "-" and self._src[self._pos + 1 : self._pos + 2] not in ("]", ""):
                self._pos += 1
                end = self._take()
                if end == "\\":
                    end = self._escaped_literal(self._take())
                ranges.append((ord(char), ord(end)))
            else:
                ranges.append((ord(char), ord(char)))


def _emit(node: _Node, variant: int, extra: int, offset: int) -> str:
    """One string the tree matches: repeats run `extra` beyond their minimum; variant rotates choices."""
    match node:
        case _Chars(options):
            return options[(variant + offset) % len(options)]
        case _Seq(items):
            return "".join(_emit(item, variant, extra, offset) for item in items)
        case _Alt(branches):
            return _emit(branches[variant % len(branches)], variant, extra, offset)
        case _Repeat(item, low, high):
            count = low + extra if high is None else min(high, low + extra)
            # offset + i walks the class: [A-Z]{3} gives "ABC", not "AAA".
            return "".join(_emit(item, variant, extra, offset + i) for i in range(count))
    raise AssertionError(node)


def _extras(tree: _Node, min_len: int) -> Iterator[int]:
    """Repeat stretches to try: a readable 5 first, then short ones, then the least reaching min_len."""
    yield from (5, 0, 1, 2, 3, 4)
    # Length never shrinks as extra grows, so double then bisect for the first one long enough.
    high = 8
    while len(_emit(tree, 0, high, 0)) < min_len and high < 1 << 16:
        high *= 2
    low = 0
    while low < high:
        middle = (low + high) // 2
        if len(_emit(tree, 0, middle, 0)) < min_len:
            low = middle + 1
        else:
            high = middle
    yield from (low, low + 1, low + 2)


@functools.lru_cache(maxsize=1024)
def _pattern_tree(pattern: str) -> _Node | None:
    """The parsed pattern, or None for features we do not model; cached, as specs reuse patterns a lot."""
    try:
        return _PatternParser(pattern).parse()
    except _UnsupportedPattern:
        return None


def _pattern_string(pattern: str, min_len: int, max_len: int | None, variant: int) -> str | None:
    """A string matching pattern within the length limits, or None if none was found."""

    def fits(candidate: str) -> bool:
        # JSON Schema patterns are unanchored: re.search, exactly as the validator applies them.
        in_range = min_len <= len(candidate) and (max_len is None or len(candidate) <= max_len)
        return in_range and re.search(pattern, candidate) is not None

    try:
        re.compile(pattern)
    except re.error as exc:
        raise UnsatisfiableSchema(f"invalid pattern {pattern!r}: {exc}") from exc
    tree = _pattern_tree(pattern)
    if tree is not None:
        for extra in _extras(tree, min_len):
            candidate = _emit(tree, variant, extra, 0)
            if fits(candidate):
                return candidate
    return next((candidate for candidate in _FALLBACK_STRINGS if fits(candidate)), None)


# ---------------------------------------------------------------------------------------------------------
# Invalid values
# ---------------------------------------------------------------------------------------------------------

_RELAXED_DROP = ("examples", "example", "default", "const")
# Values no lax parser coerces into the declared type: Pydantic takes "yes" or 1 for a boolean, "5" for an
# integer, and other frameworks 123 for a string; no parser makes a scalar of an object or an object of text.
_WRONG_TYPE_VALUES: dict[str, Any] = {
    "string": {"value": "not-a-string"},
    "integer": "not-a-number",
    "number": "not-a-number",
    "boolean": {"value": "not-a-boolean"},
    "array": {"value": "not-an-array"},
    "object": "not-an-object",
    "null": "not-null",
}
# Query and path values travel as text, so only text that fails to parse is a wrong type there.
_WRONG_PARAMETER_VALUES: dict[str, Any] = {"integer": "abc", "number": "abc", "boolean": "not-a-boolean"}
# Text no lenient parser reads as the format: "2024-01-15 10:30" is a date-time to Pydantic, and day-first
# dates such as "15/01/2024" are dates to dateutil.
_BROKEN_FORMATS: dict[str, tuple[str, ...]] = {
    "date": ("not-a-date", "2024-13-45"),
    "date-time": ("not-a-date-time", "2024-13-45T10:30:00Z"),
    "email": ("not-an-email", "user.example.com"),
    "uuid": ("not-a-uuid", "3fa85f64-5717-4562-b3fc-2c963f66afa"),
}
_OUTSIDE_ENUM_STRINGS = ("unknown", "INVALID", "not-a-valid-value", "zzz")


def invalid_cases(schema: JsonSchema, *, limit_per_kind: int = 1) -> list[InvalidCase]:
    """Bodies that each break one constraint of one top-level property, all verified invalid.

    Ordered by property, then kind; `limit_per_kind` caps each kind over the whole body (earlier fields win).
    readOnly properties are skipped: the server owns them.
    """
    base = valid_value(schema)
    if not isinstance(base, dict):
        return []
    properties = _properties(schema)
    required = _required(schema)
    taken = dict.fromkeys(INVALID_KINDS, 0)
    cases: list[InvalidCase] = []
    for field in _object_names(schema, required):
        prop_schema = properties.get(field, {})
        if isinstance(prop_schema, dict) and prop_schema.get("readOnly"):
            # Servers set readOnly fields themselves; a request breaking one proves nothing.
            continue
        open_kinds = {kind for kind, count in taken.items() if count < limit_per_kind}
        if field in required and "missing_required" in open_kinds:
            body = {key: value for key, value in base.items() if key != field}
            if not is_valid(schema, body):
                description = f"missing required field '{field}'"
                cases.append(InvalidCase(description, copy.deepcopy(body), field, "missing_required"))
                taken["missing_required"] += 1
        if not isinstance(prop_schema, dict):
            continue
        for kind, phrase, value in _value_breaks(prop_schema, field, open_kinds, parameter=False):
            body = {**base, field: value}
            # A value its own property rejects breaks the body whatever else the schema says: no need to
            # validate the whole body (every other field again) to know it.
            if not is_valid(prop_schema, value) or not is_valid(schema, body):
                cases.append(InvalidCase(f"'{field}' {phrase}", copy.deepcopy(body), field, kind))
                taken[kind] += 1
    return cases


def invalid_parameter_values(schema: JsonSchema) -> list[InvalidCase]:
    """Values for a query/path parameter that each break one constraint of its schema, verified invalid."""
    return [
        InvalidCase(f"value {phrase}", value, None, kind)
        for kind, phrase, value in _value_breaks(schema, "", set(INVALID_KINDS), parameter=True)
        if not is_valid(schema, value)
    ]


def _value_breaks(
    schema: JsonSchema, name: str, kinds: Container[InvalidKind], *, parameter: bool
) -> Iterator[tuple[InvalidKind, str, Any]]:
    """At most one value per wanted kind, each breaking only that constraint, in INVALID_KINDS order."""
    makers: tuple[tuple[InvalidKind, Callable[[], tuple[Any, str] | None]], ...] = (
        ("wrong_type", lambda: _wrong_type(schema, parameter)),
        ("below_minimum", lambda: _out_of_range(schema, lower=True)),
        ("above_maximum", lambda: _out_of_range(schema, lower=False)),
        ("too_short", lambda: _bad_length(schema, name, short=True)),
        ("too_long", lambda: _bad_length(schema, name, short=False)),
        ("invalid_enum", lambda: _outside_enum(schema, name)),
        ("invalid_format", lambda: _broken_format(schema)),
        ("pattern_mismatch", lambda: _pattern_miss(schema, name)),
    )
    for kind, make in makers:
        if kind in kinds and (found := make()) is not None:
            yield kind, found[1], found[0]


def _without(schema: JsonSchema, *keys: str) -> JsonSchema:
    return {key: value for key, value in schema.items() if key not in keys}


def _breaks_only(schema: JsonSchema, keys: tuple[str, ...], value: Any) -> bool:
    """Whether value fails schema but passes once `keys` are removed: it breaks exactly that constraint."""
    return is_valid(_without(schema, *keys), value) and not is_valid(schema, value)


def _relaxed_value(schema: JsonSchema, name: str) -> Any:
    """valid_value of a rewritten schema, or _NOTHING when the rewrite is unsatisfiable."""
    try:
        return valid_value(schema, name=name)
    except UnsatisfiableSchema:
        return _NOTHING


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    kinds = {float: "number", str: "string", list: "array", dict: "object"}
    return kinds.get(type(value), "null")


def _wrong_type(schema: JsonSchema, parameter: bool) -> tuple[Any, str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    types = [declared] if isinstance(declared, str) else list(declared)
    table = _WRONG_PARAMETER_VALUES if parameter else _WRONG_TYPE_VALUES
    # The declared type's own wrong value first; the rest cover type lists that accept it.
    pool = [table[t] for t in types if t in table] + ([] if parameter else list(table.values()))
    for value in pool:
        if not is_valid({"type": types}, value):
            return value, f"of the wrong type ({_json_type(value)} instead of {' or '.join(types)})"
    return None


def _show(number: Fraction) -> str:
    return str(number.numerator) if number.denominator == 1 else str(float(number))


def _out_of_range(schema: JsonSchema, *, lower: bool) -> tuple[Any, str] | None:
    types = _types(schema)
    if "integer" not in types and "number" not in types:
        return None
    integer = "number" not in types
    keys = ("minimum", "exclusiveMinimum") if lower else ("maximum", "exclusiveMaximum")
    bound = _bound(schema, *keys, lower=lower)
    if bound is None:
        return None
    limit, exclusive = bound
    # Just past the bound on the value grid, so multipleOf still holds; 0.01 is the step for plain numbers.
    unit = _unit(schema, integer) or Fraction(1, 100)
    if lower:
        index = math.floor(limit / unit) if exclusive else math.ceil(limit / unit) - 1
        whole = math.floor(limit) if exclusive else math.ceil(limit) - 1
        phrase = "at or below the exclusive minimum" if exclusive else "below the minimum"
    else:
        index = math.ceil(limit / unit) if exclusive else math.floor(limit / unit) + 1
        whole = math.ceil(limit) if exclusive else math.floor(limit) + 1
        phrase = "at or above the exclusive maximum" if exclusive else "above the maximum"
    # The whole-number fallback covers float multipleOf steps that jsonschema's division check rejects.
    for candidate in (index * unit, Fraction(whole)):
        value = int(candidate) if integer else float(candidate)
        if _breaks_only(schema, keys, value):
            return value, f"{phrase} {_show(limit)}"
    return None


def _bad_length(schema: JsonSchema, name: str, *, short: bool) -> tuple[Any, str] | None:
    types = _types(schema)
    for type_, low_key, high_key, phrases in (
        ("string", "minLength", "maxLength", ("shorter than minLength", "longer than maxLength")),
        (
            "array",
            "minItems",
            "maxItems",
            ("with fewer items than minItems", "with more items than maxItems"),
        ),
    ):
        if type_ not in types:
            continue
        limit = schema.get(low_key if short else high_key)
        if not isinstance(limit, int) or isinstance(limit, bool) or (short and limit < 1):
            continue
        target = limit - 1 if short else limit + 1
        phrase = phrases[0] if short else phrases[1]
        relaxed = {**_without(schema, *_RELAXED_DROP), "type": type_, low_key: target, high_key: target}
        value = _relaxed_value(relaxed, name)
        # Servers that strip surrounding whitespace must still see the length break.
        if isinstance(value, str) and value.strip() != value:
            continue
        if value is not _NOTHING and _breaks_only(schema, (low_key if short else high_key,), value):
            return value, f"{phrase} {limit}"
    return None


def _outside_enum(schema: JsonSchema, name: str) -> tuple[Any, str] | None:
    enum = schema.get("enum")
    if not isinstance(enum, list) or not enum:
        return None
    numbers = [member for member in enum if _is_number(member)]
    candidates: list[Any] = list(_OUTSIDE_ENUM_STRINGS)
    if numbers:
        candidates += [max(numbers) + 1, min(numbers) - 1]
    relaxed = {**_without(schema, "enum", *_RELAXED_DROP), "not": {"enum": enum}}
    listed = json.dumps(enum)
    phrase = "outside the allowed values" + (f" {listed}" if len(listed) <= 60 else "")
    # A server matching members case-insensitively, or ignoring separators, accepts "Active" for "active".
    folded = {_folded(member) for member in enum}
    for value in [*candidates, _relaxed_value(relaxed, name)]:
        if value is not _NOTHING and _folded(value) not in folded and _breaks_only(schema, ("enum",), value):
            return value, phrase
    return None


def _folded(value: Any) -> Any:
    """A string as a lenient matcher compares it: case, surrounding space and separators ignored."""
    return re.sub(r"[\s_-]+", "", value).casefold() if isinstance(value, str) else json.dumps(value)


def _broken_format(schema: JsonSchema) -> tuple[Any, str] | None:
    fmt = schema.get("format")
    for value in _BROKEN_FORMATS.get(fmt, ()) if isinstance(fmt, str) else ():
        if _breaks_only(schema, ("format",), value):
            return value, f"with an invalid {fmt}"
    return None


def _pattern_miss(schema: JsonSchema, name: str) -> tuple[Any, str] | None:
    pattern = schema.get("pattern")
    if not isinstance(pattern, str):
        return None
    phrase = f"not matching the pattern {pattern}"
    relaxed = {**_without(schema, "pattern", *_RELAXED_DROP), "not": {"pattern": pattern}}
    readable = _relaxed_value(relaxed, name)
    for value in (readable, "!!!", "#", "0", "a", "A"):
        stripped = not isinstance(value, str) or value.strip() == value  # a server may strip it first
        if value is not _NOTHING and stripped and _breaks_only(schema, ("pattern",), value):
            return value, phrase
    return None


# ---------------------------------------------------------------------------------------------------------
# Values a server must know or keep apart
# ---------------------------------------------------------------------------------------------------------

# Last words of names whose values are keys a server keeps unique (or that read like one).
_UNIQUE_WORDS = frozenset(
    {"email", "mail", "username", "login", "slug", "handle", "nickname", "name", "title", "sku"}
)
_UNIQUE_FORMATS = frozenset({"email", "idn-email"})
_PERSON_NAME_PARTS = frozenset({"first", "last", "middle", "given", "family", "sur", "full"})
# Values the server issues (by mail, SMS or an earlier call) and so must recognise: no spec can give one.
_SECRET_WORDS = frozenset({"token", "secret", "otp", "nonce", "captcha", "totp"})
_SECRET_CODE_WORDS = frozenset(
    {
        "verification",
        "verify",
        "confirmation",
        "confirm",
        "reset",
        "otp",
        "mfa",
        "auth",
        "activation",
        "invite",
        "security",
    }
)


def is_secret_name(name: str) -> bool:
    """Whether a field or parameter names a value the server issues: a reset token, an OTP, a secret."""
    words = _words(name)
    if not words:
        return False
    if words[-1] in _SECRET_WORDS:
        return True
    # "code" alone is most often such a value; "country_code" or "zip_code" are plain data.
    return words[-1] == "code" and (len(words) == 1 or bool(_SECRET_CODE_WORDS & set(words[:-1])))


_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase"})
_LOGIN_NAME_WORDS = frozenset({"username", "email", "mail", "login", "user"})
# Fields of an answer that carry what a successful sign-in issues.
_ISSUED_WORDS = frozenset({"token", "jwt"})


def credential_kind(name: str, schema: Any) -> Literal["username", "password"] | None:
    """Whether a field is how a user signs in: its login name (an email too) or its password."""
    words = _words(name)
    fmt = schema.get("format") if isinstance(schema, dict) else None
    if fmt == "password" or _PASSWORD_WORDS & set(words):
        return "password"
    login = bool(words) and (words[-1] in _LOGIN_NAME_WORDS or words[-2:] == ["user", "name"])
    return "username" if fmt in _UNIQUE_FORMATS or login else None


def field_names(schema: Any, depth: int = 3) -> set[str]:
    """Property names of an object and of the objects inside it (an envelope's `{"user": {...}}`)."""
    if not isinstance(schema, dict) or depth == 0:
        return set()
    properties = _properties(schema)
    return set(properties).union(*(field_names(p, depth - 1) for p in properties.values()))


def sends_a_password(schema: Any) -> bool:
    """Whether a body carries a password field, at its top or inside an envelope."""
    return any(credential_kind(name, {}) == "password" for name in field_names(schema))


def issues_a_token(schema: Any) -> bool:
    """Whether an answer carries a token (`token`, `access_token`, `jwt`…), at its top or in an envelope."""
    return any(_ISSUED_WORDS & set(_words(name)) for name in field_names(schema))


def with_unique_values(schema: Any, value: Any, name: str = "", *, ids: bool = True) -> Any:
    """value with its naturally unique parts (emails, usernames, names, client-chosen ids) as Unique markers.

    Only parts valid against their own schema are marked, so a value breaking a constraint stays as it is.
    `ids=False` keeps ids as they are: in an update body the id names the object to change.
    """
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = _properties(schema)
        return {
            key: with_unique_values(properties.get(key), item, key, ids=ids) for key, item in value.items()
        }
    if isinstance(value, list):
        items = schema.get("items")
        return [with_unique_values(items, item, _singular(name), ids=ids) for item in value]
    marker = _unique_marker(schema, value, name, ids)
    return value if marker is None else marker


def names_a_key(name: str, schema: Any) -> bool:
    """Whether values of name are natural keys (an email, a username, a name) rather than ids."""
    words = _words(name)
    fmt = schema.get("format") if isinstance(schema, dict) else None
    # A person's first or last name is no key: many people share one.
    person = len(words) > 1 and words[-1] == "name" and words[-2] in _PERSON_NAME_PARTS
    return fmt in _UNIQUE_FORMATS or (not fmt and bool(words) and words[-1] in _UNIQUE_WORDS and not person)


def _unique_marker(schema: JsonSchema, value: Any, name: str, ids: bool) -> Unique | None:
    if "enum" in schema or "const" in schema or isinstance(value, bool):
        return None
    words = _words(name)
    if isinstance(value, int):
        # A client-chosen numeric id; one at a bound is a boundary test's value, kept as it is.
        low, high = schema.get("minimum"), schema.get("maximum")
        if not ids or words != ["id"] or value in (low, high) or not is_valid(schema, value):
            return None
        return Unique(example=value, minimum=_int_or_none(low), maximum=_int_or_none(high))
    if not isinstance(value, str):
        return None
    fmt = schema.get("format")
    # A bare "id" is the client choosing this object's id; "owner_id" points at another object, kept as is.
    chosen_id = ids and (words == ["id"] and not fmt or fmt == "uuid" and words in (["id"], ["uuid"]))
    if not chosen_id and not names_a_key(name, schema) or not is_valid(schema, value):
        return None
    max_length = schema.get("maxLength")
    # At minLength the example is a boundary value: the made one keeps its length.
    if schema.get("minLength") == len(value) and len(value) > 0:
        max_length = len(value)
    return Unique(
        example=value,
        max_length=max_length if isinstance(max_length, int) else None,
        pattern=schema.get("pattern") if isinstance(schema.get("pattern"), str) else None,
        format=fmt if isinstance(fmt, str) else None,
    )


def _int_or_none(value: Any) -> int | None:
    return int(value) if _is_number(value) and float(value).is_integer() else None
