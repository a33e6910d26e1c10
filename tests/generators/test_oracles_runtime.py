"""The suite's run-time oracles against real loopback services: paging walks, cleanup, and a whole suite."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from generators.api.offline import OfflineApiGenerator
from samples.loopback import Reply, serving
from samples.tasks_api import app as sample
from tools.openapi import build_api_model, load_document
from tools.runner import SUITE_PLUGINS, write_suite
from vocabulary.artefacts import GeneratedTest

SUITE_DIR = Path(__file__).resolve().parents[2] / "generators" / "api" / "suite"


@dataclass
class Greenhouse:
    """Seven sensors behind `GET /sensors?limit&offset`, with one paging bug switched on by name."""

    bug: str = ""
    sensors: list[dict[str, Any]] = field(default_factory=lambda: [{"serial": n} for n in range(1, 8)])
    deleted: list[str] = field(default_factory=list)
    # Another client adds a sensor at the head of the list just before this GET and removes it right after.
    passing_sensor_at_get: int = 0
    gets: int = 0

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        if method == "DELETE":
            self.deleted.append(path)
            return Reply(404 if path.endswith("/gone") else 204)
        self.gets += 1
        sensors = [{"serial": 0}, *self.sensors] if self.gets == self.passing_sensor_at_get else self.sensors
        params = {k: int(v[0]) for k, v in parse_qs(query).items()}
        limit, offset = params.get("limit", 3), params.get("offset", 0)
        if self.bug == "ignores_offset":
            offset = 0
        end = offset + limit + (1 if self.bug == "inclusive_end" else 0)
        total = len(sensors) + (1 if self.bug == "total_off" else 0)
        return Reply(200, {"sensors": sensors[offset:end], "total": total})


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """support.py as a generated suite holds it: next to a spec_schemas.json (empty: no schemas here)."""
    folder = tmp_path_factory.mktemp("suite")
    (folder / "support.py").write_text((SUITE_DIR / "support.py").read_text())
    (folder / "spec_schemas.json").write_text('{"operations": {}, "$defs": {}}')
    spec = importlib.util.spec_from_file_location("support_under_test", folder / "support.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def walk(support: ModuleType, service: Greenhouse) -> list[Any]:
    with serving(service) as url, httpx.Client(base_url=url) as client:
        first = client.get("/sensors", params={"limit": 3, "offset": 0})
        return support.walk_pages(
            client, first, "listSensors", items="/sensors", key="/serial", limit=3, offset_param="offset",
            total="/total",
        )  # fmt: skip


def test_a_correct_list_is_walked_to_its_end(support: ModuleType) -> None:
    assert [item["serial"] for item in walk(support, Greenhouse())] == list(range(1, 8))


@pytest.mark.parametrize(
    ("bug", "message"),
    [
        ("ignores_offset", "items are on two pages"),
        ("inclusive_end", "page 1 holds 4 items, above the limit 3"),
        ("total_off", "/total says 8 items, its pages hold 7"),
    ],
)
def test_paging_bugs_fail_the_walk(support: ModuleType, bug: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        walk(support, Greenhouse(bug=bug))


@pytest.mark.parametrize("get", [2, 3, 4, 6])
def test_an_item_another_client_adds_and_removes_mid_walk_is_no_finding(
    support: ModuleType, get: int
) -> None:
    # That GET sees the window shifted by one (the first page's answer is the test's own GET 1): on a later
    # page an item repeats, on a first page the total is one more than the pages hold.
    serials = [item["serial"] for item in walk(support, Greenhouse(passing_sensor_at_get=get))]
    assert serials == list(range(1, 8))


def test_item_checks_name_what_is_wrong(support: ModuleType) -> None:
    items = [{"kind": "fern", "no": 1}, {"kind": "cactus", "no": 2}]
    support.expect_listed(items, "", "/no", 2)
    support.expect_unlisted(items, "", "/no", 3)
    with pytest.raises(AssertionError, match="got \\['cactus'\\]"):
        support.expect_every(items, "", "/kind", "fern")
    with pytest.raises(AssertionError, match="R4: an item still has /no == 1"):
        support.expect_unlisted(items, "", "/no", 1, source="R4")
    with pytest.raises(AssertionError, match="expected /kind == 'orchid', got 'fern'"):
        support.expect_values(items[0], {"/kind": "orchid", "/no": 1})


def test_cleanup_deletes_newest_first_even_when_the_test_fails(support: ModuleType) -> None:
    service = Greenhouse()
    with serving(service) as url, httpx.Client(base_url=url) as client, pytest.raises(AssertionError):
        with support.cleanup_after() as cleanup:
            cleanup.delete(client, "/sensors/{serial}", {"serial": 1})
            cleanup.delete(client, "/sensors/{serial}/gone", {"serial": 2})
            raise AssertionError("the test failed")
    assert service.deleted == ["/sensors/2/gone", "/sensors/1"]


# -- the sample's spec-only suite against its variants ------------------------------------------------------


@pytest.fixture(scope="module")
def spec_only_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = __import__("asyncio").run(load_document(str(sample.SPEC_PATH)))
    api = build_api_model(document, source=str(sample.SPEC_PATH), base_url="http://127.0.0.1:8080")
    generated = OfflineApiGenerator().generate(api, [])
    folder = tmp_path_factory.mktemp("spec-only")
    write_suite(folder, generated.tests, generated.support_files)
    return folder


def run_against(folder: Path, variant: sample.Variant) -> subprocess.CompletedProcess[str]:
    plugins = [a for p in SUITE_PLUGINS if importlib.util.find_spec(p.split(".")[0]) for a in ("-p", p)]
    with sample.serve(variant) as url:
        env = {**os.environ, "TESTOPS_BASE_URL": url, "TESTOPS_API_TOKEN": sample.DEFAULT_TOKEN,
               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # fmt: skip
        env.pop("PYTEST_ADDOPTS", None)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugins],
            cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("variant", "caught_by"),
    [
        (sample.Variant.CORRECT, None),
        (sample.Variant.LIMIT_OFF_BY_ONE, "test_list_tasks_pages_are_consistent"),
        (sample.Variant.DELETE_UNKNOWN_500, "test_task_lifecycle"),
    ],
)
def test_spec_oracles_alone_pass_correct_services_and_catch_planted_bugs(
    spec_only_suite: Path, variant: sample.Variant, caught_by: str | None
) -> None:
    result = run_against(spec_only_suite, variant)
    if caught_by is None:
        assert result.returncode == 0, result.stdout[-3000:]
    else:
        assert result.returncode == 1 and caught_by in result.stdout, result.stdout[-3000:]
    assert "skipped_checks.json" in {p.name for p in spec_only_suite.iterdir()}


def test_the_walk_keeps_the_timeout_the_test_asked_for(support: ModuleType) -> None:
    seen: list[dict[str, Any]] = []
    with serving(Greenhouse()) as url, httpx.Client(base_url=url, timeout=0.5) as client:
        client.event_hooks["request"] = [lambda request: seen.append(request.extensions["timeout"])]
        first = client.get("/sensors", params={"limit": 3, "offset": 0}, timeout=9.0)
        support.walk_pages(client, first, "listSensors", items="/sensors", limit=3, offset_param="offset")
    assert len(seen) > 2 and {t["read"] for t in seen} == {9.0}


def test_many_helpers_import_on_wrapped_lines(tmp_path: Path) -> None:
    helpers = (
        "cleanup_after, expect_listed, expect_schema, expect_status, expect_values, value_at, walk_pages"
    )
    test = GeneratedTest(
        test_id="test_a.py::test_a", name="test_a", module="test_a.py", test_type="api", category="lifecycle",
        code="def test_a() -> None:\n    pass\n", imports=["import httpx", f"from support import {helpers}"],
    )  # fmt: skip
    write_suite(tmp_path, [test], {})
    checked = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select=I,E501", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
