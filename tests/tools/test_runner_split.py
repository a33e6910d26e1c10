"""Splitting modules: the tests of one module spread over the validation workers, each still confirmed at
once in its own process."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.tools import visit_counter
from tests.tools.visit_counter import Visits
from tools.runner import run_suite, write_suite
from vocabulary.artefacts import GeneratedTest

MODULE = "test_page.py"

visits = visit_counter.visits


def _test(name: str, body: str = "") -> GeneratedTest:
    code = f'def {name}() -> None:\n    httpx.get(f"{{URL}}/?{name}={{os.getpid()}}")\n'
    return GeneratedTest(
        test_id=f"{MODULE}::{name}",
        name=name,
        module=MODULE,
        code=code + textwrap.indent(body, "    "),
        test_type="ui",
        category="happy_path",
        imports=["import os", "import httpx", "from conftest import URL"],
    )


def _suite(directory: Path, url: str, tests: list[GeneratedTest]) -> list[str]:
    write_suite(directory, tests, {"conftest.py": f"URL = {url!r}\n", "pytest.ini": "[pytest]\n"})
    return [test.test_id for test in tests]


async def test_one_module_is_spread_over_the_workers_and_confirmed_where_it_ran(
    tmp_path: Path, visits: tuple[Visits, str]
) -> None:
    target, url = visits
    names = ["test_a", "test_b", "test_c", "test_d", "test_e"]
    test_ids = _suite(tmp_path, url, [_test(name) for name in names])

    runs = await run_suite(tmp_path, test_ids=test_ids, workers=2, confirm_passes=True, split_modules=True)

    assert list(runs) == test_ids
    assert all(run.outcome == "passed" and run.confirmation is not None for run in runs.values())
    assert all(len(target.pids[name]) == 2 and len(set(target.pids[name])) == 1 for name in names)
    first = {name: target.pids[name][0] for name in names}
    assert len(set(first.values())) == 2  # two processes, dealt in turn
    assert first["test_a"] == first["test_c"] == first["test_e"] != first["test_b"] == first["test_d"]


async def test_without_splitting_a_module_stays_in_one_process(
    tmp_path: Path, visits: tuple[Visits, str]
) -> None:
    target, url = visits
    test_ids = _suite(tmp_path, url, [_test("test_a"), _test("test_b")])

    runs = await run_suite(tmp_path, test_ids=test_ids, workers=2)

    assert [run.outcome for run in runs.values()] == ["passed", "passed"]
    assert target.pids["test_a"] == target.pids["test_b"]


async def test_a_module_that_cannot_be_collected_reports_every_test_from_every_process(
    tmp_path: Path, visits: tuple[Visits, str]
) -> None:
    _, url = visits
    test_ids = _suite(tmp_path, url, [_test("test_a"), _test("test_b", "if True\n")])

    runs = await run_suite(tmp_path, test_ids=test_ids, workers=2, split_modules=True)

    assert list(runs) == test_ids
    for run in runs.values():
        assert run.outcome == "error"
        assert "cannot be collected" in run.message and "SyntaxError" in run.message
