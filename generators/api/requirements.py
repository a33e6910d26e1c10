"""Turns plain-language requirements into test scenarios, offline and deterministically.

A small pipeline of recognizers reads a requirement: which operation it is about, under which conditions
(credentials, unknown ids, input values) and what it claims (status, field value, count, state transition).
A requirement without an operation or a checkable claim is reported `Uncovered`, never turned into a test
that checks nothing.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from generators.api.data import UnsatisfiableSchema, minimal_valid_object, valid_value
from generators.api.resources import Resource, find_resources
from vocabulary.api_model import ApiModel, JsonSchema, Operation
from vocabulary.artefacts import Requirement
from vocabulary.claims import Comparison, Expectation, FieldCheck, Ref, Scenario, Step

Intent = Literal["create", "list", "read", "update", "delete"]

# Large enough to be unknown on any real service, small enough for 32-bit integer ids.
UNKNOWN_INTEGER_ID = 999_999_999
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
# "at most 1000 items" must not turn into a thousand-step test; beyond this the seeding is cut short.
MAX_SEEDS = 50

NO_CLAIM = "no checkable statement (status, field value, count, limit or rule) found"

_METHODS = "get|put|post|delete|options|head|patch|trace"
_VALUE = r"(?P<value>'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?\b|[A-Za-z_][\w-]*)"
_NEVER = r"(?!x)x"

# Verb stems that say what a requirement does to a resource; the earliest one in the text wins.
_INTENTS: tuple[tuple[Intent, str], ...] = (
    ("list", r"list\w*|(?:get|fetch|retrieve|read|view)\w*\s+all|search\w*|brows\w*"),
    ("create", r"creat\w*|add|adds|added|adding|new|posts?|posted|posting|regist\w*|submit\w*"),
    ("read", r"gets?|getting|read\w*|fetch\w*|retriev\w*|view\w*|show\w*|look\w*\s+up"),
    (
        "update",
        r"updat\w*|replac\w*|chang\w*|modif\w*|renam\w*|edit\w*|mark\w*|patch\w*|mov(?:e|es|ed|ing)|reopen\w*"
        r"|clos(?:e|es|ed|ing)|complet\w*|archiv\w*",
    ),
    ("delete", r"delet\w*|remov\w*"),
)
_SHAPES: dict[Intent, tuple[tuple[str, ...], bool]] = {  # intent -> (methods, acts on one item)
    "create": (("post",), False),
    "list": (("get",), False),
    "read": (("get",), True),
    "update": (("patch", "put"), True),
    "delete": (("delete",), True),
}
# Operation-id words that are verbs, not resource nouns.
_VERB_WORDS = set("get list create update delete patch put post add remove set all".split())

_AUTH_NONE = (
    r"\b(?:without|with\s+no|no|missing)\s+(?:an?\s+|any\s+|valid\s+)*(?:bearer\s+)?"
    r"(?:token|credentials?|auth\w*|api[\s_-]?key|login)\b|\bunauthenticated\b|\banonymous(?:ly)?\b"
    r"|\bnot\s+(?:logged|signed)\s+in\b"
)
_AUTH_REQUIRED = (
    r"\b(?:requires?|needs?)\s+(?:an?\s+)?(?:valid\s+)?(?:bearer\s+)?"
    r"(?:token|credentials|authentication|authori[sz]ation|api[\s_-]?key|login)\b"
)
_BAD_CREDENTIALS = (
    r"\bwith\s+(?:an?\s+)?(?:invalid|wrong|expired|bad|forged|unknown)\s+(?:token|credentials?|api[\s_-]?key)\b"
)
_UNKNOWN_ID = (
    r"\b(?:that|which|who)\s+(?:does\s+not|doesn't|do\s+not|don't|did\s+not)\s+exist\b|\bnon-?existent\b"
    r"|\bnonexisting\b|\bunknown\b|\binexistent\b|\bnot\s+existing\b"
)
_DUPLICATE = r"\bduplicates?\b|\balready\s+exists?\b|\btwice\b"
_FORBIDDEN = r"\b(?:cannot|can't|can\s+not|must\s+not|may\s+not|not\s+allowed|is\s+refused|forbidden)\b"
# Words after which a "with <field> <value>" describes the answer rather than the request.
_EFFECT = (
    r"\b(?:return(?:s|ed)?|answers?|responds?|yields?|gives?|results?\s+in|shows?|contains?|includes?|comes?\s+back)\b"
)
_COUNT_OPS: dict[str, Comparison] = {
    "at most": "len<=",
    "no more than": "len<=",
    "not more than": "len<=",
    "up to": "len<=",
    "a maximum of": "len<=",
    "maximum of": "len<=",
    "exactly": "len==",
    "at least": "len>=",
    "no fewer than": "len>=",
    "no less than": "len>=",
    "a minimum of": "len>=",
}
_COUNT = r"\b(?P<op>" + "|".join(k.replace(" ", r"\s+") for k in _COUNT_OPS) + r")\s+(?P<n>\d+)\b(?!\s*char)"
# Anything that could be a claim; without one, a requirement is uncovered whatever it talks about.
_SIGNAL = r"\d|['\"]|not\s+found|unauthori|forbidden|conflict|cannot|can't|reject|invalid|default|exist"
_STATUS_CUED = (
    r"(?:\bstatus(?:\s+code)?|\bcode|\bhttp|\breturns?|\banswers?|\bresponds?(?:\s+with)?|\bwith|\bis|\bgets?"
    r"|\byields?|\bfails?\s+with|\(|:)\s*(?:an?\s+)?(?P<code>[2-5]\d\d)\b"
    r"(?!\s+(?:char\w*|items?|results?|entries|entry|records?|elements?|rows?|objects?)\b)"
)


class Uncovered(BaseModel):
    """A requirement no test could be planned for, and why."""

    requirement_id: str
    reason: str


class Conditions(BaseModel):
    """The circumstances a requirement sets for the checked call."""

    auth: Literal["valid", "none"] = "valid"
    auth_required: bool = False  # "requires a token": the call without one is refused
    bad_credentials: bool = False
    unknown_id: bool = False
    duplicate: bool = False
    # JSON values to send, by property / parameter name.
    body: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    path: dict[str, Any] = Field(default_factory=dict)  # literal ids from "GET /tasks/42"
    omit: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)  # "without priority", for the step title

    @property
    def changes_input(self) -> bool:
        return bool(self.body or self.query or self.omit or self.duplicate)


class Transition(BaseModel):
    """A business rule on a state field: from `before`, changing it to `after` is (not) allowed."""

    field: str
    before: Any
    after: Any
    forbidden: bool


class Claims(BaseModel):
    """What the requirement says the answer must be."""

    statuses: list[int] = Field(default_factory=list)
    status_class: Literal["2xx", "4xx"] | None = None
    fields: list[FieldCheck] = Field(default_factory=list)
    seeds: int = 0  # resources to create first so a count claim is meaningful
    transition: Transition | None = None

    @property
    def found(self) -> bool:
        return bool(self.statuses or self.status_class or self.fields or self.transition)


class _Text:
    """The requirement text being read; recognizers blank out what they consume so nothing is read twice."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.value = text

    def effect_at(self) -> int | None:
        """Where the effect verb ("returns", "gives") is: "with x" before it is input, after it is answer."""
        effect = re.search(_EFFECT, self.original, re.IGNORECASE)
        return effect.start() if effect else None

    def copy(self) -> _Text:
        twin = _Text(self.original)
        twin.value = self.value
        return twin

    def find(self, pattern: str) -> list[re.Match[str]]:
        return list(re.finditer(pattern, self.value, re.IGNORECASE))

    def consume(self, match: re.Match[str]) -> None:
        start, end = match.span()
        self.value = self.value[:start] + " " * (end - start) + self.value[end:]


# -- words and schemas ----------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """createTask -> [create, task]; 'due_date' -> [due, date]."""
    return re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text).lower())


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us")) else word


def _phrase(name: str) -> str:
    """A regex for a field or value name as prose writes it: due_date, due date, dueDate, due dates."""
    return r"\b" + r"[\s_-]*".join(re.escape(w) for w in _words(name)) + r"s?\b"


def _types(schema: JsonSchema) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def _properties(schema: JsonSchema | None) -> dict[str, JsonSchema]:
    return (schema or {}).get("properties", {}) if isinstance(schema, dict) else {}


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _success_schema(operation: Operation) -> JsonSchema | None:
    for status in operation.success_statuses:
        response = operation.response(status)
        if response and response.schema_:
            return response.schema_
    return None


def _request_schema(operation: Operation) -> JsonSchema | None:
    body = operation.request_body
    return body.schema_ if body and _is_json(body.content_type) else None


def _typed(raw: str, schema: JsonSchema, *, strict: bool = True) -> list[Any]:
    """The prose value as the schema's type, in a one-item list; empty when it does not fit.

    Strict reading accepts an unquoted word only as an enum value, so "title is required" is no claim.
    """
    quoted = raw[:1] in "'\"" and raw[-1:] == raw[:1] and len(raw) >= 2
    text = raw[1:-1] if quoted else raw
    kinds = _types(schema)
    enum = schema.get("enum") or []
    for member in enum:
        if str(member).lower() == text.lower() or re.fullmatch(_phrase(str(member)), text, re.IGNORECASE):
            return [member]
    if kinds & {"integer", "number"} and re.fullmatch(r"-?\d+", text):
        return [int(text)]
    if "number" in kinds and re.fullmatch(r"-?\d+\.\d+", text):
        return [float(text)]
    if "boolean" in kinds and text.lower() in ("true", "false", "yes", "no"):
        return [text.lower() in ("true", "yes")]
    if "null" in kinds and text.lower() in ("null", "none"):
        return [None]
    if quoted and (not kinds or "string" in kinds):
        return [text]
    if not strict and not quoted and (not kinds or "string" in kinds) and not enum:
        return [text]
    return []


class _Fields:
    """Property and parameter names an operation knows, and a regex group matching them in prose."""

    def __init__(self, schemas: dict[str, JsonSchema]) -> None:
        self.schemas = schemas
        names = sorted(schemas, key=lambda n: -len(n))
        self.group = "(?P<field>" + ("|".join(_phrase(n) for n in names) or _NEVER) + ")"

    def name(self, written: str) -> str | None:
        key = re.sub(r"[\s_-]", "", written.lower())
        for name in self.schemas:
            if re.sub(r"[\s_-]", "", name.lower()) in (key, key[:-1]):
                return name
        return None


def _inputs(operation: Operation) -> dict[str, JsonSchema]:
    query = {p.name: p.schema_ for p in operation.parameters if p.location == "query"}
    return {**_properties(_request_schema(operation)), **query}


# -- finding the operation --------------------------------------------------------------------------------


def _intent(text: str) -> Intent | None:
    """The earliest verb of the text that says create, list, read, update or delete."""
    found = [
        (m.start(), -len(m.group(0)), intent)
        for intent, pattern in _INTENTS
        for m in re.finditer(rf"\b(?:{pattern})\b", text, re.IGNORECASE)
    ]
    return min(found)[2] if found else None


def _cue_intent(text: str) -> Intent | None:
    """Without a verb, what the claim implies: a count lists, input constraints and defaults create."""
    if re.search(_COUNT, text, re.IGNORECASE):
        return "list"
    create_cues = (
        r"\b(?:longer|shorter)\s+than\b|\b(?:above|below|greater\s+than|less\s+than)\s+-?\d|\bdefaults?\b"
        r"|\bstarts?\s+(?:with|as|in)\b|\bwithout\s+(?:an?\s+)?(?!token|credential|auth|api|login)\w+"
    )
    if re.search(create_cues, text, re.IGNORECASE):
        return "create"
    return "read" if re.search(_UNKNOWN_ID, text, re.IGNORECASE) else None


def _path_names(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def _literal_segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s and not s.startswith("{")]


def _mentioned(name: str, text_words: list[str]) -> bool:
    """Whether a (possibly multi-word) noun appears in the text, singular or plural."""
    wanted = [_singular(w) for w in _words(name)]
    size = len(wanted)
    return size > 0 and any(text_words[i : i + size] == wanted for i in range(len(text_words) - size + 1))


def _nouns(operation: Operation) -> list[str]:
    """Names the operation's resource goes by, besides its path: tags and operation-id nouns."""
    nouns = [*operation.tags, *(w for w in _words(operation.operation_id) if w not in _VERB_WORDS)]
    return [n for n in nouns if n]


def _pick(candidates: list[Operation], text: str) -> list[Operation] | str:
    """The candidates named by the text's nouns, best first; a reason string when none or several fit."""
    text_words = [_singular(w) for w in _words(text)]
    named = [
        op
        for op in candidates
        if _literal_segments(op.path) and _mentioned(_literal_segments(op.path)[-1], text_words)
    ]
    if not named:
        named = [op for op in candidates if any(_mentioned(n, text_words) for n in _nouns(op))]
    if not named and len(candidates) == 1:
        named = candidates
    if not named:
        return "names no resource of the spec"

    def score(op: Operation) -> tuple[int, int, int]:
        segments = sum(_mentioned(s, text_words) for s in _literal_segments(op.path))
        return -segments, len(op.path_parameters), 0 if op.method in ("patch", "get", "post", "delete") else 1

    named.sort(key=score)
    best = [op for op in named if score(op) == score(named[0])]
    if len(best) > 1:
        return "is ambiguous between " + ", ".join(f"{o.method.upper()} {o.path}" for o in best)
    return best


_Call = tuple[Operation, Conditions]  # an operation and the conditions of the call to it


def _explicit(text: _Text, api: ApiModel, conditions: Conditions) -> list[_Call] | str | None:
    """Operations written out as "GET /tasks/{taskId}"; literal ids and "?limit=5" become call values."""
    calls: list[_Call] = []
    for mention in text.find(rf"\b(?P<method>{_METHODS})\s+(?P<path>/[^\s,;'\"()]*)"):
        method, path = mention.group("method").lower(), mention.group("path").rstrip(".:")
        path, _, query = path.partition("?")
        text.consume(mention)
        for op in api.operations:
            found = re.fullmatch(re.sub(r"\\\{[^}]*\\\}", "([^/]+)", re.escape(op.path)) + "/?", path)
            if op.method == method and found:
                own = conditions.model_copy(deep=True)
                for name, value in zip(_path_names(op.path), found.groups(), strict=True):
                    if not value.startswith("{"):  # "/tasks/42" names a literal id, "/tasks/{id}" does not
                        own.path[name] = int(value) if value.isdigit() else value
                _explicit_query(query, op, own)
                calls.append((op, own))
                break
        else:
            return f"has no {method.upper()} {path}"
    return calls or None


def _explicit_query(query: str, operation: Operation, conditions: Conditions) -> None:
    """"GET /tasks?limit=5": query values typed by the parameter's schema."""
    schemas = {p.name: p.schema_ for p in operation.parameters if p.location == "query"}
    for name, _, raw in (pair.partition("=") for pair in query.split("&") if pair):
        typed = _typed(raw, schemas.get(name, {}), strict=False)
        conditions.query[name] = typed[0] if typed else raw
        conditions.phrases.append(f"with {name}={conditions.query[name]!r}")


def _find_operations(text: _Text, api: ApiModel, conditions: Conditions) -> list[_Call] | str:
    """Explicit mentions first, else an intent verb (or the claim's cue) plus a resource noun."""
    explicit = _explicit(text, api, conditions)
    if explicit is not None:
        return explicit
    intent = _intent(text.value) or _cue_intent(text.value)
    candidates = api.operations
    if intent:
        methods, item = _SHAPES[intent]
        candidates = [o for o in api.operations if o.method in methods and o.path.endswith("}") == item]
    picked = _pick(candidates, text.value)
    if isinstance(picked, list) and intent == "read" and _plural_only(picked[0], text.value):
        picked = _pick(
            [o for o in api.operations if o.method == "get" and not o.path.endswith("}")], text.value
        )
    return [(picked[0], conditions)] if isinstance(picked, list) else picked


def _plural_only(operation: Operation, text: str) -> bool:
    """Whether the noun is only written in the plural: "getting tasks" reads the collection."""
    segments = _literal_segments(operation.path)
    noun = _singular(segments[-1]) if segments else ""
    written = [w for w in _words(text) if _singular(w) == noun]
    return bool(written) and all(w != noun for w in written)


def _auth_fallback(api: ApiModel) -> Operation | None:
    """For "requests without a token are rejected": the first secured GET that needs no path values."""
    secured = [o for o in api.operations if o.security and not o.path_parameters and not o.deprecated]
    return next((o for o in secured if o.method == "get"), secured[0] if secured else None)


# -- recognizers: conditions ------------------------------------------------------------------------------


def _read_credentials(text: _Text, conditions: Conditions) -> None:
    for match in text.find(_BAD_CREDENTIALS):
        conditions.auth, conditions.bad_credentials = "none", True
        conditions.phrases.append("with invalid credentials")
        text.consume(match)
    for pattern in (_AUTH_NONE, _AUTH_REQUIRED):
        for match in text.find(pattern):
            conditions.auth, conditions.auth_required = "none", pattern == _AUTH_REQUIRED
            text.consume(match)
    if conditions.auth == "none" and not conditions.bad_credentials:
        conditions.phrases.append("without credentials")


def _read_existence(text: _Text, conditions: Conditions) -> None:
    for match in text.find(_UNKNOWN_ID):
        conditions.unknown_id = True
        text.consume(match)
    for match in text.find(_DUPLICATE):
        conditions.duplicate = True
        conditions.phrases.append("a second time")
        text.consume(match)


def _set(conditions: Conditions, operation: Operation, name: str, value: Any, phrase: str) -> None:
    """Record a value to send, as a query parameter when the operation has one by that name."""
    is_query = any(p.name == name and p.location == "query" for p in operation.parameters)
    (conditions.query if is_query else conditions.body)[name] = value
    conditions.phrases.append(phrase)


# Between a field and its limit: "title longer than", "a title of more than", "titles that are above".
_LINK = r"(?:(?:that|which)\s+(?:is|are)\s+|is\s+|are\s+|of\s+|with\s+|having\s+)?"


def _read_limits(text: _Text, operation: Operation, conditions: Conditions) -> None:
    """Just past a stated limit: "title longer than 100 characters", "priority above 5"."""
    fields = _Fields(_inputs(operation))
    lengths = {
        r"(?:longer|more)\s+than|over|exceeding|above": 1,
        r"shorter\s+than|fewer\s+than|under|below": -1,
    }
    for words, step in lengths.items():
        for match in text.find(
            rf"{fields.group}\s+{_LINK}(?:{words})\s+(?P<n>\d+)\s+char\w*"
        ):
            if name := fields.name(match.group("field")):
                size = max(int(match.group("n")) + step, 0)
                _set(conditions, operation, name, "x" * size, f"with a {size}-character {name}")
                text.consume(match)
    bounds = {
        r"greater\s+than|more\s+than|above|over|higher\s+than|larger\s+than|exceeding|>": 1,
        r"less\s+than|lower\s+than|smaller\s+than|below|under|<": -1,
    }
    for words, step in bounds.items():
        for match in text.find(
            rf"{fields.group}\s+{_LINK}(?:{words})\s*(?P<n>-?\d+)\b"
        ):
            if name := fields.name(match.group("field")):
                value = int(match.group("n")) + step
                _set(conditions, operation, name, value, f"with {name}={value}")
                text.consume(match)
    for match in text.find(rf"\b(?:an?\s+)?empty\s+{fields.group}"):
        if name := fields.name(match.group("field")):
            _set(conditions, operation, name, "", f"with an empty {name}")
            text.consume(match)


def _read_omissions(text: _Text, operation: Operation, conditions: Conditions) -> None:
    fields = _Fields(_inputs(operation))
    pattern = (
        rf"\b(?:without|with\s+no|missing|omitting|lacking)\s+(?:an?\s+|the\s+|any\s+|its\s+)?{fields.group}"
    )
    for match in text.find(pattern):
        if name := fields.name(match.group("field")):
            conditions.omit.append(name)
            conditions.phrases.append(f"without {name}")
            text.consume(match)


def _read_values(text: _Text, operation: Operation, conditions: Conditions) -> None:
    """Input values: "limit=5", "with title 'x'", "with priority set to 2" before the effect verb."""
    fields = _Fields(_inputs(operation))
    effect = text.effect_at()
    cut = len(text.value) if effect is None else effect
    # "limit=5" is input wherever it stands; "with title 'x'" only before the effect verb.
    patterns = (
        (rf"{fields.group}\s*=\s*{_VALUE}", False, len(text.value)),
        (
            rf"\b(?:with|when|if|for)\s+(?:an?\s+|the\s+|its\s+)?{fields.group}\s+(?:set\s+to\s+|of\s+|equal\s+to\s+"
            rf"|=\s*)?{_VALUE}",
            True,
            cut,
        ),
    )
    for pattern, strict, end in patterns:
        for match in text.find(pattern):
            name = fields.name(match.group("field"))
            value = _typed(match.group("value"), fields.schemas[name], strict=strict) if name else []
            if name and value and match.start() < end:
                _set(conditions, operation, name, value[0], f"with {name}={value[0]!r}")
                text.consume(match)


# -- recognizers: claims ----------------------------------------------------------------------------------


def _items_pointer(operation: Operation) -> str | None:
    """Where the listed items are: the body itself if it is an array, else its first array property."""
    schema = _success_schema(operation) or {}
    if "array" in _types(schema):
        return ""
    return next((f"/{n}" for n, p in _properties(schema).items() if "array" in _types(p)), None)


def _read_count(text: _Text, operation: Operation, requirement_id: str, claims: Claims) -> None:
    """Counts ("returns at most 5 items"): a length check on the items array, enough items created first."""
    pointer = _items_pointer(operation)
    for match in text.find(_COUNT):
        if pointer is None or operation.method != "get":
            continue
        op, n = _COUNT_OPS[re.sub(r"\s+", " ", match.group("op").lower())], int(match.group("n"))
        claims.fields.append(FieldCheck(pointer=pointer, op=op, value=n, source=requirement_id))
        # One more than "at most N" catches a server that is off by one; "at least N" needs N to exist.
        claims.seeds = max(claims.seeds, min(n + 1 if op == "len<=" else n, MAX_SEEDS))
        text.consume(match)


_Spot = tuple[int, re.Match[str], Any]  # where a state value is written, the match, the typed value


def _state_spots(text: _Text, name: str, schema: JsonSchema) -> list[_Spot]:
    """Values of a state field the text names: enum values, else quoted values when the field is named."""
    spots = sorted(
        (
            (m.start(), m, member)
            for member in schema.get("enum") or []
            for m in text.find(_phrase(str(member)))
        ),
        key=lambda spot: spot[0],
    )
    if len({str(s[2]) for s in spots}) < 2 and re.search(_phrase(name), text.value, re.IGNORECASE):
        quoted = ((m, _typed(m.group(0), schema)) for m in text.find(r"'[^']*'|\"[^\"]*\""))
        spots = [(m.start(), m, value[0]) for m, value in quoted if value]
    return spots if len({str(s[2]) for s in spots}) >= 2 else []


def _state_after(text: str, spots: list[_Spot], words: str) -> _Spot | None:
    """The first state value written right after one of the given words."""
    cue = rf"\b(?:{words})\s+(?:\w+\s+)?$"
    return next((s for s in spots if re.search(cue, text[: s[0]], re.IGNORECASE)), None)


def _read_transition(text: _Text, operation: Operation, claims: Claims) -> None:
    """Two states of one field: "a task that is done cannot be reopened: changing its status back to open"."""
    if operation.method not in ("patch", "put"):
        return
    for name, schema in _properties(_request_schema(operation)).items():
        spots = _state_spots(text, name, schema)
        if not spots:
            continue
        before = _state_after(
            text.value, spots, r"(?:that|which)\s+(?:is|are|was)|once|after\s+being|already|from"
        )
        before = before or spots[0]
        later = [s for s in spots if str(s[2]) != str(before[2])]
        after = _state_after(text.value, later, r"back\s+to|to|into|as") or later[-1]
        forbidden = bool(re.search(_FORBIDDEN, text.value, re.IGNORECASE))
        claims.transition = Transition(field=name, before=before[2], after=after[2], forbidden=forbidden)
        for _, match, _ in spots:
            text.consume(match)
        return


def _read_outcomes(text: _Text, operation: Operation, requirement_id: str, claims: Claims) -> None:
    """Field values of the answer: "starts with status 'open'", "gives it priority 3", "title is 'x'"."""
    schema = _success_schema(operation)
    fields = _Fields(_properties(schema) or _properties(_request_schema(operation)))
    effect = text.effect_at()
    article = r"(?:an?\s+|the\s+|its\s+)?"
    patterns = [
        rf"{fields.group}\s+defaults?\s+to\s+{_VALUE}",
        rf"\bdefault\s+{fields.group}\s+(?:is|of)\s+{_VALUE}",
        rf"\b(?:starts?|begins?|is\s+created|are\s+created|ends?\s+up)\s+(?:with|as|in)\s+{article}{fields.group}"
        rf"\s+(?:of\s+|=\s*)?{_VALUE}",
        rf"\b(?:gives?|assigns?|sets?)\s+(?:it|them)\s+{article}{fields.group}\s+(?:of\s+)?{_VALUE}",
        rf"\b(?:has|have|gets?|returns?\s+(?:it\s+)?with|with)\s+{article}{fields.group}\s+(?:of\s+|=\s*)?{_VALUE}",
        rf"{fields.group}\s+(?:is|are|equals|==|becomes|should\s+be|must\s+be|will\s+be|stays|remains)\s+{_VALUE}",
    ]
    for pattern in patterns:
        for match in text.find(pattern):
            name = fields.name(match.group("field"))
            value = _typed(match.group("value"), fields.schemas[name]) if name else []
            is_input = match.group(0).lower().startswith("with") and (
                effect is None or match.start() < effect
            )
            if name and value and not is_input:
                claims.fields.append(
                    FieldCheck(pointer=f"/{name}", op="==", value=value[0], source=requirement_id)
                )
                text.consume(match)
    for match in text.find(rf"\b(?:starts?|begins?|is\s+created)\s+(?:as|in)\s+{_VALUE}"):
        # "starts as 'open'": the field is whichever property has that enum value.
        owners = [
            (n, v[0])
            for n, s in fields.schemas.items()
            if "enum" in s
            for v in [_typed(match.group("value"), s)]
            if v
        ]
        if len(owners) == 1:
            claims.fields.append(
                FieldCheck(pointer=f"/{owners[0][0]}", op="==", value=owners[0][1], source=requirement_id)
            )
            text.consume(match)


def _documented(operation: Operation, codes: tuple[int, ...]) -> int | None:
    return next((c for c in codes if operation.response(str(c))), None)


def _read_status(text: _Text, operation: Operation, conditions: Conditions, claims: Claims) -> None:
    """An explicit code wins; else a phrase ("not found", "rejected", "cannot") maps to a documented code."""
    codes = text.find(_STATUS_CUED) or text.find(r"\b(?P<code>[2-5]\d\d)\b")
    if codes:
        claims.statuses = [int(codes[0].group("code"))]
        return
    said = text.value.lower()
    rejected = re.search(r"\b(?:reject\w*|invalid|refus\w*|not\s+accepted|fails?|error)\b", said)
    conflict = re.search(r"\bconflict\w*\b", said) or (re.search(_FORBIDDEN, said) and claims.transition)
    refused = rejected or conditions.auth_required or re.search(r"unauthori[sz]ed|unauthenticated", said)
    if conditions.auth == "none" and refused:
        claims.statuses = [_documented(operation, (401, 403)) or 401]
    elif re.search(r"\bunauthori[sz]ed\b", said):
        claims.statuses = [401]
    elif re.search(r"\bforbidden\b", said):
        claims.statuses = [403]
    elif re.search(r"\bnot\s+found\b", said) or (conditions.duplicate and operation.method == "delete"):
        claims.statuses = [404]
    elif conflict or conditions.duplicate:
        claims.statuses = [_documented(operation, (409, 422, 400)) or 409]
    elif rejected or re.search(_FORBIDDEN, said):
        code = _documented(operation, (422, 400))
        claims.statuses, claims.status_class = ([code], None) if code else ([], "4xx")
    elif re.search(r"\bcreated\b", said) and operation.response("201"):
        claims.statuses = [201]
    elif re.search(r"\b(?:succeed\w*|success\w*|is\s+allowed|are\s+allowed|can\s+be)\b", said):
        claims.statuses = [int(s) for s in operation.success_statuses[:1]]
        claims.status_class = None if claims.statuses else "2xx"


def _unexplained(status: int, conditions: Conditions, claims: Claims, operation: Operation) -> bool:
    """A client error the planned call has no reason to get: that test would check a request never sent."""
    if status == 404:
        deleted_again = conditions.duplicate and operation.method == "delete"
        return not ((conditions.unknown_id or conditions.path or deleted_again) and operation.path_parameters)
    if status in (401, 403):
        return conditions.auth == "valid"
    if status == 409:
        return not (claims.transition or conditions.duplicate or conditions.changes_input)
    return 400 <= status < 500 and not conditions.changes_input


def _read_claims(text: _Text, operation: Operation, conditions: Conditions, requirement_id: str) -> Claims:
    """Run the recognizers in an order where the more specific phrase is consumed first."""
    claims = Claims()
    _read_existence(text, conditions)
    _read_limits(text, operation, conditions)
    _read_count(text, operation, requirement_id, claims)
    for match in text.find(_STATUS_CUED)[:1]:
        claims.statuses = [int(match.group("code"))]
        text.consume(match)
    _read_transition(text, operation, claims)
    _read_outcomes(text, operation, requirement_id, claims)
    _read_omissions(text, operation, conditions)
    _read_values(text, operation, conditions)
    if not claims.statuses:
        _read_status(text, operation, conditions, claims)
    return claims


# -- building the scenario --------------------------------------------------------------------------------


class _Builder:
    """Turns an operation, its conditions and claims into the steps of one scenario."""

    def __init__(self, api: ApiModel) -> None:
        self.api = api
        self.resources = find_resources(api)

    def creation_steps(self, resource: Resource, save_as: str) -> list[Step] | str:
        """Create the resource (its parents first) and save it as `save_as`; a reason when the spec cannot."""
        creator = self.api.operation(resource.create) if resource.create else None
        if creator is None:
            return f"the spec has no way to create a {_singular(resource.name)} to act on"
        parents = self.path_values(creator.path, [])
        if isinstance(parents, str):
            return parents
        steps, params = parents
        create = Step(
            operation_id=creator.operation_id,
            title=f"Create a {_singular(resource.name).replace('_', ' ')}",
            path_params=params,
            query=self.required_query(creator),
            body=self.valid_body(creator),
            save_as=save_as,
            expect=_success(creator),
        )
        return [*steps, create]

    def path_values(self, path: str, leave: list[str]) -> tuple[list[Step], dict[str, Any]] | str:
        """Create what each path parameter (except those in `leave`) refers to, outermost first."""
        steps: list[Step] = []
        params: dict[str, Any] = {}
        for name in _path_names(path):
            if name in leave:
                continue
            owner = next(
                (
                    r
                    for r in self.resources
                    if r.item_path.endswith("{" + name + "}") and path.startswith(r.item_path)
                ),
                None,
            )
            creator = self.api.operation(owner.create) if owner and owner.create else None
            if owner is None or creator is None:
                return f"nothing in the spec creates the {name} the path needs"
            save_as = f"parent_{_snake(name)}"
            steps.append(
                Step(
                    operation_id=creator.operation_id,
                    title=f"Create a {_singular(owner.name)}",
                    path_params={k: v for k, v in params.items() if "{" + k + "}" in creator.path},
                    query=self.required_query(creator),
                    body=self.valid_body(creator),
                    save_as=save_as,
                    expect=_success(creator),
                )
            )
            params[name] = Ref(step=save_as, pointer=owner.id_pointer)
        return steps, params

    def valid_body(self, operation: Operation, variant: int = 0) -> Any | None:
        schema = _request_schema(operation)
        return valid_value(schema, variant=variant) if schema is not None else None

    def required_query(self, operation: Operation, variant: int = 0) -> dict[str, Any]:
        return {
            p.name: valid_value(p.schema_, name=p.name, variant=variant)
            for p in operation.parameters
            if p.location == "query" and p.required
        }

    def request_body(self, operation: Operation, conditions: Conditions, keep_out: list[str]) -> Any | None:
        """A valid body with the requirement's values and omissions; PATCH sends only what it changes."""
        schema = _request_schema(operation)
        if schema is None:
            return None
        if operation.method == "patch" and conditions.body and "object" in _types(schema):
            # A partial update sends what the requirement changes, plus whatever the schema insists on.
            required = schema.get("required") or []
            minimal = minimal_valid_object(schema) if required else {}
            body: Any = {k: v for k, v in minimal.items() if k in required}
        else:
            body = valid_value(schema)
        if not isinstance(body, dict):
            return body
        body = {**body, **conditions.body}
        return {k: v for k, v in body.items() if k not in conditions.omit and k not in keep_out}

    def target(self, operation: Operation, conditions: Conditions) -> tuple[list[Step], dict[str, Any]] | str:
        """Steps that make the resource a call acts on, and the path values pointing at it."""
        item = operation.path.endswith("}") and not conditions.path
        leaf = operation.path_parameters[-1].name if operation.path_parameters else ""
        if conditions.unknown_id and item:
            prepared = self.path_values(operation.path, [leaf])
            if isinstance(prepared, str):
                return prepared
            return prepared[0], {**prepared[1], leaf: _unknown_id(operation, leaf)}
        resource = next((r for r in self.resources if r.item_path == operation.path), None)
        if item and resource is not None:
            steps = self.creation_steps(resource, "created")
            if isinstance(steps, str):
                return steps
            return steps, {**steps[-1].path_params, leaf: Ref(step="created", pointer=resource.id_pointer)}
        prepared = self.path_values(operation.path, list(conditions.path))
        return prepared if isinstance(prepared, str) else (prepared[0], {**prepared[1], **conditions.path})

    def seeds(self, operation: Operation, count: int, params: dict[str, Any]) -> list[Step]:
        """`count` new resources in the listed collection, so a count claim has something to count."""
        resource = next((r for r in self.resources if r.collection_path == operation.path and r.create), None)
        creator = self.api.operation(resource.create) if resource and resource.create else None
        if resource is None or creator is None:
            return []
        name = _singular(resource.name).replace("_", " ")
        return [
            Step(
                operation_id=creator.operation_id,
                title=f"Create {name} {index + 1} of {count}",
                path_params=params,
                query=self.required_query(creator, index),
                body=self.valid_body(creator, index),
                expect=_success(creator),
            )
            for index in range(count)
        ]


def _snake(text: str) -> str:
    return "_".join(_words(text)) or "x"


def _unknown_id(operation: Operation, name: str) -> Any:
    schema = next((p.schema_ for p in operation.path_parameters if p.name == name), {})
    if schema.get("format") == "uuid":
        return UNKNOWN_UUID
    if _types(schema) & {"integer", "number"}:
        return min(UNKNOWN_INTEGER_ID, schema.get("maximum", UNKNOWN_INTEGER_ID))
    return "does-not-exist-0000"


def _success(operation: Operation) -> Expectation:
    statuses = [int(s) for s in operation.success_statuses]
    return Expectation(statuses=statuses, status_class=None if statuses else "2xx")


def _status_key(operation: Operation, status: int) -> str | None:
    """The documented response key a status falls under: exact, else its range ("4XX")."""
    for key in (str(status), f"{status // 100}XX"):
        if operation.response(key):
            return key
    return None


def _expectation(operation: Operation, claims: Claims) -> Expectation:
    """The checked call's expectation, validating the body against the documented schema when there is one."""
    statuses = claims.statuses or (
        [] if claims.status_class else [int(s) for s in operation.success_statuses]
    )
    status_class = claims.status_class or (None if statuses else "2xx")
    key = _status_key(operation, statuses[0]) if statuses else None
    documented = operation.response(key) if key else None
    return Expectation(
        statuses=statuses,
        status_class=status_class,
        schema_of=(operation.operation_id, key) if key and documented and documented.schema_ else None,
        fields=claims.fields,
    )


def _bad_credentials(api: ApiModel, operation: Operation) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query values carrying made-up credentials for the operation's first security scheme."""
    scheme = next((api.scheme(n) for alternative in operation.security for n in alternative), None)
    if scheme and scheme.type == "apiKey" and scheme.parameter_name:
        where = {scheme.parameter_name: "invalid-key"}
        return (where, {}) if scheme.location != "query" else ({}, where)
    if scheme and scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
        return {"Authorization": "Basic aW52YWxpZDppbnZhbGlk"}, {}
    return {"Authorization": "Bearer invalid-token"}, {}


def _call_title(operation: Operation, conditions: Conditions, resource: str) -> str:
    """Step title: "Create a task without priority", "List tasks with limit=5", "Call GET /health"."""
    verbs = {"post": "Create", "get": "Read", "put": "Replace", "patch": "Update", "delete": "Delete"}
    item = operation.path.endswith("}")
    if operation.method == "get" and not item and resource and _items_pointer(operation) is not None:
        head = f"List {resource}s"
    elif operation.method in verbs and resource and (item or operation.method == "post"):
        article = "a" if operation.method == "post" else "an unknown" if conditions.unknown_id else "the"
        head = f"{verbs[operation.method]} {article} {resource}"
    else:
        head = f"Call {operation.method.upper()} {operation.path}"
    return " ".join([head, *conditions.phrases])


def _scenario_name(requirement: Requirement, suffix: str = "") -> str:
    """test_<id>_<up to six words of the text>[_<suffix>], a valid and stable identifier."""
    words = [w for w in _words(requirement.text) if w not in ("a", "an", "the")][:6] or ["requirement"]
    return "_".join(["test", _snake(requirement.requirement_id), *words, *([suffix] if suffix else [])])


def _feature(operation: Operation) -> str:
    segments = _literal_segments(operation.path)
    return operation.tags[0] if operation.tags else segments[0] if segments else "root"


def _plan_one(
    requirement: Requirement, api: ApiModel, operation: Operation, text: _Text, conditions: Conditions
) -> Scenario | Uncovered:
    """Read the claims for one operation and lay out the steps that check them."""
    rid = requirement.requirement_id
    claims = _read_claims(text, operation, conditions, rid)
    if not claims.found:
        return Uncovered(requirement_id=rid, reason=NO_CLAIM)
    status = claims.statuses[0] if claims.statuses else None
    if status and _unexplained(status, conditions, claims, operation):
        return Uncovered(
            requirement_id=rid,
            reason=f"expects {status} but names no input of "
            f"{operation.method.upper()} {operation.path} that would cause it",
        )
    builder = _Builder(api)
    segments = _literal_segments(operation.path)
    resource = _singular(segments[-1]).replace("_", " ").replace("-", " ") if segments else ""
    if claims.transition:
        return _transition_scenario(requirement, builder, operation, claims, claims.transition)
    target = builder.target(operation, conditions)
    if isinstance(target, str):
        return Uncovered(requirement_id=rid, reason=target)
    prelude, path_params = target
    prelude += builder.seeds(operation, claims.seeds, path_params)
    headers, auth_query = _bad_credentials(api, operation) if conditions.bad_credentials else ({}, {})
    query = {**builder.required_query(operation), **conditions.query, **auth_query}
    step = Step(
        operation_id=operation.operation_id,
        title=_call_title(operation, conditions, resource),
        path_params=path_params,
        query={k: v for k, v in query.items() if k not in conditions.omit},
        headers=headers,
        body=builder.request_body(operation, conditions, _defaulted(operation, conditions, claims)),
        auth=conditions.auth,
        expect=_expectation(operation, claims),
    )
    if conditions.duplicate:
        # The same call once before, so the checked one is the repeat.
        first = step.model_copy(
            update={
                "title": _call_title(operation, Conditions(), resource) + " once",
                "auth": "valid",
                "headers": {},
                "expect": _success(operation),
            }
        )
        prelude.append(first)
    severity: Literal["critical", "normal"] = "critical" if conditions.auth == "none" else "normal"
    return _scenario(requirement, operation, [*prelude, step], claims, severity)


def _defaulted(operation: Operation, conditions: Conditions, claims: Claims) -> list[str]:
    """Optional fields whose initial value a create claims: sending them would only check an echo."""
    if operation.method != "post":
        return []
    required = (_request_schema(operation) or {}).get("required") or []
    claimed = [f.pointer[1:] for f in claims.fields if f.pointer.count("/") == 1]
    return [name for name in claimed if name not in conditions.body and name not in required]


def _transition_scenario(
    requirement: Requirement, builder: _Builder, operation: Operation, claims: Claims, rule: Transition
) -> Scenario | Uncovered:
    """create → move to the first state → try the change the rule is about."""
    rid = requirement.requirement_id
    owner = next((r for r in builder.resources if r.item_path == operation.path), None)
    steps = builder.creation_steps(owner, "created") if owner else "the updated path is not a resource"
    if isinstance(steps, str):
        return Uncovered(requirement_id=rid, reason=steps)
    leaf = operation.path_parameters[-1].name
    params = {
        **steps[-1].path_params,
        leaf: Ref(step="created", pointer=owner.id_pointer if owner else "/id"),
    }

    def change(value: Any) -> Any:
        if operation.method == "patch":
            return {rule.field: value}
        base = builder.valid_body(operation)
        return {**base, rule.field: value} if isinstance(base, dict) else base

    steps.append(
        Step(
            operation_id=operation.operation_id,
            title=f"Set its {rule.field} to {rule.before}",
            path_params=params,
            body=change(rule.before),
            expect=_success(operation),
        )
    )
    if not rule.forbidden and not claims.fields:
        claims.fields = [FieldCheck(pointer=f"/{rule.field}", op="==", value=rule.after, source=rid)]
    title = (
        f"Try to change its {rule.field} back to {rule.after}"
        if rule.forbidden
        else (f"Change its {rule.field} to {rule.after}")
    )
    steps.append(
        Step(
            operation_id=operation.operation_id,
            title=title,
            path_params=params,
            body=change(rule.after),
            expect=_expectation(operation, claims),
        )
    )
    return _scenario(requirement, operation, steps, claims, "critical")


def _scenario(
    requirement: Requirement,
    operation: Operation,
    steps: list[Step],
    claims: Claims,
    severity: Literal["critical", "normal"],
) -> Scenario:
    checked = steps[-1].expect
    key = _status_key(operation, checked.statuses[0]) if checked.statuses else None
    short = requirement.text if len(requirement.text) <= 60 else requirement.text[:59] + "…"
    return Scenario(
        name=_scenario_name(requirement),
        title=requirement.text,
        feature=_feature(operation),
        story=f"{requirement.requirement_id}: {short}",
        severity=severity,
        category="requirement",
        steps=steps,
        requirement_ids=[requirement.requirement_id],
        exercises=[(operation.operation_id, key)] if key else [],
        description=f"Creates {claims.seeds} first so the count has items to count." if claims.seeds else "",
    )


def _normalized(text: str) -> str:
    """Straight quotes and single spaces, so the recognizers' patterns stay simple."""
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text).strip()


def plan_requirement(requirement: Requirement, api: ApiModel) -> list[Scenario] | Uncovered:
    """The scenarios that check one requirement, or why none can."""
    rid = requirement.requirement_id
    text = _Text(_normalized(requirement.text))
    conditions = Conditions()
    # Credentials first, so "without a token" never reads as a resource or a body field.
    _read_credentials(text, conditions)
    found = _find_operations(text, api, conditions)
    if isinstance(found, str) and conditions.auth == "none" and (fallback := _auth_fallback(api)):
        found = [(fallback, conditions)]
    if isinstance(found, str):
        if not re.search(_SIGNAL, requirement.text, re.IGNORECASE):
            return Uncovered(requirement_id=rid, reason=NO_CLAIM)
        return Uncovered(
            requirement_id=rid, reason=f"no operation of the spec matches: the requirement {found}"
        )
    scenarios: list[Scenario] = []
    for operation, call_conditions in found:
        try:
            one = _plan_one(requirement, api, operation, text.copy(), call_conditions.model_copy(deep=True))
        except UnsatisfiableSchema as error:
            return Uncovered(requirement_id=rid, reason=f"no valid request can be built: {error}")
        if isinstance(one, Uncovered):
            return one
        if len(found) > 1:
            one = one.model_copy(update={"name": _scenario_name(requirement, _snake(operation.operation_id))})
        scenarios.append(one)
    return scenarios
