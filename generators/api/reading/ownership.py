"""The ownership frame: what one identity made, a second identity cannot read, change or delete, nor list.

"Only the author can delete a post", "a member sees only the notes they made", "what one user created another
cannot read or change": the first identity creates the item, the second calls each named operation on it and
is refused (the documented 403/404), or lists the collection and must not find it.
"""

from __future__ import annotations

import re
from typing import Literal

from generators.api.planner import Planner
from generators.api.reading.emit import paging_of, scenario_of
from generators.api.reading.lexicon import Intent, Lexicon, intent_of, item_schema, request_schema, singular
from generators.api.reading.model import Gap
from generators.api.reading.split import Claim
from generators.api.reading.view import ClaimView
from generators.api.resources import Resource
from vocabulary.api_model import Operation
from vocabulary.claims import Expectation, FieldCheck, Ref, Scenario, Step

# The closed vocabulary of identities: another user, someone else, only the owner, the items they made.
_ELSE = re.compile(
    r"\b(?:someone|somebody|anyone|anybody|nobody|no\s*one)\s+else\b|\bothers\b", re.IGNORECASE
)
# "another cook": who acts, unless the word after it is something the spec lets one make ("another task").
_OTHER = re.compile(r"\b(?:another|a\s+different|a\s+second|other|one)\s+([a-z]+)", re.IGNORECASE)
_IDENTITY_NOUNS = frozenset(
    {"user", "member", "account", "identity", "client", "person", "customer", "tenant", "caller", "principal"}
)
_NEGATION = re.compile(r"\b(?:cannot|can't|can\s+not|not|never|only|no|nobody|no\s+one)\b", re.IGNORECASE)
_OWNER = r"(?:the|its|their|his|her)\s+(?:author|owner|creator|maker|poster)s?"
_OWNER_ONLY = re.compile(
    rf"\bonly\s+{_OWNER}\s+(?:can|may|is\s+(?:allowed|able|permitted)|are\s+(?:allowed|able|permitted))\b"
    rf"|\bonly\s+(?:be\s+\w+\s+)?by\s+{_OWNER}\b",
    re.IGNORECASE,
)
_THEIR_OWN = re.compile(
    r"\bonly\b.*\b(?:they|he|she|you|i|we)\s+(?:made|created|own|added|posted|wrote|submitted)\b|"
    r"\bonly\b.*\btheir\s+own\b",
    re.IGNORECASE,
)
# "another user's item", "someone else's notes", "other members' posts": made by someone else, said with a
# possessive.
_OTHERS_POSSESSIVE = re.compile(
    r"\b(?:another|other|a\s+different|a\s+second)\s+([a-z]+)(?:'s|s')(?=\s)|\b(?:someone|somebody)\s+else's\b",
    re.IGNORECASE,
)
# "private to their owner", "visible only to its creator": nobody else may read them.
_PRIVATE = re.compile(
    rf"\b(?:private|visible\s+only|accessible\s+only|only\s+visible|only\s+accessible)\s+to\s+{_OWNER}",
    re.IGNORECASE,
)
_MADE = re.compile(
    r"\b(?:made|make|makes|created|own|owns|added|posted|wrote|written|submitted|authored)\b", re.IGNORECASE
)
# Ownership speaks of access as well as reading.
_EXTRA_INTENTS: dict[str, Intent] = {"access": "read", "accessed": "read", "open": "read", "opened": "read"}
# Words for "whatever one makes": the claim is about every kind of item the spec lets one make.
_GENERIC = frozenset(
    {"what", "whatever", "anything", "everything", "item", "data", "resource", "record", "thing", "content"}
)
_IDENTITY_DETERMINERS = frozenset({"another", "other", "one", "different", "second", "first", "same", "each"})
_STATUS = re.compile(r"\b([45]\d\d)\b")
Checked = Literal["list", "read", "update", "delete"]


def is_ownership(text: str, lexicon: Lexicon) -> bool:
    """Whether a claim is about what one identity may do with another's items."""
    if _OWNER_ONLY.search(text) or _THEIR_OWN.search(text) or _PRIVATE.search(text):
        return True
    if _NEGATION.search(text) and any(
        m.group(1) is None or _identity(m.group(1), lexicon) for m in _OTHERS_POSSESSIVE.finditer(text)
    ):
        return True
    if not (_NEGATION.search(text) and _MADE.search(text)):
        return False
    return bool(_ELSE.search(text)) or any(_identity(m.group(1), lexicon) for m in _OTHER.finditer(text))


def _identity(word: str, lexicon: Lexicon) -> bool:
    """ "user", or a noun of the spec one cannot make items of ("cook" of POST /cooks): someone who acts."""
    key = (singular(word.lower()),)
    if key[0] in _IDENTITY_NOUNS:
        return True
    paths = lexicon.nouns.get(key, [])
    return bool(paths) and not any(r.create and r.collection_path in paths for r in lexicon.resources)


def ownership_scenarios(claim: Claim, lexicon: Lexicon, planner: Planner) -> list[Scenario] | Gap:
    """One scenario per operation the claim denies the second identity, on an item the first one made."""
    view = ClaimView(claim, lexicon)
    named = _named_resource(view, lexicon)
    generic = not named and bool(_GENERIC & set(view.keys))
    resources = [named] if named else [r for r in lexicon.resources if r.create] if generic else []
    checked = _checked_intents(view)
    if not checked:
        return Gap("names no read, change, delete or listing that the other identity is denied")
    if not resources:
        return Gap("names no resource of the spec whose items can be made and owned")
    statuses = sorted({int(s) for s in _STATUS.findall(claim.text)})
    built: list[Scenario] = []
    for resource in resources:
        for intent in checked:
            if generic and _operation(resource, intent, lexicon) is None:
                continue  # "what one user made": only what the spec lets one do to each kind of item
            suffix = intent if named else f"{resource.name}_{intent}"
            scenario = _scenario(claim, resource, intent, suffix, statuses, lexicon, planner)
            if isinstance(scenario, Gap):
                return scenario
            built.append(scenario)
    return built or Gap(f"no operation of the spec can {' or '.join(checked)} an item someone made")


def _named_resource(view: ClaimView, lexicon: Lexicon) -> Resource | None:
    """The first resource the claim names whose items can be made; None when it names none.

    A word for who acts ("a regular user", "another member's") gives way to any other resource named.
    """
    named: list[tuple[bool, Resource]] = []
    for position in range(len(view.keys)):
        if view.word(position - 1) in _IDENTITY_DETERMINERS:
            continue  # "another user", "one member": who acts, not what is acted on
        found = lexicon.noun_at(view.keys, position)
        paths = lexicon.nouns.get(found[0], []) if found else []
        named += [
            (view.keys[position] in _IDENTITY_NOUNS, resource)
            for resource in lexicon.resources
            if resource.create and resource.collection_path in paths
        ]
    return min(named, key=lambda entry: entry[0], default=(False, None))[1]


def _checked_intents(view: ClaimView) -> list[Checked]:
    """The operations denied: the verbs of the claim other than making, a plural "sees only …" a listing."""
    found: list[Checked] = []
    for index, token in enumerate(view.tokens):
        intent = intent_of(token.lower) or _EXTRA_INTENTS.get(token.lower)
        if intent is None or intent == "create" or token.lower in ("own", "owns"):
            continue
        # "sees only the notes", "lists the notes": a set of items, so what the listing holds.
        following = range(index + 1, min(index + 4, len(view.tokens)))
        plural = any(
            view.tokens[i].kind == "word" and view.tokens[i].lower != view.keys[i] for i in following
        )
        checked: Checked = "list" if intent == "list" or intent == "read" and plural else intent
        if checked not in found:
            found.append(checked)
    if not found and _PRIVATE.search(view.claim.text):
        return ["read", "list"]  # "private to its owner": another identity neither reads nor lists it
    return found


def _operation(resource: Resource, intent: Checked, lexicon: Lexicon) -> Operation | None:
    name = {
        "list": resource.list,
        "read": resource.read,
        "update": resource.update or resource.replace,
        "delete": resource.delete,
    }[intent]
    return lexicon.api.operation(name) if name else None


def _scenario(
    claim: Claim,
    resource: Resource,
    intent: Checked,
    suffix: str,
    statuses: list[int],
    lexicon: Lexicon,
    planner: Planner,
) -> Scenario | Gap:
    """Create as the first identity, then the denied call as the second one."""
    operation = _operation(resource, intent, lexicon)
    if operation is None:
        return Gap(f"no operation of the spec can {intent} a {resource.name} item")
    if not operation.security:
        return Gap(
            f"{operation.method.upper()} {operation.path} needs no credentials, so which identity calls it "
            "cannot change the answer"
        )
    created = planner.creation_steps(resource, "created")
    if created is None:
        return Gap(f"cannot create a {resource.name} item as the first identity")
    notes: list[str] = []
    if intent == "list":
        step = _listing(claim, resource, operation, lexicon, planner)
        if isinstance(step, Gap):
            return step
    else:
        params = {
            **created[-1].path_params,
            resource.id_param: Ref(step="created", pointer=resource.id_pointer),
        }
        expect = _refusal(operation, statuses, notes)
        step = Step(
            operation_id=operation.operation_id,
            title=f"{intent.capitalize()} it as a second identity: {operation.method.upper()} "
            + operation.path,
            path_params=params,
            query=planner.required_query(operation),
            body=planner.body_for(operation) if request_schema(operation) else None,
            auth="second",
            expect=expect,
        )
    return scenario_of(claim, operation, step, [*created, step], notes, suffix, critical=True)


def _refusal(operation: Operation, statuses: list[int], notes: list[str]) -> Expectation:
    """The stated refusal, else the documented 403/404 (either hides the item well), else any client error."""
    if statuses:
        return Expectation(statuses=statuses)
    documented = {int(r.status) for r in operation.responses if r.status.isdigit()}
    owned = sorted(documented & {403, 404})
    if owned:
        return Expectation(statuses=owned)
    notes.append(f"no 403 or 404 documented for {operation.operation_id}: any client error is accepted")
    return Expectation(status_class="4xx")


def _listing(
    claim: Claim, resource: Resource, operation: Operation, lexicon: Lexicon, planner: Planner
) -> Step | Gap:
    """The list as the second identity, every page of it, without the first identity's item."""
    leaf = resource.id_pointer.rsplit("/", 1)[-1]
    if leaf not in (item_schema(operation).get("properties") or {}):
        return Gap(f"the items {operation.path} lists document no '{leaf}' to find the created one by")
    query = planner.required_query(operation)
    paging = paging_of(operation, query, lexicon)
    if paging is None:
        return Gap(f"cannot find the items in the answer of {operation.method.upper()} {operation.path}")
    return Step(
        operation_id=operation.operation_id,
        title=f"List as a second identity via {operation.method.upper()} {operation.path}",
        query=query,
        auth="second",
        expect=Expectation(
            statuses=[int(s) for s in operation.success_statuses],
            status_class=None if operation.success_statuses else "2xx",
            paging=paging,
            fields=[
                FieldCheck(
                    pointer="",
                    op="lacks_item",
                    item_pointer=f"/{leaf}",
                    value=Ref(step="created", pointer=resource.id_pointer),
                    source=claim.requirement_id,
                )
            ],
        ),
    )
