"""Reconnaissance for HTTP APIs: read an OpenAPI 3.0/3.1 document into an `ApiModel` and probe the target.

Every `$ref` is inlined, `allOf` merged and each schema rewritten as JSON Schema 2020-12, so jsonschema's
Draft202012Validator checks responses as the spec means them. Resolved schemas may share sub-dictionaries:
treat them as read-only.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import httpx
import yaml

from tools.errors import InputError, SpecError, TargetUnreachableError
from tools.target_policy import EMBEDDED_POLICY, PinnedTransport, TargetPolicy, TargetRefusedError
from vocabulary.api_model import (
    ApiModel,
    HttpMethod,
    JsonSchema,
    Link,
    OAuthFlow,
    OAuthFlowKind,
    Operation,
    Parameter,
    RequestBody,
    ResponseSpec,
    SecurityScheme,
)

HTTP_METHODS: tuple[HttpMethod, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_SUPPORTED_VERSION = re.compile(r"3\.[01]\.\d+(-[\w.]+)?")
_PARAMETER_LOCATIONS = ("path", "query", "header", "cookie")
# OpenAPI says header parameters with these names SHALL be ignored (content and security describe them).
_IGNORED_HEADER_PARAMETERS = frozenset({"accept", "content-type", "authorization"})
_SCHEME_TYPES = ("http", "apiKey", "oauth2", "openIdConnect", "mutualTLS")
_OAUTH_FLOWS: tuple[OAuthFlowKind, ...] = ("password", "clientCredentials", "authorizationCode", "implicit")

# A recursive schema is expanded once inside itself; one level deeper the `$ref` becomes `{}` (any value).
_MAX_REF_NESTING = 2

_OPENAPI_ONLY_KEYWORDS = frozenset({"nullable", "discriminator", "xml", "externalDocs", "example"})
_SCHEMA_MAP_KEYWORDS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_SCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_KEYWORDS = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "unevaluatedItems",
        "unevaluatedProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "contentSchema",
    }
)

# Bounds on what is read: a spec (or a file or URL it refers to), and what YAML aliases may expand it to.
MAX_SPEC_BYTES = 20 * 1_048_576
MAX_YAML_VALUES = 1_000_000
MAX_REFERENCED_DOCUMENTS = 100

_INTERNAL_REFS_ONLY = "a spec given inline or uploaded may only refer inside itself (#/...)"
_NO_OPERATIONS = f"spec has no operations: its paths name no {', '.join(HTTP_METHODS)} to test"

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML_12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_PATH_WORD = re.compile(r"\{([^}]*)\}|[A-Za-z0-9]+")


# --- Loading ---------------------------------------------------------------------------------------------


async def load_document(
    source: str, *, timeout_s: float = 10.0, policy: TargetPolicy = EMBEDDED_POLICY
) -> dict[str, Any]:
    """Read an OpenAPI 3.0/3.1 document, JSON or YAML, from a file path or an http(s) URL `policy` admits."""
    if _is_http_url(source):
        text = await _fetch_text(source, timeout_s, policy, what="spec")
    else:
        text = _read_text(_local_path(source), what="spec", shown=source)
    document = _parse(text, what="spec")
    if document is None:
        raise SpecError(f"spec is empty: {source}")
    if not isinstance(document, dict):
        raise SpecError(f"not an OpenAPI document: {source} holds {_kind(document)}, not a mapping")
    _check_version(document)
    return document


def _is_http_url(text: str) -> bool:
    return urlsplit(text).scheme.lower() in ("http", "https")


def _local_path(source: str) -> Path:
    """The file a non-http source names; `file://` URLs are paths too."""
    parts = urlsplit(source)
    if parts.scheme.lower() == "file":
        return Path(url2pathname(parts.path))
    if "://" in source:
        raise SpecError(f"unsupported spec source {source}: give a file path or an http(s) URL")
    return Path(source).expanduser()


async def _fetch_text(url: str, timeout_s: float, policy: TargetPolicy, *, what: str) -> str:
    """The body of `url`, every hop (redirects too) admitted by the policy, at most MAX_SPEC_BYTES long."""
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout_s, follow_redirects=True, transport=PinnedTransport(policy)
            ) as client,
            client.stream("GET", url) as response,
        ):
            if not response.is_success:
                reason = f"HTTP {response.status_code} {response.reason_phrase}"
                raise SpecError(f"could not fetch {what} {url}: {reason}")
            data = await _bounded_body(response, what=f"{what} {url}")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise SpecError(f"could not fetch {what} {url}: {_network_reason(exc, timeout_s)}") from exc
    except TargetRefusedError as exc:
        raise TargetRefusedError(f"could not fetch {what} {url}: {exc}") from None
    return data.decode(response.encoding or "utf-8", errors="replace")


async def _bounded_body(response: httpx.Response, *, what: str) -> bytes:
    """The response body, refused as soon as it grows past MAX_SPEC_BYTES (whatever Content-Length says)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_SPEC_BYTES:
            raise SpecError(f"{what} is larger than {_megabytes(MAX_SPEC_BYTES)}")
        chunks.append(chunk)
    return b"".join(chunks)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:g} MB"


def _read_text(path: Path, *, what: str, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(f"{what} is larger than {_megabytes(MAX_SPEC_BYTES)}: {shown}")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SpecError(f"{what} not found: {shown}") from exc
    except IsADirectoryError as exc:
        raise SpecError(f"{what} is a directory, not a file: {shown}") from exc
    except OSError as exc:
        raise SpecError(f"could not read {what} {shown}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{what} is not UTF-8 text: {shown}") from exc


def _parse(text: str, *, what: str) -> Any:
    """JSON when it parses as JSON (the fast path), else YAML, whose aliases may not expand it unboundedly."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        try:
            document = yaml.load(text, Loader=_SpecLoader)
        except yaml.YAMLError as yaml_error:
            # YAML also reads most JSON, but for text meant as JSON the JSON parser's complaint is clearer.
            meant_as_json = text.lstrip().startswith(("{", "["))
            reason = _json_reason(json_error) if meant_as_json else _yaml_reason(yaml_error)
            raise SpecError(f"{what} is not valid YAML/JSON: {reason}") from yaml_error
    _check_alias_expansion(document, what=what)
    return document


def _check_alias_expansion(document: Any, *, what: str) -> None:
    """Refuse YAML whose aliases contain themselves, or expand it past MAX_YAML_VALUES ("billion laughs").

    The loader shares an aliased value instead of copying it, so the walk below is linear in what was
    written; it counts what every later reader (resolver, normaliser, generator) would walk.
    """
    expanded: dict[int, int] = {}
    open_ids: set[int] = set()
    shared = False

    def size(value: Any) -> int:
        nonlocal shared
        if not isinstance(value, dict | list):
            return 1
        if id(value) in expanded:
            shared = True
            return expanded[id(value)]
        if id(value) in open_ids:
            raise SpecError(f"{what} is refused: a YAML alias refers to a value that contains it")
        open_ids.add(id(value))
        total = 1 + sum(size(child) for child in (value.values() if isinstance(value, dict) else value))
        open_ids.discard(id(value))
        expanded[id(value)] = total
        return total

    if size(document) > MAX_YAML_VALUES and shared:
        raise SpecError(f"{what} is refused: its YAML aliases expand it past {MAX_YAML_VALUES:,} values")


def _json_reason(error: json.JSONDecodeError) -> str:
    return f"line {error.lineno}: {error.msg}"


def _yaml_reason(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    return _one_line(f"line {mark.line + 1}: {problem}" if mark else problem)


def _check_version(document: dict[str, Any]) -> str:
    """The document's OpenAPI version, if it is one we read."""
    if "swagger" in document and "openapi" not in document:
        raise SpecError(
            f"spec is Swagger {document['swagger']}; "
            "convert it to OpenAPI 3 (e.g. with swagger2openapi) and retry"
        )
    if "openapi" not in document:
        raise SpecError("not an OpenAPI document: no 'openapi' field")
    version = str(document["openapi"])
    if not _SUPPORTED_VERSION.fullmatch(version):
        raise SpecError(f"unsupported OpenAPI version {version} (3.0.x and 3.1.x are supported)")
    return version


def _yaml_12_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """PyYAML's implicit types without YAML 1.1 quirks: `on`/`yes` stay strings and dates stay text."""
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in (_TIMESTAMP_TAG, _BOOL_TAG)]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for first in "tTfF":
        resolvers.setdefault(first, []).append((_BOOL_TAG, _YAML_12_BOOL))
    return resolvers


class _SpecLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML read as OpenAPI means it (YAML 1.2 scalars), with every mapping key a string."""

    yaml_implicit_resolvers = _yaml_12_resolvers()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        return {_key_text(key): value for key, value in super().construct_mapping(node, deep=deep).items()}


def _key_text(key: Any) -> str:
    """A mapping key as JSON would have it: YAML's `200:` is the status "200", not an integer."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


# --- $ref resolution -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    """A document that `$ref`s point into: the spec itself, or a file or URL it refers to."""

    key: str
    label: str
    content: Any
    directory: Path | None  # where relative file refs start; None for a spec read from a URL
    url: str | None = None  # where relative URL refs start, for a spec read from a URL


_RefKey = tuple[str, str]  # (document key, JSON pointer)


class _RefResolver:
    """Inlines `$ref`s: JSON pointers into the spec, and what relative refs name inside the spec's own home.

    A spec read from a file may refer to files under its own folder (when the policy allows file refs at
    all); one read from a URL to documents on its own origin, fetched beforehand (`referenced`).
    """

    def __init__(
        self, document: dict[str, Any], source: str, policy: TargetPolicy, referenced: dict[str, Any]
    ) -> None:
        self._root = _root_document(document, source)
        self._policy = policy
        self._referenced = referenced
        self._files: dict[str, _Document] = {self._root.key: self._root}
        self._resolved: dict[_RefKey, Any] = {}
        self._cutoffs = 0

    def resolve(self, node: Any) -> Any:
        """A copy of `node`, taken from the spec itself, with every `$ref` replaced by its target."""
        return self._walk(node, self._root, ())

    def _walk(self, node: Any, document: _Document, stack: tuple[_RefKey, ...]) -> Any:
        if isinstance(node, list):
            return [self._walk(item, document, stack) for item in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            return self._follow(node, document, stack)
        resolved = {key: self._walk(value, document, stack) for key, value in node.items()}
        # Only here are the branches' $ref names still known, and they are a discriminator's implicit values.
        return _pin_discriminated_branches(node, resolved) if "discriminator" in node else resolved

    def _follow(self, node: dict[str, Any], document: _Document, stack: tuple[_RefKey, ...]) -> Any:
        ref = node["$ref"]
        target, pointer = self._target(ref, document)
        key = (target.key, pointer)
        if key in self._resolved:
            resolved = self._resolved[key]
        elif stack.count(key) >= _MAX_REF_NESTING:
            self._cutoffs += 1
            return {}
        else:
            resolved = self._expand(key, target, ref, stack)
        siblings = {name: value for name, value in node.items() if name != "$ref"}
        if siblings and isinstance(resolved, dict):
            # OpenAPI 3.1 allows keywords beside $ref; 3.0 specs put `description` or `nullable` there too.
            return {**resolved, **self._walk(siblings, document, stack)}
        return resolved

    def _expand(self, key: _RefKey, target: _Document, ref: str, stack: tuple[_RefKey, ...]) -> Any:
        cutoffs_before = self._cutoffs
        resolved = self._walk(_at_pointer(target, key[1], ref), target, (*stack, key))
        if self._cutoffs == cutoffs_before:  # nothing inside recursed, so it reads the same wherever used
            self._resolved[key] = resolved
        return resolved

    def _target(self, ref: str, document: _Document) -> tuple[_Document, str]:
        location, _, fragment = ref.partition("#")
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise SpecError(f"unsupported $ref '{ref}': only JSON pointers (#/...) are followed")
        if not location:
            return document, pointer
        if urlsplit(location).scheme or location.startswith("//"):
            raise SpecError(f"unsupported $ref '{ref}': only local and relative-file references are followed")
        if document.url is not None:
            return self._url_document(location, ref, document.url), pointer
        return self._file(location, ref, document), pointer

    def _url_document(self, location: str, ref: str, base: str) -> _Document:
        """A document on the spec's own origin, fetched beforehand by `load_referenced`."""
        url = urldefrag(urljoin(base, location)).url  # a relative ref never leaves the origin
        if url == self._root.key:
            return self._root
        if url not in self._referenced:
            raise SpecError(
                f"cannot follow $ref '{ref}' in a spec read from a URL; "
                "download the spec and the files it refers to, then pass its path"
            )
        if url not in self._files:
            self._files[url] = _Document(url, url, self._referenced[url], None, url)
        return self._files[url]

    def _file(self, location: str, ref: str, document: _Document) -> _Document:
        """A file under the root spec's own folder, where the policy allows file refs at all."""
        if not self._policy.file_refs or document.directory is None or self._root.directory is None:
            raise SpecError(f"refused $ref '{ref}': {_INTERNAL_REFS_ONLY}")
        path = (document.directory / unquote(location)).resolve()
        if not path.is_relative_to(self._root.directory):
            raise SpecError(f"refused $ref '{ref}': it points outside the spec's folder")
        if str(path) not in self._files:
            text = _read_text(path, what=f"file of $ref '{ref}'", shown=str(path))
            content = _parse(text, what=f"file {path.name} (from $ref '{ref}')")
            self._files[str(path)] = _Document(str(path), path.name, content, path.parent)
        return self._files[str(path)]


def _root_document(document: dict[str, Any], source: str) -> _Document:
    if _is_http_url(source):
        return _Document(source, source, document, None, source)
    path = _local_path(source).resolve()
    return _Document(str(path), source, document, path.parent)


async def load_referenced(
    document: dict[str, Any], source: str, *, timeout_s: float = 10.0, policy: TargetPolicy = EMBEDDED_POLICY
) -> dict[str, Any]:
    """For a spec read from a URL: the documents its relative `$ref`s name on its own origin, by URL.

    What other documents they refer to is fetched too, up to MAX_REFERENCED_DOCUMENTS; absolute refs are
    left for the resolver to refuse by name.
    """
    if not _is_http_url(source):
        return {}
    referenced: dict[str, Any] = {}
    pending = [(source, document)]
    while pending:
        base, content = pending.pop()
        for url in _relative_ref_urls(content, base):
            if url in referenced or url == source:
                continue
            if len(referenced) >= MAX_REFERENCED_DOCUMENTS:
                raise SpecError(f"spec refers to more than {MAX_REFERENCED_DOCUMENTS} other documents")
            text = await _fetch_text(url, timeout_s, policy, what=f"document of $ref {url}")
            referenced[url] = _parse(text, what=f"document {url}")
            pending.append((url, referenced[url]))
    return referenced


def _relative_ref_urls(node: Any, base: str) -> Iterator[str]:
    """The URL of every document a relative `$ref` inside `node` names (absolute refs are not followed)."""
    if isinstance(node, list):
        for item in node:
            yield from _relative_ref_urls(item, base)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        location = ref.partition("#")[0] if isinstance(ref, str) else ""
        if location and not urlsplit(location).scheme and not location.startswith("//"):
            yield urldefrag(urljoin(base, location)).url
        for value in node.values():
            yield from _relative_ref_urls(value, base)


def _at_pointer(document: _Document, pointer: str, ref: str) -> Any:
    node = document.content
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise SpecError(f"dangling $ref '{ref}': nothing at #{pointer} in {document.label}")
    return node


def _pointer_token(name: str) -> str:
    """`name` escaped for one JSON-pointer token inside a `$ref` (which is percent-decoded)."""
    return name.replace("~", "~0").replace("/", "~1").replace("%", "%25")


# --- Schema normalisation --------------------------------------------------------------------------------


class _SchemaNormalizer:
    """Rewrites resolved OpenAPI schemas as JSON Schema 2020-12, `allOf` merged into one schema.

    `hidden` is the property flag that lifts `required` on this side: "readOnly" for requests,
    "writeOnly" for responses, None for schemas read on their own.
    """

    def __init__(self, hidden: str | None = None) -> None:
        self._hidden = hidden
        # Resolved schemas share sub-dictionaries: rewrite each once; keep the source so its id stays unique.
        self._done: dict[int, tuple[Any, Any]] = {}

    def normalize(self, schema: Any) -> JsonSchema:
        """One top-level schema, always as a mapping (boolean schemas become `{}` or `{"not": {}}`)."""
        if isinstance(schema, bool) or schema is None:
            return {} if schema is not False else {"not": {}}
        if not isinstance(schema, dict):
            raise SpecError(f"a schema must be a mapping, not {_kind(schema)}: {_one_line(str(schema))[:80]}")
        return self._nested(schema)

    def _nested(self, schema: Any) -> Any:
        if isinstance(schema, list):  # the pre-2020 tuple form of `items`
            return [self._nested(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if id(schema) not in self._done:
            self._done[id(schema)] = (schema, self._rewrite(schema))
        return self._done[id(schema)][1]

    def _rewrite(self, schema: JsonSchema) -> JsonSchema:
        flat = _merge_all_of(schema)
        result = {
            key: self._keyword(key, value) for key, value in flat.items() if key not in _OPENAPI_ONLY_KEYWORDS
        }
        if "example" in flat and "examples" not in flat:
            result["examples"] = [flat["example"]]
        result = _numeric_exclusive_bounds(result)
        if flat.get("nullable") is True:
            result = _allow_null(result)
        return self._lift_required(result)

    def _keyword(self, key: str, value: Any) -> Any:
        if key in _SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            return {name: self._nested(subschema) for name, subschema in value.items()}
        if key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            return [self._nested(subschema) for subschema in value]
        if key in _SCHEMA_KEYWORDS:
            return self._nested(value)
        return value

    def _lift_required(self, schema: JsonSchema) -> JsonSchema:
        """OpenAPI: a readOnly property is required in responses only, a writeOnly one in requests only."""
        required, properties = schema.get("required"), schema.get("properties")
        if self._hidden is None or not isinstance(required, list) or not isinstance(properties, dict):
            return schema
        kept = [name for name in required if not _has_flag(properties.get(name), self._hidden)]
        return schema if len(kept) == len(required) else {**schema, "required": kept}


def _pin_discriminated_branches(raw: dict[str, Any], resolved: dict[str, Any]) -> dict[str, Any]:
    """Under a discriminator, each `$ref` branch of oneOf/anyOf requires its discriminator value.

    OpenAPI picks the branch by that value; plain JSON Schema would see overlapping branches all match.
    """
    discriminator = raw["discriminator"]
    if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
        return resolved
    mapping = discriminator.get("mapping") if isinstance(discriminator.get("mapping"), dict) else {}
    pinned = dict(resolved)
    for keyword in ("oneOf", "anyOf"):
        if isinstance(raw.get(keyword), list) and isinstance(resolved.get(keyword), list):
            pinned[keyword] = [
                _pinned(branch, discriminator["propertyName"], _discriminator_values(raw_branch, mapping))
                for raw_branch, branch in zip(raw[keyword], resolved[keyword], strict=True)
            ]
    return pinned


def _discriminator_values(raw_branch: Any, mapping: dict[str, Any]) -> list[str]:
    """The values that select a `$ref` branch: its mapping keys, and its schema name (the implicit value)."""
    ref = raw_branch.get("$ref") if isinstance(raw_branch, dict) else None
    if not isinstance(ref, str):
        return []
    schema_name = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return list(
        dict.fromkeys(
            [*(key for key, target in mapping.items() if target in (ref, schema_name)), schema_name]
        )
    )


def _pinned(branch: Any, property_name: str, values: list[str]) -> Any:
    if not values or not isinstance(branch, dict):
        return branch
    return {"allOf": [branch, {"properties": {property_name: {"enum": values}}, "required": [property_name]}]}


def _has_flag(schema: Any, flag: str) -> bool:
    return isinstance(schema, dict) and schema.get(flag) is True


def _merge_all_of(schema: JsonSchema) -> JsonSchema:
    """One schema for `allOf`: properties and required united; for other keywords (`type`) the first wins."""
    branches = schema.get("allOf")
    if not isinstance(branches, list):
        return schema
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    for branch in branches:
        if isinstance(branch, dict):  # a boolean branch: `true` adds nothing, `false` is not worth modelling
            merged = _merge_two(merged, _merge_all_of(branch))
    return merged


def _merge_two(first: JsonSchema, second: JsonSchema) -> JsonSchema:
    merged = dict(first)
    for key, value in second.items():
        if key not in merged:
            merged[key] = value
        elif key == "properties" and isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = _merge_properties(merged[key], value)
        elif key == "required" and isinstance(value, list) and isinstance(merged[key], list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
    return merged


def _merge_properties(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = dict(first)
    for name, schema in second.items():
        both_schemas = isinstance(merged.get(name), dict) and isinstance(schema, dict)
        merged[name] = (
            _merge_two(_merge_all_of(merged[name]), _merge_all_of(schema)) if both_schemas else schema
        )
    return merged


def _numeric_exclusive_bounds(schema: JsonSchema) -> JsonSchema:
    """OpenAPI 3.0's boolean `exclusiveMinimum: true` qualifies `minimum`; 2020-12 wants the bound itself."""
    result = dict(schema)
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = result.get(exclusive)
        if isinstance(flag, bool):
            del result[exclusive]
            if flag and bound in result:
                result[exclusive] = result.pop(bound)
    return result


def _allow_null(schema: JsonSchema) -> JsonSchema:
    """OpenAPI 3.0's `nullable: true` in JSON Schema: null joins the type list, the enum, any oneOf/anyOf."""
    result = dict(schema)
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        result["type"] = [*kind, "null"]
    if isinstance(result.get("enum"), list) and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    for keyword in ("oneOf", "anyOf"):
        if isinstance(result.get(keyword), list):
            result[keyword] = [*result[keyword], {"type": "null"}]
    return result


# --- Operations ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawOperation:
    """An operation as found under `paths`, before it has its final id."""

    path: str
    method: HttpMethod
    path_item: dict[str, Any]
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _raw_operations(paths: dict[str, Any]) -> list[_RawOperation]:
    """Operations in spec order: paths as written, methods in OpenAPI's order."""
    found = []
    for path, item in paths.items():
        if path.startswith("x-"):
            continue
        path_item = _mapping(item, f"path item {path}")
        for method in HTTP_METHODS:
            if method in path_item:
                found.append(
                    _RawOperation(path, method, path_item, _mapping(path_item[method], f"{method} {path}"))
                )
    return found


def _operation_ids(operations: list[_RawOperation]) -> list[str]:
    """The spec's operationIds, synthesized where missing; every id unique (later duplicates get a number)."""
    given = [_text(op.spec.get("operationId")) for op in operations]
    reserved = set(given)
    taken: set[str] = set()
    ids = []
    for operation, operation_id in zip(operations, given, strict=True):
        if not operation_id or operation_id in taken:
            operation_id = _first_free(operation_id or _synthesized_id(operation), taken | reserved)
        taken.add(operation_id)
        ids.append(operation_id)
    return ids


def _synthesized_id(operation: _RawOperation) -> str:
    """`get /tasks/{taskId}` -> `getTasksByTaskId`: the method, then each path word capitalised."""
    words = [
        "By" + _camel_words(match.group(1)) if match.group(1) is not None else _capitalized(match.group(0))
        for match in _PATH_WORD.finditer(operation.path)
    ]
    return operation.method + ("".join(words) or "Root")


def _camel_words(text: str) -> str:
    return "".join(_capitalized(word) for word in re.findall(r"[A-Za-z0-9]+", text))


def _capitalized(word: str) -> str:
    return word[:1].upper() + word[1:]


def _first_free(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    number = 2
    while f"{base}{number}" in used:
        number += 1
    return f"{base}{number}"


class _OperationReader:
    """Turns resolved `paths` entries into `Operation`s; knows every operation's id, for links."""

    def __init__(self, operations: list[_RawOperation], ids: list[str], global_security: Any) -> None:
        self._ids = set(ids)
        self._ids_by_route = {(op.path, op.method): op_id for op, op_id in zip(operations, ids, strict=True)}
        self._global_security = global_security
        self._requests = _SchemaNormalizer(hidden="readOnly")
        self._responses = _SchemaNormalizer(hidden="writeOnly")

    def read(self, operation: _RawOperation, operation_id: str) -> Operation:
        spec = operation.spec
        return Operation(
            operation_id=operation_id,
            method=operation.method,
            path=operation.path,
            summary=_text(spec.get("summary")),
            description=_text(spec.get("description")),
            tags=[_text(tag) for tag in _sequence(spec.get("tags"), f"tags of {operation.label}")],
            parameters=self._parameters(operation),
            request_body=self._request_body(spec.get("requestBody"), operation.label),
            responses=self._responses_of(spec.get("responses"), operation.label),
            security=self._security(spec, operation.label),
            deprecated=spec.get("deprecated") is True,
        )

    def _parameters(self, operation: _RawOperation) -> list[Parameter]:
        """Path-level parameters overlaid by the operation's own; the operation wins on (name, in)."""
        where = f"parameters of {operation.label}"
        specs = [
            *_sequence(operation.path_item.get("parameters"), where),
            *_sequence(operation.spec.get("parameters"), where),
        ]
        merged: dict[tuple[str, str], Parameter] = {}
        for spec in specs:
            parameter = self._parameter(_mapping(spec, f"a parameter of {operation.label}"), operation.label)
            if parameter is not None:
                merged[(parameter.name, parameter.location)] = parameter
        return list(merged.values())

    def _parameter(self, spec: dict[str, Any], where: str) -> Parameter | None:
        name, location = spec.get("name"), spec.get("in")
        if not isinstance(name, str) or not name:
            raise SpecError(f"a parameter of {where} has no name")
        if location not in _PARAMETER_LOCATIONS:
            raise SpecError(
                f"parameter '{name}' of {where} has 'in: {location}' (path, query, header or cookie)"
            )
        if location == "header" and name.lower() in _IGNORED_HEADER_PARAMETERS:
            return None
        schema = spec.get("schema")
        if schema is None:  # a parameter may describe its value with `content` instead of `schema`
            content = _mapping(spec.get("content"), f"content of parameter '{name}' of {where}")
            media_type = _preferred_media_type(content)
            schema = _mapping(content[media_type], where).get("schema") if media_type else None
        return Parameter(
            name=name,
            location=location,
            required=location == "path" or spec.get("required") is True,
            schema=self._requests.normalize(schema),
            example=_example(spec),
            description=_text(spec.get("description")),
        )

    def _request_body(self, spec: Any, where: str) -> RequestBody | None:
        if spec is None:
            return None
        body = _mapping(spec, f"request body of {where}")
        content = _mapping(body.get("content"), f"request body content of {where}")
        media_type = _preferred_media_type(content)
        if media_type is None:
            return None
        media = _mapping(content[media_type], f"request body {media_type} of {where}")
        return RequestBody(
            content_type=media_type,
            required=body.get("required") is True,
            schema=self._requests.normalize(media.get("schema")),
            example=_example(media),
        )

    def _responses_of(self, spec: Any, where: str) -> list[ResponseSpec]:
        responses = _mapping(spec, f"responses of {where}")
        return [
            self._response(
                str(status), _mapping(response, f"response {status} of {where}"), f"{where} {status}"
            )
            for status, response in responses.items()
            if not str(status).startswith("x-")
        ]

    def _response(self, status: str, response: dict[str, Any], where: str) -> ResponseSpec:
        content = _mapping(response.get("content"), f"content of {where}")
        media_type = _preferred_media_type(content)
        media = _mapping(content[media_type], f"{media_type} of {where}") if media_type else {}
        is_json = media_type is not None and _is_json_like(media_type)
        headers = _mapping(response.get("headers"), f"headers of {where}")
        links = _mapping(response.get("links"), f"links of {where}")
        return ResponseSpec(
            status=status,
            description=_text(response.get("description")),
            content_type=media_type,
            schema=self._responses.normalize(media["schema"]) if is_json and "schema" in media else None,
            example=_example(media) if is_json else None,
            # OpenAPI says a response header named Content-Type SHALL be ignored.
            headers=[name for name in headers if name.lower() != "content-type"],
            links=[
                link
                for name, spec in links.items()
                if (link := self._link(name, _mapping(spec, f"link '{name}' of {where}"), where))
            ],
        )

    def _link(self, name: str, link: dict[str, Any], where: str) -> Link | None:
        """The link, if its target is an operation of this spec (real specs do name missing ones)."""
        target = self._link_target(link)
        if target is None:
            return None
        parameters = _mapping(link.get("parameters"), f"parameters of link '{name}' of {where}")
        return Link(
            name=name,
            operation_id=target,
            # Runtime expressions are strings; other constants are kept in their JSON spelling.
            parameters={
                key: value if isinstance(value, str) else json.dumps(value)
                for key, value in parameters.items()
            },
        )

    def _link_target(self, link: dict[str, Any]) -> str | None:
        """The id named by `operationId`, or of the operation a local `operationRef` points to."""
        if isinstance(link.get("operationId"), str):
            return link["operationId"] if link["operationId"] in self._ids else None
        location, _, fragment = _text(link.get("operationRef")).partition("#")
        tokens = [token.replace("~1", "/").replace("~0", "~") for token in unquote(fragment).split("/")[1:]]
        if location or len(tokens) != 3 or tokens[0] != "paths":
            return None
        return self._ids_by_route.get((tokens[1], tokens[2]))

    def _security(self, spec: dict[str, Any], where: str) -> list[dict[str, list[str]]]:
        """The operation's own requirements, else the spec's; an empty alternative (`{}`) makes it public."""
        requirements = _sequence(
            spec["security"] if "security" in spec else self._global_security, f"security of {where}"
        )
        if any(requirement == {} for requirement in requirements):
            return []
        return [
            {
                name: [_text(scope) for scope in _sequence(scopes, f"scopes of {name} in {where}")]
                for name, scopes in _mapping(requirement, f"a security requirement of {where}").items()
            }
            for requirement in requirements
        ]


def _preferred_media_type(content: dict[str, Any]) -> str | None:
    """application/json first, then any other JSON type (`+json`), then whatever is listed first."""
    media_types = list(content)
    return (
        next((t for t in media_types if _media_base(t) == "application/json"), None)
        or next((t for t in media_types if _media_base(t).endswith("+json")), None)
        or next(iter(media_types), None)
    )


def _media_base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _is_json_like(media_type: str) -> bool:
    """JSON, or a wildcard (code generators such as springdoc write `*/*` for JSON bodies)."""
    base = _media_base(media_type)
    return base == "application/json" or base.endswith("+json") or base in ("*/*", "application/*")


def _example(holder: dict[str, Any]) -> Any:
    """`example`, else the value of the first of `examples` (Example Objects)."""
    if "example" in holder:
        return holder["example"]
    examples = holder.get("examples")
    if isinstance(examples, dict):
        return next((ex["value"] for ex in examples.values() if isinstance(ex, dict) and "value" in ex), None)
    return None


# --- The model -------------------------------------------------------------------------------------------


def build_api_model(
    document: dict[str, Any],
    *,
    source: str,
    base_url: str,
    policy: TargetPolicy = EMBEDDED_POLICY,
    referenced: dict[str, Any] | None = None,
) -> ApiModel:
    """Resolve, merge and normalise an OpenAPI document into an `ApiModel` (base_url minus trailing slash).

    `referenced`: for a spec read from a URL, the documents of its relative refs (see `load_referenced`).
    """
    openapi_version = _check_version(document)
    resolver = _RefResolver(document, source, policy, referenced or {})
    components = _mapping(document.get("components"), "components")
    schemes = _security_schemes(
        _mapping(resolver.resolve(components.get("securitySchemes")), "securitySchemes")
    )
    raw_operations = _raw_operations(_mapping(resolver.resolve(document.get("paths")), "paths"))
    ids = _operation_ids(raw_operations)
    reader = _OperationReader(raw_operations, ids, document.get("security"))
    info = _mapping(document.get("info"), "info")
    return ApiModel(
        title=_text(info.get("title")),
        version=_text(info.get("version")),
        openapi_version=openapi_version,
        source=source,
        base_url=base_url.rstrip("/"),
        servers=_servers(document, source),
        operations=[
            reader.read(operation, op_id) for operation, op_id in zip(raw_operations, ids, strict=True)
        ],
        security_schemes=schemes,
        schemas=_component_schemas(components, resolver),
    )


def _component_schemas(components: dict[str, Any], resolver: _RefResolver) -> dict[str, JsonSchema]:
    # Resolved through a $ref so a recursive schema is cut at the same depth as where operations use it.
    normalizer = _SchemaNormalizer()
    names = _mapping(components.get("schemas"), "components.schemas")
    return {
        name: normalizer.normalize(resolver.resolve({"$ref": f"#/components/schemas/{_pointer_token(name)}"}))
        for name in names
    }


def _security_schemes(schemes: dict[str, Any]) -> list[SecurityScheme]:
    return [
        _security_scheme(name, _mapping(spec, f"security scheme '{name}'")) for name, spec in schemes.items()
    ]


def _security_scheme(name: str, spec: dict[str, Any]) -> SecurityScheme:
    kind = spec.get("type")
    if kind not in _SCHEME_TYPES:
        raise SpecError(
            f"security scheme '{name}' has unsupported type {kind!r} ({', '.join(_SCHEME_TYPES)})"
        )
    if kind == "http":
        return SecurityScheme(name=name, type=kind, scheme=_text(spec.get("scheme")).lower() or None)
    if kind == "apiKey":
        location, parameter_name = spec.get("in"), spec.get("name")
        if location not in ("header", "query", "cookie") or not isinstance(parameter_name, str):
            raise SpecError(
                f"apiKey security scheme '{name}' needs 'in' (header, query or cookie) and 'name'"
            )
        return SecurityScheme(name=name, type=kind, location=location, parameter_name=parameter_name)
    if kind == "oauth2":
        flows = _mapping(spec.get("flows"), f"flows of security scheme '{name}'")
        return SecurityScheme(
            name=name,
            type=kind,
            flows=[
                _oauth_flow(flow_kind, _mapping(flow, f"{flow_kind} flow of security scheme '{name}'"))
                for flow_kind, flow in flows.items()
                if flow_kind in _OAUTH_FLOWS
            ],
        )
    if kind == "openIdConnect":
        discovery = _text(spec.get("openIdConnectUrl")) or None
        return SecurityScheme(name=name, type=kind, openid_connect_url=discovery)
    return SecurityScheme(name=name, type=kind)


def _oauth_flow(kind: OAuthFlowKind, flow: dict[str, Any]) -> OAuthFlow:
    return OAuthFlow(
        kind=kind,
        token_url=_text(flow.get("tokenUrl")) or None,
        authorization_url=_text(flow.get("authorizationUrl")) or None,
        scopes=[_text(scope) for scope in _mapping(flow.get("scopes"), f"scopes of the {kind} flow")],
    )


def _servers(document: dict[str, Any], source: str) -> list[str]:
    """Server URLs, variables at their defaults; relative ones resolved against a spec URL."""
    servers = _sequence(document.get("servers"), "servers")
    if not servers and _is_http_url(source):
        servers = [{"url": "/"}]  # OpenAPI's default server
    urls = []
    for server in servers:
        server = _mapping(server, "a server")
        url = _text(server.get("url"))
        for name, variable in _mapping(server.get("variables"), f"variables of server {url}").items():
            url = url.replace(
                f"{{{name}}}", _text(_mapping(variable, f"server variable {name}").get("default"))
            )
        if _is_http_url(source):
            url = urljoin(source, url)
        urls.append(url.rstrip("/") or url)
    return urls


def _mapping(value: Any, where: str) -> dict[str, Any]:
    """`value` if it is a mapping; an absent (null) one reads as empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be a mapping, not {_kind(value)}")
    return value


def _sequence(value: Any, where: str) -> list[Any]:
    """`value` if it is a list; an absent (null) one reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpecError(f"{where} must be a list, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    """What a parsed value is, in JSON's words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- The live target -------------------------------------------------------------------------------------


async def probe_base_url(
    base_url: str, *, timeout_s: float = 5.0, policy: TargetPolicy = EMBEDDED_POLICY
) -> int:
    """GET the base URL once, redirects not followed; any HTTP status at all means the target answers."""
    _check_http_url(base_url)
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout_s, follow_redirects=False, transport=PinnedTransport(policy)
            ) as client,
            client.stream("GET", base_url) as response,  # the status is enough; the body is never read
        ):
            return response.status_code
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise TargetUnreachableError(
            f"base URL {base_url} does not answer: {_network_reason(exc, timeout_s)}"
        ) from exc


def _check_http_url(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetUnreachableError(f"base URL {url!r} is not a valid URL: {_one_line(str(exc))}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise TargetUnreachableError(
            f"base URL {url!r} is not an absolute http(s) URL (e.g. http://localhost:8000)"
        )


def _network_reason(error: Exception, timeout_s: float) -> str:
    """A few words on why a request failed: the root cause in the exception chain, when it is a known one."""
    if isinstance(error, httpx.TimeoutException):
        return f"no answer within {timeout_s:g} s"
    for cause in _causes(error):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {_one_line(cause.reason or str(cause))}"
    return _one_line(str(error)) or type(error).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


async def reconnoitre_api(
    source: str, base_url: str, *, timeout_s: float = 10.0, policy: TargetPolicy = EMBEDDED_POLICY
) -> ApiModel:
    """Read the spec, model it, and check that the API answers at `base_url` (else at the spec's server).

    Every URL reached (the spec, the documents it refers to, the base URL) is admitted by `policy`.
    """
    document = await load_document(source, timeout_s=timeout_s, policy=policy)
    referenced = await load_referenced(document, source, timeout_s=timeout_s, policy=policy)
    api = read_api_model(document, source=source, base_url=base_url, policy=policy, referenced=referenced)
    api = api.model_copy(update={"base_url": effective_base_url(api)})
    status = await probe_base_url(api.base_url, timeout_s=timeout_s, policy=policy)
    return api.model_copy(update={"probe_status": status})


def read_api_model(
    document: dict[str, Any],
    *,
    source: str,
    base_url: str,
    policy: TargetPolicy = EMBEDDED_POLICY,
    referenced: dict[str, Any] | None = None,
) -> ApiModel:
    """`build_api_model`, refusing a spec without a single operation: there would be nothing to test."""
    api = build_api_model(document, source=source, base_url=base_url, policy=policy, referenced=referenced)
    if not api.operations:
        raise SpecError(_NO_OPERATIONS)
    return api


def check_inline_document(document: dict[str, Any], base_url: str) -> str:
    """The service's quick look at an inline spec before queueing it (the worker reads it in full): every
    `$ref` internal, some operation to test, and a base URL; returns that base URL (else the spec's)."""
    _check_version(document)
    if ref := next((ref for ref in _refs(document) if not ref.startswith("#")), None):
        raise SpecError(f"refused $ref '{ref}': {_INTERNAL_REFS_ONLY}")
    paths = _mapping(document.get("paths"), "paths")
    # A path item may itself be a $ref (3.1): its operations are the worker's to find.
    if not any(
        isinstance(item, dict) and ("$ref" in item or any(method in item for method in HTTP_METHODS))
        for path, item in paths.items()
        if not path.startswith("x-")
    ):
        raise SpecError(_NO_OPERATIONS)
    server = next((url for url in _servers(document, "inline spec") if _is_http_url(url)), None)
    if not (base_url or server):
        raise InputError("no base_url given and the spec has no absolute server URL")
    return base_url or str(server)


def _refs(node: Any) -> Iterator[str]:
    """Every `$ref` string in `node`, wherever the resolver would meet it."""
    if isinstance(node, list):
        for item in node:
            yield from _refs(item)
    elif isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)


def effective_base_url(api: ApiModel) -> str:
    """The base URL given, else the spec's first absolute server URL."""
    if api.base_url:
        return api.base_url
    server = next((url for url in api.servers if _is_http_url(url)), None)
    if server is None:
        raise InputError("no --base-url given and the spec has no absolute server URL")
    return server
