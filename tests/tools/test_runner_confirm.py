"""Confirming passes: each passing test runs again at once, in the same contained pytest process."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.tools import visit_counter
from tests.tools.visit_counter import Visits
from tools.runner import run_suite, validate_suite, write_suite
from vocabulary.artefacts import GeneratedTest, Verdict

visits = visit_counter.visits


def _test(name: str, body: str, *, params: str = "", decorator: str = "") -> GeneratedTest:
    visit = f'visit = httpx.get(f"{{URL}}/?{name}={{os.getpid()}}").json()["visit"]'
    code = f"{decorator}def {name}({params}) -> None:\n" + textwrap.indent(f"{visit}\n{body}\n", "    ")
    return GeneratedTest(
        test_id=f"test_confirm.py::{name}",
        name=name,
        module="test_confirm.py",
        code=code,
        test_type="api",
        category="happy_path",
        imports=["import os", "import httpx", "import pytest", "from conftest import URL"],
    )


def _suite(directory: Path, url: str, tests: list[GeneratedTest]) -> None:
    write_suite(directory, tests, {"conftest.py": f"URL = {url!r}\n", "pytest.ini": "[pytest]\n"})


async def test_a_pass_is_confirmed_in_the_same_process_and_a_second_failure_is_flaky(
    tmp_path: Path, visits: tuple[Visits, str]
) -> None:
    target, url = visits
    tests = [
        _test("test_steady", "assert visit >= 1"),
        _test("test_once", 'assert visit == 1, "only the first visit is welcome"'),
        _test("test_finding", 'assert visit == 0, "the target disagrees"'),
        _test(
            "test_cases", "assert case", params="case", decorator='@pytest.mark.parametrize("case", [1, 2])\n'
        ),
    ]
    _suite(tmp_path, url, tests)
    results = await validate_suite(tmp_path, tests, confirm_passes=True, confirm_reruns=1, workers=1)
    verdicts = {result.test_id.split("::")[1]: result for result in results}
    assert verdicts["test_steady"].verdict is Verdict.PASSED
    assert verdicts["test_cases"].verdict is Verdict.PASSED
    assert verdicts["test_once"].verdict is Verdict.FLAKY
    assert "failed on its second run: only the first visit is welcome" in verdicts["test_once"].message
    assert verdicts["test_finding"].verdict is Verdict.FINDING
    # Passes confirmed at once, in the process of the first run; the finding rerun in a process of its own.
    assert len(set(target.pids["test_steady"])) == 1 and len(target.pids["test_steady"]) == 2
    assert len(target.pids["test_cases"]) == 4
    assert target.pids["test_once"][0] == target.pids["test_steady"][0]
    assert len(target.pids["test_finding"]) == 2
    assert target.pids["test_finding"][0] != target.pids["test_finding"][1]


async def test_without_confirmation_every_test_runs_once(tmp_path: Path, visits: tuple[Visits, str]) -> None:
    target, url = visits
    tests = [_test("test_steady", "assert visit >= 1"), _test("test_other", "assert visit >= 1")]
    _suite(tmp_path, url, tests)
    runs = await run_suite(tmp_path, test_ids=[t.test_id for t in tests], workers=1)
    assert [run.outcome for run in runs.values()] == ["passed", "passed"]
    assert all(run.confirmation is None for run in runs.values())
    assert {name: len(pids) for name, pids in target.pids.items()} == {"test_steady": 1, "test_other": 1}


async def test_only_a_passing_test_gets_a_confirmation_run(
    tmp_path: Path, visits: tuple[Visits, str]
) -> None:
    target, url = visits
    tests = [_test("test_broken", "assert undefined_name"), _test("test_fine", "assert visit")]
    _suite(tmp_path, url, tests)
    runs = await run_suite(tmp_path, test_ids=[t.test_id for t in tests], workers=1, confirm_passes=True)
    broken, fine = runs.values()
    assert (broken.outcome, broken.confirmation) == ("failed", None)
    assert fine.confirmation is not None and fine.confirmation.outcome == "passed"
    assert {name: len(pids) for name, pids in target.pids.items()} == {"test_broken": 1, "test_fine": 2}
