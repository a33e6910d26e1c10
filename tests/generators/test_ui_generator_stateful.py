"""The offline UI generator on stateful pages, grounded in what recon saw happen; real Chromium and pytest.

The pages are the recon test pages (tests/tools/pages/): a TodoMVC-like list that adds on Enter, deletes on
hover and counts what is left, and a reading list whose button adds. A buggy copy of the list is served too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from generators.base import GeneratedSuite
from generators.ui import OfflineUiGenerator
from generators.ui.phrases import read
from samples.loopback import serving_folder
from tests.generators.ui_suite_helpers import FAST_TIMEOUTS
from tools.browser import BrowserSession
from tools.page_recon import reconnoitre_page
from tools.runner import TestRun, classify, run_suite, write_suite
from vocabulary.artefacts import Verdict, number_requirements
from vocabulary.page_model import PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")
PAGES = Path(__file__).parents[1] / "tools" / "pages"
CHORES = [
    'Adding "Feed the cat" shows it in the list',
    "Deleting a chore removes it from the list",
    'Completing a chore shows "0 items left"',
    "Adding three entries shows 3 entries",
    "Deleting a chore removes the chore from the board",
    'Renaming a chore to "Sweep the porch" shows "Sweep the porch"',
]
BOOKS = ['Adding "Dune" shows it', "Adding two entries shows 2 entries"]
# the buggy copy: the delete control does nothing, the counter counts done chores as left, an edit is lost
BUGS = {
    "if (title) chore.title = title;": "if (title) chore.title = chore.title;",
    'remove.addEventListener("click", () => { chores = chores.filter((c) => c !== chore); changed(); });': "",
    "const open = chores.filter((c) => !c.done).length;": "const open = chores.length;",
}


@pytest.fixture(scope="module")
def pages_url() -> Iterator[str]:
    with serving_folder(PAGES) as url:
        yield url


@pytest.fixture(scope="module")
def buggy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    source = (PAGES / "chores.html").read_text(encoding="utf-8")
    for correct, wrong in BUGS.items():
        assert correct in source
        source = source.replace(correct, wrong)
    directory = tmp_path_factory.mktemp("buggy-pages")
    (directory / "chores.html").write_text(source, encoding="utf-8")
    with serving_folder(directory) as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def models(pages_url: str) -> dict[str, PageModel]:
    async with BrowserSession() as session:
        return {
            name: await reconnoitre_page(session, f"{pages_url}/{name}.html", depth=0, explore_budget_s=60.0)
            for name in ("chores", "reading")
        }


@pytest.fixture(scope="module")
def suites(models: dict[str, PageModel]) -> dict[str, GeneratedSuite]:
    generator = OfflineUiGenerator()
    return {
        "chores": generator.generate(models["chores"], number_requirements(CHORES)),
        "reading": generator.generate(models["reading"], number_requirements(BOOKS)),
    }


@pytest.fixture(scope="module")
def suite_dir(suites: dict[str, GeneratedSuite], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("stateful-suite")
    write_suite(directory, [t for s in suites.values() for t in s.tests], suites["chores"].support_files)
    return directory


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runs(
    suite_dir: Path, suites: dict[str, GeneratedSuite], pages_url: str, buggy_url: str
) -> dict[str, dict[str, TestRun]]:
    """Every test on the correct pages; the chores tests on the buggy copy, which is served alone."""
    chores = [t.test_id for t in suites["chores"].tests]
    return {
        name: await run_suite(
            suite_dir, test_ids=ids, workers=1, env={**FAST_TIMEOUTS, "TESTOPS_BASE_URL": url}
        )
        for name, url, ids in (("correct", pages_url, None), ("buggy", buggy_url, chores))
    }


def _code(suite: GeneratedSuite, requirement_id: str) -> str:
    [test] = [t for t in suite.tests if t.requirement_ids == [requirement_id]]
    return test.code


def test_each_page_is_one_module_named_after_it(suites: dict[str, GeneratedSuite]) -> None:
    assert {t.module for t in suites["chores"].tests} == {"test_chores.py"}
    assert {t.module for t in suites["reading"].tests} == {"test_reading_list.py"}


def test_entries_are_sent_the_way_recon_saw_them_add(suites: dict[str, GeneratedSuite]) -> None:
    chores, reading = suites["chores"], suites["reading"]
    assert [c.covered for c in chores.coverage] == [True, True, True, True, False, True], chores.coverage
    assert all(c.covered for c in reading.coverage), reading.coverage
    added = _code(chores, "R1")
    assert 'what_must_be_done.fill("Feed the cat")\n        what_must_be_done.press("Enter")' in added
    book = _code(reading, "R1")
    assert 'book_title.fill("Dune")\n        add_book_button.click()' in book and "press(" not in book


def test_a_nameless_delete_shown_on_hover_is_hovered_then_clicked(suites: dict[str, GeneratedSuite]) -> None:
    code = _code(suites["chores"], "R2")
    hover = code.index('items.filter(has_text="Pay the rent").hover()')
    assert hover < code.index("delete_button.click()")
    assert 'delete_button = items.filter(has_text="Pay the rent").get_by_role("button")\n' in code
    assert 'expect(items.filter(has_text="Pay the rent")).to_have_count(0)' in code


def test_completing_checks_the_item_checkbox_recon_saw_change_the_count(
    suites: dict[str, GeneratedSuite],
) -> None:
    code = _code(suites["chores"], "R3")
    assert code.count(".fill(") == 1  # one new chore, so "0 items left" counts only what the test made
    assert 'done_checkbox = items.filter(has_text="Pay the rent").get_by_role("checkbox")' in code
    assert "done_checkbox.check()" in code


def test_an_edit_double_clicks_the_item_and_saves_with_the_key_recon_saw(
    suites: dict[str, GeneratedSuite],
) -> None:
    code = _code(suites["chores"], "R6")
    assert 'item_text = items.filter(has_text="Pay the rent").get_by_text("Pay the rent", exact=True)' in code
    assert 'edit_field = items.filter(has_text="Pay the rent").get_by_role("textbox")' in code
    steps = ("item_text.dblclick()", 'edit_field.fill("Sweep the porch")', 'edit_field.press("Enter")')
    assert "\n        ".join(steps) in code


def test_an_unread_outcome_names_the_words_not_understood(suites: dict[str, GeneratedSuite]) -> None:
    reason = suites["chores"].coverage[4].reason
    assert not suites["chores"].coverage[4].covered
    assert '"removes the chore from the board"' in reason and '"removes it"' in reason
    assert "opens" not in reason  # the forms of the verb found, not every verb the reader knows


@pytest.mark.parametrize(
    ("requirement", "named"),
    [
        ("Renaming a chore shows the new title", '"Renaming a chore"'),
        ('Archiving "Rake leaves" shows it', '"Archiving Rake leaves" is not an action'),
        ("The board becomes tidy", '"becomes tidy"'),
        ("Ticking off a chore -> the chore gets struck through", '"the chore gets struck through"'),
        ("A finished chore should end up greyed out", '"end up greyed out"'),
        ("The footer looks calm", "no words in it say what a user should see"),
    ],
)
def test_reasons_quote_the_part_that_was_not_understood(requirement: str, named: str) -> None:
    assert named in read(requirement).unread


@module_loop
async def test_the_suites_pass_on_the_correct_pages(runs: dict[str, dict[str, TestRun]]) -> None:
    results = runs["correct"]
    assert len(results) >= 8
    assert all(r.outcome == "passed" for r in results.values()), {
        i: r.message[:300] for i, r in results.items()
    }


@module_loop
async def test_a_broken_delete_and_counter_are_findings(
    runs: dict[str, dict[str, TestRun]], suites: dict[str, GeneratedSuite]
) -> None:
    verdicts = {test_id: classify(run) for test_id, run in runs["buggy"].items()}
    by_id = {c.requirement_id: c.test_ids[0] for c in suites["chores"].coverage if c.covered}
    for broken in ("R2", "R3", "R6"):
        assert verdicts[by_id[broken]] is Verdict.FINDING, (broken, verdicts)
    assert verdicts[by_id["R1"]] is Verdict.PASSED and verdicts[by_id["R4"]] is Verdict.PASSED, verdicts
    assert Verdict.BROKEN not in verdicts.values(), verdicts
