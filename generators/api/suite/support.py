"""Assertions shared by the generated tests, with messages a reviewer can act on."""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

_SCHEMAS_FILE = Path(__file__).with_name("spec_schemas.json")


@cache
def _spec_schemas() -> dict[str, Any]:
    """{"operations": {operation id: {status: schema}}, "$defs": subschemas the schemas $ref}."""
    return json.loads(_SCHEMAS_FILE.read_text(encoding="utf-8"))


def describe(response: httpx.Response) -> str:
    """One line naming the call and what came back, for assertion messages."""
    body = response.text if len(response.text) <= 500 else response.text[:500] + "…"
    return f"{response.request.method} {response.request.url} answered {response.status_code}: {body}"


def expect_status(response: httpx.Response, *expected: int) -> None:
    """The response status is one of the expected codes."""
    assert response.status_code in expected, (
        f"expected {' or '.join(map(str, expected))}; {describe(response)}"
    )


def expect_status_class(response: httpx.Response, status_class: str) -> None:
    """The response status is in a class such as "4xx"."""
    first_digit = status_class[0]
    assert str(response.status_code).startswith(first_digit), f"expected {status_class}; {describe(response)}"


def json_body(response: httpx.Response) -> Any:
    """The parsed JSON body; a body that is not JSON fails the test as a finding."""
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"expected a JSON body; {describe(response)}") from None


def expect_schema(response: httpx.Response, operation_id: str) -> Any:
    """The JSON body matches the schema the spec documents for this operation and status."""
    documented = _spec_schemas()["operations"].get(operation_id, {})
    status = str(response.status_code)
    schema = documented.get(status) or documented.get(f"{status[0]}XX") or documented.get("default")
    if schema is None:
        # Nothing documented for this status: a body that is not JSON is not a finding.
        try:
            return response.json() if response.content else None
        except ValueError:
            return None
    body = json_body(response)
    validator = Draft202012Validator({**schema, "$defs": _spec_schemas()["$defs"]})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    problems = "; ".join(f"at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:3])
    assert not errors, f"{operation_id} {status} body does not match the spec: {problems}"
    return body


def value_at(body: Any, pointer: str) -> Any:
    """The value at a JSON pointer; a missing value fails the test as a finding."""
    value = body
    for token in [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise AssertionError(f"the response has no value at {pointer}: {json.dumps(body)[:300]}")
    return value


def items_at(body: Any, pointer: str) -> list[Any]:
    """The array at a JSON pointer ("" is the whole body)."""
    value = value_at(body, pointer)
    assert isinstance(value, list), f"expected an array at {pointer or '/'}, got {type(value).__name__}"
    return value


def expect_values(body: Any, expected: dict[str, Any]) -> None:
    """The body holds each expected value at its JSON pointer; every mismatch is named at once."""
    wrong = {pointer: value_at(body, pointer) for pointer, value in expected.items()}
    wrong = {pointer: got for pointer, got in wrong.items() if got != expected[pointer]}
    assert not wrong, "; ".join(f"expected {p} == {expected[p]!r}, got {got!r}" for p, got in wrong.items())


def item_values(body: Any, pointer: str, item_pointer: str) -> list[Any]:
    """Each value at `item_pointer` of the items of the array at `pointer`; a missing one is a finding."""
    return [value_at(item, item_pointer) for item in items_at(body, pointer)]


def _label(source: str) -> str:
    return f"{source}: " if source else ""


def expect_every(body: Any, pointer: str, item_pointer: str, value: Any, source: str = "") -> None:
    """Every item of the array at `pointer` has `value` at `item_pointer`."""
    others = [v for v in item_values(body, pointer, item_pointer) if v != value]
    assert not others, f"{_label(source)}expected every item's {item_pointer} == {value!r}; got {others[:10]}"


def expect_listed(body: Any, pointer: str, item_pointer: str, value: Any, source: str = "") -> None:
    """Some item of the array at `pointer` has `value` at `item_pointer`."""
    values = item_values(body, pointer, item_pointer)
    assert value in values, f"{_label(source)}none of {len(values)} items has {item_pointer} == {value!r}"


def expect_unlisted(body: Any, pointer: str, item_pointer: str, value: Any, source: str = "") -> None:
    """No item of the array at `pointer` has `value` at `item_pointer`."""
    values = item_values(body, pointer, item_pointer)
    assert value not in values, f"{_label(source)}an item still has {item_pointer} == {value!r}"


# Upper bound of pages one walk requests, so a huge or endless list cannot hang a daily run.
MAX_PAGES = 300
# A walk counts only when the next one sees the same pages: a list that changed under it (other clients
# writing) is walked again, at most this many times, each after a pause twice the last, so that a burst of
# writes (another test making its data) can end: 1.5 s of pauses in all.
WALK_ATTEMPTS = 5
WALK_PAUSE_S = 0.1


@dataclass(frozen=True)
class Paging:
    """How a list pages: where its items, item keys and total are, and which parameter moves the window."""

    items: str = ""
    key: str = ""
    limit: int | None = None
    offset_param: str | None = None
    page_param: str | None = None
    total: str | None = None


class _Walk:
    """One pass over the pages of a list, from the page a test asked for."""

    def __init__(self, client: httpx.Client, first: httpx.Response, operation: str, paging: Paging) -> None:
        self.client, self.first, self.operation_id, self.paging = client, first, operation, paging
        self.items: list[Any] = []
        self.repeated: list[str] = []
        self.page_keys: list[list[str]] = []
        self.total: Any = None
        # The test's own request timeout (a repaired test raises it), not only the client's default.
        self.timeout = _timeout_of(first)

    def key(self, item: Any) -> str:
        return json.dumps(value_at(item, self.paging.key) if self.paging.key else item, sort_keys=True)

    @property
    def pages(self) -> int:
        return len(self.page_keys)

    def fingerprint(self) -> str:
        """What two walks of an unchanged list both see: every page's item keys and the declared total."""
        return json.dumps([self.total, self.page_keys])

    def run(self) -> None:
        """Walk to the end, or to the first page that repeats an item."""
        paging, response = self.paging, self.first
        body = expect_schema(response, self.operation_id)
        total = self.total = value_at(body, paging.total) if paging.total else None
        if isinstance(total, int) and paging.limit and total > paging.limit * MAX_PAGES:
            pytest.skip(f"{self.operation_id}: {total} items are more than {MAX_PAGES} pages; not walked")
        param = paging.offset_param or paging.page_param
        position = int(response.request.url.params.get(param, 0)) if param else 0
        seen: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            page = items_at(body, paging.items)
            if paging.limit is not None:
                assert len(page) <= paging.limit, (
                    f"{self.operation_id}: page {number} holds {len(page)} items, above the limit "
                    f"{paging.limit}; {describe(response)}"
                )
            keys = [self.key(item) for item in page]
            self.page_keys.append(keys)
            self.repeated = sorted(k for k in keys if k in seen)
            seen.update(keys)
            self.items += page
            ended = not page or (total is not None and len(self.items) >= total)
            if self.repeated or ended or param is None:
                return
            position += len(page) if paging.offset_param else 1
            response = self.client.get(
                self.first.request.url.copy_set_param(param, position), timeout=self.timeout
            )
            if response.status_code == 404 and total is None:
                return  # some page-number lists answer 404 past their last page
            expect_status(response, self.first.status_code)
            body = expect_schema(response, self.operation_id)
        pytest.skip(f"{self.operation_id}: the list has more than {MAX_PAGES} pages; not walked to its end")


def _timeout_of(response: httpx.Response) -> httpx.Timeout:
    """The timeout the request of `response` was sent with."""
    return httpx.Timeout(**response.request.extensions["timeout"])


def walk_pages(client: httpx.Client, first: httpx.Response, operation_id: str, **paging: Any) -> list[Any]:
    """Every item of a paged list from the page `first` answered, asserting the paging contract.

    No page holds more than the limit, no item is on two pages and a declared total equals the items seen.
    Each is judged on a walk that the next walk repeated page for page: an item another client adds or
    removes while the pages are read shifts the window, which is not the list's fault.
    """
    walk = _Walk(client, first, operation_id, Paging(**paging))
    walk.run()
    # One page and no total: a single answer, which other clients' writes cannot make inconsistent.
    if walk.pages > 1 or walk.paging.total is not None:
        for attempt in range(WALK_ATTEMPTS):
            if attempt:
                time.sleep(WALK_PAUSE_S * 2 ** (attempt - 1))
            again = client.get(first.request.url, timeout=walk.timeout)
            expect_status(again, first.status_code)
            confirmation = _Walk(client, again, operation_id, walk.paging)
            confirmation.run()
            if confirmation.fingerprint() == walk.fingerprint():
                break
            walk = confirmation
        else:
            pytest.skip(f"{operation_id}: the list kept changing while it was paged (other clients writing?)")
    repeated = ", ".join(walk.repeated)
    assert not repeated, f"{operation_id}: items are on two pages (the page window did not move): {repeated}"
    if walk.paging.total is not None:
        assert walk.total == len(walk.items), (
            f"{operation_id}: {walk.paging.total} says {walk.total} items, its pages hold {len(walk.items)}"
        )
    return walk.items


class Cleanup:
    """Deletions to run when a test ends, newest first, so children go before their parents."""

    def __init__(self) -> None:
        self._paths: list[tuple[httpx.Client, str]] = []

    def delete(self, client: httpx.Client, path: str, params: dict[str, Any]) -> None:
        """Remember to DELETE `path` once its {name} placeholders are filled from `params`."""
        self._paths.append((client, re.sub(r"\{([^}]+)\}", lambda m: str(params[m.group(1)]), path)))

    def delete_made(
        self,
        client: httpx.Client,
        response: httpx.Response,
        path: str,
        params: dict[str, Any],
        made: dict[str, str],
    ) -> None:
        """Remember to DELETE what `response` made, as soon as it answers and before any check of it can fail
        (a call expected to be refused that a target accepts made something too): `made` maps path
        parameters to JSON pointers into its body, `params` holds the others. A call that made nothing (not
        a 2xx) leaves nothing to delete."""
        if not response.is_success:
            return
        try:
            body = response.json()
            found = {name: value_at(body, pointer) for name, pointer in made.items()}
        except (ValueError, AssertionError):
            warnings.warn(f"cleanup: what it made stays, not found: {describe(response)}", stacklevel=2)
            return
        self.delete(client, path, {**params, **found})

    def run(self) -> None:
        for client, path in reversed(self._paths):
            try:
                response = client.delete(path)
            except httpx.HTTPError as error:
                warnings.warn(f"cleanup: DELETE {path} failed: {error}", stacklevel=1)
                continue
            # 404: the test deleted it itself. Anything else is left behind, so say so without failing.
            if response.status_code >= 300 and response.status_code != 404:
                warnings.warn(f"cleanup: {describe(response)}", stacklevel=1)


@contextmanager
def cleanup_after() -> Iterator[Cleanup]:
    """A block whose creations are deleted when it ends, so a daily run leaves staging as it found it."""
    cleanup = Cleanup()
    try:
        yield cleanup
    finally:
        cleanup.run()
