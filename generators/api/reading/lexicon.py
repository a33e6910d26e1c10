"""Stage 2: the grounding table, built at run time from the spec, plus the small closed vocabulary.

Nouns (resources, fields, enum values, parameters) come only from the ApiModel; the hand-written words
here are verbs of action and outcome, comparisons, negation, number words and units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import urlparse

from generators.api.resources import Resource, find_resources
from vocabulary.api_model import ApiModel, JsonSchema, Operation

Intent = Literal["create", "list", "read", "update", "delete"]


def _inflections(*bases: str) -> frozenset[str]:
    """A verb's written forms: add adds added adding; create creates created creating."""
    forms: set[str] = set()
    for base in bases:
        stem = base[:-1] if base.endswith("e") else base
        double = base + base[-1] if re.fullmatch(r".*[^aeiou][aeiou][bdgmnprt]", base) else base
        forms |= {base, base + "s", base + "es", stem + "ed", stem + "ing", double + "ed", double + "ing"}
        if re.fullmatch(r".*[^aeiou]y", base):  # modify: modifies, modified
            forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    return frozenset(forms)


INTENT_VERBS: dict[Intent, frozenset[str]] = {
    "create": _inflections("create", "add", "post", "submit", "register", "make", "place", "insert", "store")
    | {"new", "creation"},
    "list": _inflections("list", "search", "browse", "filter", "page", "query", "enumerate"),
    "read": _inflections("get", "fetch", "retrieve", "read", "view", "show", "look", "load")
    | {"got", "see", "sees", "shown"},
    "update": _inflections(
        "update",
        "change",
        "rename",
        "mark",
        "edit",
        "modify",
        "set",
        "move",
        "patch",
        "reopen",
        "assign",
        "complete",
        "close",
        "put",
        "replace",
        "toggle",
    ),
    "delete": _inflections("delete", "remove", "destroy", "drop", "erase", "purge"),
}
_METHOD_OF: dict[Intent, tuple[str, ...]] = {
    "create": ("post",),
    "list": ("get",),
    "read": ("get",),
    "update": ("patch", "put"),
    "delete": ("delete",),
}
# Words after which the text describes the answer rather than the call.
OUTCOME_MARKERS = _inflections(
    "return",
    "answer",
    "respond",
    "give",
    "yield",
    "report",
    "reject",
    "refuse",
    "accept",
    "fail",
    "succeed",
    "deny",
    "echo",
    "keep",
    "come",
    "result",
    "produce",
    "end",
) | {"→", "->", "=>", "should", "must", "gets", "get", "receives", "receive", "leads", "turned"}
REFUSAL = _inflections("reject", "refuse", "deny", "fail", "forbid", "disallow", "block") | {
    "invalid",
    "error",
    "turned",
    "away",
    "rejection",
    "not",
    "cannot",
    "can't",
    "no",
}
ACCEPTANCE = _inflections("accept", "succeed", "work", "allow", "pass") | {
    "ok",
    "fine",
    "success",
    "successfully",
}
NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
LENGTH_UNITS = frozenset({"character", "characters", "char", "chars", "letter", "letters", "symbols"})
COUNT_UNITS = frozenset(
    (
        "item items entry entries result results record records element elements row rows object objects of"
    ).split()
)
# Words prose uses as glue ("at most", "by default"): never a field's stand-in, though created_at ends in one.
FUNCTION_WORDS = frozenset(
    "a an the at by on in of to for from with as is are be or and per via into onto up out off no not".split()
)
# Top-level fields of a list answer that declare how many items the list holds in all.
_TOTAL_FIELDS = ("total", "count", "total_count", "totalcount", "total_items")
STATUS_CUES = frozenset(
    {"status", "code", "http", "with", "is", "are", "a", "an", "by", "→", "->", "=>", ":"} | OUTCOME_MARKERS
)
# "Not Found" -> 404: the standard reason phrases, as word tuples.
STATUS_PHRASES: dict[tuple[str, ...], int] = {
    tuple(status.phrase.lower().replace("-", " ").split()): status.value for status in HTTPStatus
}


def words(name: str) -> list[str]:
    """createTask -> [create, task]; due_date -> [due, date]; 'Due-Date' -> [due, date]."""
    return re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower())


def singular(word: str) -> str:
    """tasks -> task, entries -> entry, boxes -> box; status and bus stay as they are."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return (
        word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3 else word
    )


def stem_of(word: str) -> str:
    """A verb's stem for comparing forms: cancelling, cancelled, cancels, cancel -> cancel."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]
    return word.removesuffix("e")


@cache
def key_of(name: str) -> tuple[str, ...]:
    """The lookup key of a name as prose writes it: singular words, any case or separator."""
    return tuple(singular(w) for w in words(name))


_INTENT_OF_FORM: dict[str, Intent] = {
    form: intent for intent, forms in INTENT_VERBS.items() for form in forms
}


def intent_of(word: str) -> Intent | None:
    """create, list, read, update or delete, for a written verb form; None for any other word."""
    return _INTENT_OF_FORM.get(word.lower())


def types(schema: JsonSchema | None) -> set[str]:
    """The JSON types a schema allows, as a set."""
    kind = (schema or {}).get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def _json_content(content_type: str | None) -> bool:
    return bool(content_type) and (content_type == "application/json" or str(content_type).endswith("+json"))


def request_schema(operation: Operation) -> JsonSchema | None:
    """The JSON request body schema, if the operation takes one."""
    body = operation.request_body
    return body.schema_ if body and _json_content(body.content_type) else None


def success_schema(operation: Operation) -> JsonSchema | None:
    """The body schema of the first documented success that has one."""
    for status in operation.success_statuses:
        response = operation.response(status)
        if response and response.schema_:
            return response.schema_
    return None


def flatten(schema: JsonSchema | None, prefix: str = "", depth: int = 0) -> dict[str, JsonSchema]:
    """Object properties by JSON pointer, nested ones included ("/address/city")."""
    found: dict[str, JsonSchema] = {}
    if not isinstance(schema, dict) or depth > 4:
        return found
    for name, sub in (schema.get("properties") or {}).items():
        pointer = f"{prefix}/{name}"
        found[pointer] = sub
        found.update(flatten(sub, pointer, depth + 1))
    return found


def items_pointer(operation: Operation) -> str | None:
    """Where a list answer keeps its items: the body itself if an array, else its first array property."""
    schema = success_schema(operation) or {}
    if "array" in types(schema):
        return ""
    return next((f"/{n}" for n, p in (schema.get("properties") or {}).items() if "array" in types(p)), None)


def total_pointer(operation: Operation) -> str | None:
    """Where a list answer declares how many items it holds in all ("/total"), if it does."""
    if items_pointer(operation) is None:
        return None
    properties = (success_schema(operation) or {}).get("properties") or {}
    return next((f"/{n}" for n in properties if n.lower() in _TOTAL_FIELDS), None)


def item_schema(operation: Operation) -> JsonSchema:
    """The schema of one listed item, or of the answer itself for a non-list operation."""
    pointer = items_pointer(operation)
    schema = success_schema(operation) or {}
    if pointer is None or operation.method != "get" or operation.path.endswith("}"):
        return schema
    array = schema if pointer == "" else (schema.get("properties") or {}).get(pointer[1:], {})
    return array.get("items") or {}


@dataclass
class Fields:
    """Names one side of an operation knows (body, query, answer), by prose key, with their schemas."""

    schemas: dict[str, JsonSchema] = field(default_factory=dict)  # pointer or parameter name -> schema

    @cached_property
    def by_key(self) -> dict[tuple[str, ...], str]:
        """Field names by prose key: "due date", "due_date" and "dueDate" all find due_date."""
        index: dict[tuple[str, ...], str] = {}
        for name in sorted(self.schemas, key=len, reverse=True):
            leaf = name.rsplit("/", 1)[-1]
            for key in (key_of(leaf), key_of(name.replace("/", " "))):
                index.setdefault(key, name)
        # "days" for loanDays: a field's last word stands for it when no other field ends with that word.
        last_words: dict[tuple[str, ...], list[str]] = {}
        for name in self.schemas:
            key = key_of(name.rsplit("/", 1)[-1])
            if len(key) > 1 and key[-1] not in FUNCTION_WORDS:
                last_words.setdefault(key[-1:], []).append(name)
        for key, names in last_words.items():
            if len(names) == 1:
                index.setdefault(key, names[0])
        return index

    @cached_property
    def _by_enum_value(self) -> dict[tuple[str, ...], list[str]]:
        index: dict[tuple[str, ...], list[str]] = {}
        for name, schema in self.schemas.items():
            for member in schema.get("enum") or []:
                if isinstance(member, str) and name not in index.get(key_of(member), []):
                    index.setdefault(key_of(member), []).append(name)
        return index

    @cached_property
    def first_words(self) -> frozenset[str]:
        """The first word of every key, so a lookup can stop at words that start no field name."""
        return frozenset(key[0] for key in self.by_key if key)

    def enum_fields(self, value: str) -> list[str]:
        """Fields whose enum holds this word (case-insensitive, spaces for underscores)."""
        return self._by_enum_value.get(key_of(value), [])


@dataclass
class Lexicon:
    """Everything the reader may name, taken from one ApiModel."""

    api: ApiModel
    resources: list[Resource] = field(init=False)
    nouns: dict[tuple[str, ...], list[str]] = field(init=False)  # noun key -> paths it names
    statuses: set[int] = field(init=False)
    _cache: dict[tuple[str, str], Fields] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        """Index the spec's nouns and documented statuses once."""
        self.resources = find_resources(self.api)
        self.nouns = {}
        for operation in self.api.operations:
            for noun in self._nouns_of(operation):
                paths = self.nouns.setdefault(noun, [])
                if operation.path not in paths:
                    paths.append(operation.path)
        self.statuses = {
            int(r.status) for o in self.api.operations for r in o.responses if r.status.isdigit()
        }

    def _nouns_of(self, operation: Operation) -> list[tuple[str, ...]]:
        """The nouns an operation goes by: its last path segment, its tags, its operationId's non-verbs."""
        literal = [s for s in operation.path.split("/") if s and not s.startswith("{")]
        nouns = [key_of(s) for s in literal[-1:]]
        nouns += [key_of(" ".join(literal))] if len(literal) > 1 else []
        nouns += [key_of(tag) for tag in operation.tags]
        verbs = {w for forms in INTENT_VERBS.values() for w in forms} | {"all", "one", "by", "id"}
        id_words = [w for w in words(operation.operation_id) if w not in verbs]
        nouns += [tuple(singular(w) for w in id_words)] if id_words else []
        return [n for n in nouns if n]

    @cached_property
    def base_paths(self) -> list[str]:
        """Path prefixes of the server URLs ("/api" of http://host/api), which texts write before paths."""
        prefixes = {urlparse(url).path.rstrip("/") for url in [self.api.base_url, *self.api.servers]}
        return sorted((p for p in prefixes if p), key=len, reverse=True)

    @cached_property
    def operation_verbs(self) -> list[tuple[str, Operation]]:
        """Stems of operationIds' first words that are not CRUD verbs ("archive" of archiveTask), and of
        actions on an item's path: POST /articles/{slug}/favorite favorites, its DELETE unfavorites."""
        common = set(_INTENT_OF_FORM) | {"all", "by"}
        found = []
        for operation in self.api.operations:
            first = words(operation.operation_id)[:1]
            stems = [stem_of(first[0])] if first and first[0] not in common and len(first[0]) > 3 else []
            action = re.fullmatch(r".*\}/([a-z]{4,})/?", operation.path)
            if action and operation.method in ("post", "delete") and action.group(1) not in common:
                stems.append(stem_of(("un" if operation.method == "delete" else "") + action.group(1)))
            found += [(stem, operation) for stem in dict.fromkeys(stems)]
        return found

    @cached_property
    def max_noun(self) -> int:
        """The longest noun in words, which bounds the lookahead of a noun lookup."""
        return max((len(k) for k in self.nouns), default=1)

    def noun_at(self, keys: list[str], position: int) -> tuple[tuple[str, ...], int] | None:
        """The longest resource noun starting at this word position, and its length in words."""
        for size in range(min(self.max_noun, len(keys) - position), 0, -1):
            candidate = tuple(keys[position : position + size])
            if candidate in self.nouns:
                return candidate, size
        return None

    def owner(self, operation: Operation) -> Resource | None:
        """The resource whose item the operation acts on: its path, or the longest item path it extends."""
        owners = [
            r
            for r in self.resources
            if operation.path == r.item_path or operation.path.startswith(r.item_path + "/")
        ]
        return max(owners, key=lambda r: len(r.item_path), default=None)

    def operations_on(self, path: str) -> list[Operation]:
        """The operations on one path."""
        return [o for o in self.api.operations if o.path == path]

    def pick(self, noun: tuple[str, ...], intent: Intent) -> Operation | None:
        """The operation an intent on a noun means: list/create on the collection, the rest on the item."""
        methods = _METHOD_OF[intent]
        item = intent in ("read", "update", "delete")
        candidates = [
            o
            for path in self.nouns.get(noun, [])
            for o in self.operations_on(path)
            if o.method in methods and not o.deprecated
        ]
        shaped = [o for o in candidates if o.path.endswith("}") == item] or (
            candidates if intent == "read" else []
        )
        # The collection itself before paths under it ("/articles" before "/articles/feed").
        return min(
            shaped, key=lambda o: (len(o.path_parameters), methods.index(o.method), len(o.path)), default=None
        )

    def inputs(self, operation: Operation) -> Fields:
        """What a call can send: body properties (nested ones by pointer) and query or header parameters."""
        return self._fields("in", operation)

    def outputs(self, operation: Operation) -> Fields:
        """What an answer holds: a listed item's or the body's properties, then every documented answer's."""
        return self._fields("out", operation)

    def _fields(self, side: str, operation: Operation) -> Fields:
        key = (side, operation.operation_id)
        if key not in self._cache:
            self._cache[key] = self._inputs(operation) if side == "in" else self._outputs(operation)
        return self._cache[key]

    def _inputs(self, operation: Operation) -> Fields:
        query = {p.name: p.schema_ for p in operation.parameters if p.location in ("query", "header")}
        body = {
            k.lstrip("/") if k.count("/") == 1 else k: v
            for k, v in flatten(request_schema(operation)).items()
        }
        return Fields({**body, **query})

    def errors(self, operation: Operation, statuses: list[int]) -> Fields:
        """Fields of the documented error answers (the stated statuses, else every 4xx)."""
        keys = [str(s) for s in statuses] or [
            r.status for r in operation.responses if r.status.startswith("4")
        ]
        schemas: dict[str, JsonSchema] = {}
        for response in operation.responses:
            if response.status in keys or response.status == "4XX":
                schemas.update(flatten(response.schema_))
        return Fields(schemas)

    def _outputs(self, operation: Operation) -> Fields:
        schemas = dict(flatten(item_schema(operation)))
        for response in operation.responses:
            for pointer, schema in flatten(response.schema_).items():
                schemas.setdefault(pointer, schema)
        return Fields(schemas)


def typed(raw: Any, schema: JsonSchema, *, loose: bool = False) -> list[Any]:
    """The written value as the schema's type, in a one-item list; empty when it does not fit."""
    kinds = types(schema)
    if not isinstance(raw, str):
        if isinstance(raw, bool):
            return [raw] if not kinds or "boolean" in kinds else []
        if isinstance(raw, int | float):
            if kinds & {"integer", "number"} or not kinds:
                return [raw] if "integer" not in kinds or float(raw).is_integer() else []
            return [str(raw)] if "string" in kinds and loose else []
        return [raw] if raw is None and (not kinds or "null" in kinds) else []
    for member in schema.get("enum") or []:
        if isinstance(member, str) and key_of(member) == key_of(raw) and key_of(raw):
            return [member]
    if schema.get("enum"):
        return []
    lowered = raw.lower()
    if kinds & {"integer", "number"} and re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
        return [float(raw) if "." in raw else int(raw)]
    if "boolean" in kinds and lowered in ("true", "false"):
        return [lowered == "true"]
    if "null" in kinds and lowered in ("null", "none"):
        return [None]
    return [raw] if not kinds or "string" in kinds else []
