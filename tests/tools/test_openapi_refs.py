"""`$ref`s stay inside the document: a file spec's refs under its own folder, a URL spec's on its own origin,
an inline spec's inside itself; bounded sizes, refused alias bombs, a spec without operations refused.

Specs are written to a temporary folder per test; URLs are served from that folder on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tools.errors import SpecError
from tools.openapi import (
    MAX_SPEC_BYTES,
    MAX_YAML_VALUES,
    build_api_model,
    load_document,
    read_api_model,
    reconnoitre_api,
)
from tools.target_policy import TargetPolicy

SECRET = "the-secret-content-42"
SERVICE_POLICY = TargetPolicy.service(["127.0.0.1"])
INLINE_ONLY = "a spec given inline or uploaded may only refer inside itself (#/...)"


def _spec(schema: dict[str, Any]) -> dict[str, Any]:
    """A one-operation spec whose 200 response has `schema`."""
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {"/pets": {"get": {"operationId": "listPets", "responses": {"200": response}}}},
    }


def _response_schema(api: Any) -> dict[str, Any]:
    return api.operation("listPets").responses[0].schema_


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The spec's folder, inside a parent holding a secret file the spec must never read."""
    (tmp_path / "secret.yaml").write_text(f"Secret:\n  type: string\n  description: {SECRET}\n")
    spec_folder = tmp_path / "spec"
    spec_folder.mkdir()
    return spec_folder


def _refused(folder: Path, ref: str, policy: TargetPolicy | None = None) -> str:
    source = folder / "spec.json"
    source.write_text(json.dumps(_spec({"$ref": ref})))
    options = {"policy": policy} if policy else {}
    with pytest.raises(SpecError) as caught:
        build_api_model(json.loads(source.read_text()), source=str(source), base_url="", **options)
    message = str(caught.value)
    assert ref in message and SECRET not in message and "\n" not in message
    return message


# --- A spec read from a file -----------------------------------------------------------------------------


def test_absolute_path_ref_is_refused(folder: Path) -> None:
    ref = f"{folder.parent / 'secret.yaml'}#/Secret"

    assert _refused(folder, ref) == f"refused $ref '{ref}': it points outside the spec's folder"


def test_parent_folder_ref_is_refused(folder: Path) -> None:
    assert _refused(folder, "../secret.yaml#/Secret") == (
        "refused $ref '../secret.yaml#/Secret': it points outside the spec's folder"
    )


def test_symlink_out_of_the_folder_is_refused(folder: Path) -> None:
    (folder / "inside.yaml").symlink_to(folder.parent / "secret.yaml")

    assert "points outside the spec's folder" in _refused(folder, "inside.yaml#/Secret")


@pytest.mark.parametrize("scheme_ref", ["file://{secret}#/Secret", "file:{secret}#/Secret"])
def test_file_url_ref_is_refused(folder: Path, scheme_ref: str) -> None:
    ref = scheme_ref.format(secret=folder.parent / "secret.yaml")

    assert _refused(folder, ref) == (
        f"unsupported $ref '{ref}': only local and relative-file references are followed"
    )


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/secret.yaml#/Secret", "//127.0.0.1:9/secret.yaml"])
def test_http_ref_is_refused(folder: Path, ref: str) -> None:
    assert _refused(folder, ref) == (
        f"unsupported $ref '{ref}': only local and relative-file references are followed"
    )


def test_refs_inside_the_folder_are_followed_from_sub_folders(folder: Path) -> None:
    (folder / "schemas").mkdir()
    (folder / "schemas" / "pet.yaml").write_text("Pet:\n  $ref: '../common.yaml#/Named'\n")
    (folder / "common.yaml").write_text("Named:\n  type: object\n  required: [name]\n")
    source = folder / "spec.json"
    source.write_text(json.dumps(_spec({"$ref": "schemas/pet.yaml#/Pet"})))

    api = build_api_model(json.loads(source.read_text()), source=str(source), base_url="")

    assert _response_schema(api)["required"] == ["name"]


def test_service_policy_refuses_every_file_ref(folder: Path) -> None:
    (folder / "common.yaml").write_text("Named:\n  type: object\n")

    message = _refused(folder, "common.yaml#/Named", SERVICE_POLICY)

    assert message == "refused $ref 'common.yaml#/Named': " + INLINE_ONLY


def test_inline_spec_resolves_its_internal_refs_under_the_service_policy() -> None:
    document = _spec({"$ref": "#/components/schemas/Pet"})
    document["components"] = {"schemas": {"Pet": {"type": "object", "required": ["id"]}}}

    api = read_api_model(document, source="inline spec", base_url="", policy=SERVICE_POLICY)

    assert _response_schema(api)["required"] == ["id"]


# --- A spec read from a URL ------------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def served(folder: Path) -> Iterator[str]:
    """The spec's folder's parent served on 127.0.0.1: `/spec/...` is the spec's folder."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder.parent)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_url_spec_follows_relative_refs_on_its_origin(folder: Path, served: str) -> None:
    (folder / "common.yaml").write_text("Named:\n  $ref: 'more/named.yaml'\n")
    (folder / "more").mkdir()
    (folder / "more" / "named.yaml").write_text(
        "type: object\nrequired: [name]\n"
        "properties: {name: {$ref: '../spec.json#/components/schemas/Name'}}\n"
    )
    document = _spec({"$ref": "common.yaml#/Named"})
    document["components"] = {"schemas": {"Name": {"type": "string", "minLength": 1}}}
    (folder / "spec.json").write_text(json.dumps(document))

    api = await reconnoitre_api(f"{served}/spec/spec.json", served, timeout_s=2, policy=SERVICE_POLICY)

    schema = _response_schema(api)
    assert schema["required"] == ["name"]
    assert schema["properties"]["name"] == {"type": "string", "minLength": 1}  # back into the spec itself


async def test_url_spec_refused_a_ref_to_another_origin(folder: Path, served: str) -> None:
    ref = "http://127.0.0.2:9/common.yaml#/Named"
    (folder / "spec.json").write_text(json.dumps(_spec({"$ref": ref})))

    with pytest.raises(SpecError) as caught:
        await reconnoitre_api(f"{served}/spec/spec.json", served, timeout_s=2, policy=SERVICE_POLICY)

    assert (
        str(caught.value) == f"unsupported $ref '{ref}': only local and relative-file references are followed"
    )


# --- Sizes, aliases and emptiness ------------------------------------------------------------------------


async def test_a_file_larger_than_the_bound_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as sink:
        sink.truncate(MAX_SPEC_BYTES + 1)  # sparse: the size is all there is

    with pytest.raises(SpecError) as caught:
        await load_document(str(huge))

    assert str(caught.value) == f"spec is larger than 20 MB: {huge}"


async def test_a_response_larger_than_the_bound_is_cut(folder: Path, served: str) -> None:
    (folder / "big.json").write_bytes(b" " * (MAX_SPEC_BYTES + 1))

    with pytest.raises(SpecError) as caught:
        await load_document(f"{served}/spec/big.json", policy=SERVICE_POLICY)

    assert str(caught.value) == f"spec {served}/spec/big.json is larger than 20 MB"


async def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = [
        "openapi: 3.0.3",
        "info: {title: T, version: '1'}",
        "paths: {}",
        "x-bomb:",
        "  l0: &l0 [a, a, a, a, a, a, a, a, a, a]",
    ]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 8)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")

    with pytest.raises(SpecError) as caught:
        await load_document(str(bomb))

    assert str(caught.value) == f"spec is refused: its YAML aliases expand it past {MAX_YAML_VALUES:,} values"


async def test_a_yaml_alias_inside_itself_is_refused(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.write_text("openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: &p {x-self: *p}\n")

    with pytest.raises(SpecError) as caught:
        await load_document(str(loop))

    assert str(caught.value) == "spec is refused: a YAML alias refers to a value that contains it"


async def test_a_few_yaml_aliases_are_fine(tmp_path: Path) -> None:
    spec = tmp_path / "aliases.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n"
        "  /a: {get: &op {responses: {'200': {description: ok}}}}\n  /b: {get: *op}\n"
    )

    api = read_api_model(await load_document(str(spec)), source=str(spec), base_url="")

    assert [operation.path for operation in api.operations] == ["/a", "/b"]


@pytest.mark.parametrize(
    "paths", [{}, {"x-note": {}}, {"/a": {"parameters": []}}], ids=["empty", "extensions", "no-methods"]
)
def test_a_spec_without_operations_is_one_clear_error(paths: dict[str, Any]) -> None:
    document = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths}

    with pytest.raises(SpecError) as caught:
        read_api_model(document, source="inline spec", base_url="")

    assert str(caught.value).startswith("spec has no operations: its paths name no get, put, post")
