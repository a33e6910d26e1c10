"""The benchmark's own parts: the spec generator, the synthetic API that implements its specs, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from bench.schemathesis_compare import failed_checks
from bench.specs import define_api, openapi_document, write_spec
from bench.synthetic_api import DEFAULT_TOKEN, serve
from generators.api.data import valid_value
from tools.openapi import build_api_model
from vocabulary.api_model import ApiModel

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


def conforms(api: ApiModel, operation_id: str, response: httpx.Response) -> Any:
    """The response's status is documented for the operation and its body matches that status's schema."""
    operation = api.operation(operation_id)
    assert operation is not None
    documented = operation.response(str(response.status_code))
    assert documented is not None, f"{operation_id} answered undocumented {response.status_code}"
    if documented.schema_ is None:
        assert response.content == b""
        return None
    body = response.json()
    validator = Draft202012Validator(documented.schema_, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert not list(validator.iter_errors(body)), body
    return body


def test_specs_are_deterministic_and_sized() -> None:
    assert openapi_document(define_api(50)) == openapi_document(define_api(50))
    assert define_api(200).operation_count == 200
    # Growing the API never changes the resources it already had.
    assert define_api(50).resources == define_api(200).resources[:10]
    with pytest.raises(ValueError):
        define_api(12)


def test_synthetic_api_answers_as_its_spec_says(tmp_path: Path) -> None:
    definition = define_api(10)
    spec = write_spec(definition, tmp_path / "openapi.json")
    with serve(definition) as base_url, httpx.Client(base_url=base_url, timeout=5) as http:
        api = build_api_model(json.loads(spec.read_text()), source=str(spec), base_url=base_url)
        assert len(api.operations) == 10 and all(op.security for op in api.operations)
        resource = definition.resources[0]
        name = resource.schema_name
        create = api.operation(f"create{name}")
        assert create is not None and create.request_body is not None
        body = valid_value(create.request_body.schema_)

        created = conforms(api, f"create{name}", http.post(resource.collection_path, json=body, headers=AUTH))
        item = f"{resource.collection_path}/{created['id']}"
        assert conforms(api, f"get{name}", http.get(item, headers=AUTH)) == created
        listed = http.get(resource.collection_path, headers=AUTH)
        page = conforms(api, f"list{resource.plural.capitalize()}", listed)
        assert page["total"] == 1 and page["items"] == [created]
        title = resource.fields[0].name
        changed = conforms(api, f"update{name}", http.patch(item, json={title: "Renamed"}, headers=AUTH))
        assert changed[title] == "Renamed"

        assert http.get(item).status_code == 401
        assert http.get(item, headers={"Authorization": "Bearer wrong"}).status_code == 401
        collection = resource.collection_path
        missing = {key: value for key, value in body.items() if key != title}
        rejected = http.post(collection, json=missing, headers=AUTH)
        assert rejected.status_code == 422 and conforms(api, f"create{name}", rejected)
        assert http.post(collection, json={**body, title: 7}, headers=AUTH).status_code == 422
        assert http.get(collection, params={"limit": 0}, headers=AUTH).status_code == 422
        assert http.patch(item, json={}, headers=AUTH).status_code == 422

        assert conforms(api, f"delete{name}", http.delete(item, headers=AUTH)) is None
        gone = http.get(item, headers=AUTH)
        assert gone.status_code == 404 and conforms(api, f"get{name}", gone)
        assert http.get(f"{resource.collection_path}/abc", headers=AUTH).status_code == 404


def test_schemathesis_failures_are_read_from_its_summary() -> None:
    output = "...\nFailures:\n  ❌ ST103 Undocumented status code: 1\n  ❌ Server error: 2\n\nTest cases:\n"
    assert failed_checks(output) == ["ST103 Undocumented status code", "Server error"]
    assert failed_checks("no summary") == []


def test_quick_pipeline_benchmark_writes_its_json(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "pipeline", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert {p.name for p in tmp_path.iterdir()} == {"pipeline.json", "latest.json"}
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert set(latest) == {"meta", "pipeline"} and latest["meta"]["quick"] is True
    sizes = latest["pipeline"]["sizes"]
    assert [size["operations"] for size in sizes] == [10, 50]
    for size in sizes:
        assert {"wall_s", "node_s", "generation_validation_s", "tests_generated", "tests_per_s", "rss",
                "findings", "target_met"} <= set(size)
        assert size["status"] == "completed" and size["tests_generated"] > 0
        assert size["findings"] == 0 and size["broken"] == 0  # the synthetic service is correct
        assert set(size["node_s"]) >= {"reconnaissance", "generation", "validation", "persistence"}
    assert json.loads((tmp_path / "pipeline.json").read_text())["pipeline"] == latest["pipeline"]
