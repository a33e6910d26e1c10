"""`--safe` for UI suites: on a site the user does not own, neither reconnaissance nor any test it writes
clicks, presses or submits a control named for removing data; what is left out is reported, with why.

The sample to-do page in real Chromium: its items have Delete buttons.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from generators.ui.offline import OfflineUiGenerator
from generators.ui.safe_mode import SafeUiGenerator, destructive_action
from samples.pages import requirements
from tests.generators import ui_suite_helpers
from tools.browser import BrowserSession
from tools.page_recon import reconnoitre_page
from vocabulary.artefacts import GeneratedTest, number_requirements
from vocabulary.page_model import PageModel

DELETING = "Deleting an item removes it from the list"


pages_url = ui_suite_helpers.pages_url
session = ui_suite_helpers.browser_session


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def safe_todo(session: BrowserSession, pages_url: str) -> PageModel:
    return await reconnoitre_page(session, f"{pages_url}/todo", depth=0, safe=True)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def todo(session: BrowserSession, pages_url: str) -> PageModel:
    return await reconnoitre_page(session, f"{pages_url}/todo", depth=0)


def test_safe_reconnaissance_tries_no_delete_button(todo: PageModel, safe_todo: PageModel) -> None:
    unsafe = todo

    def deletes(page: PageModel) -> list[str]:
        return [i.target for i in page.interactions if "Delete" in i.target]

    assert deletes(unsafe) and not deletes(safe_todo)
    assert any(note.startswith('safe mode: left click button "Delete" untried') for note in safe_todo.notes)
    assert len(safe_todo.interactions) >= len(unsafe.interactions) - len(deletes(unsafe))  # the rest is tried


def test_a_safe_suite_leaves_the_deleting_test_out_and_says_why(todo: PageModel) -> None:
    """Even from a page model that shows what Delete does (recon on a site one owns, or an LLM's test)."""
    wanted = number_requirements(list(requirements.TODO))
    unsafe = OfflineUiGenerator().generate(todo, wanted)
    safe = SafeUiGenerator(OfflineUiGenerator()).generate(todo, wanted)

    [deleting] = [c for c in unsafe.coverage if c.text == DELETING]
    assert deleting.covered and not unsafe.omitted_in_safe_mode
    assert set(safe.omitted_in_safe_mode) == set(deleting.test_ids)
    [reason] = safe.omitted_in_safe_mode.values()
    assert reason.startswith("safe mode: would click delete_button: 'Delete' may remove data")
    assert {t.test_id for t in safe.tests} == {t.test_id for t in unsafe.tests} - set(deleting.test_ids)
    [uncovered] = [c for c in safe.coverage if c.text == DELETING]
    assert not uncovered.covered and uncovered.reason == reason
    others = [c for c in unsafe.coverage if c.text != DELETING]
    assert [c for c in safe.coverage if c.text != DELETING] == others


def _test(code: str) -> GeneratedTest:
    return GeneratedTest(test_id="test_x.py::test_x", name="test_x", module="test_x.py", code=code,
                         test_type="ui", category="requirement")  # fmt: skip


@pytest.mark.parametrize(
    ("code", "destructive"),
    [
        ('def test_x(page):\n    page.get_by_role("button", name="Remove").click()\n', True),
        ('def test_x(page):\n    bin = page.get_by_label("Delete")\n    bin.dblclick()\n', True),
        ('def test_x(page):\n    page.get_by_role("button", name="Clear completed").click()\n', True),
        ('def test_x(page):\n    page.get_by_label("Items").press("Delete")\n', True),
        ('def test_x(page):\n    page.get_by_role("button", name="Empty the cart").tap()\n', True),
        ('def test_x(page):\n    page.get_by_role("button", name="Add").click()\n', False),
        # Looked at, not acted on: expecting a Delete button to show is safe.
        ('def test_x(page):\n    expect(page.get_by_role("button", name="Delete")).to_be_visible()\n', False),
        ('def test_x(page):\n    page.get_by_label("Search").fill("remove stains")\n', False),
    ],
)  # fmt: skip
def test_what_counts_as_destructive_is_read_from_the_code(code: str, destructive: bool) -> None:
    """The same reading holds tests the LLM wrote or repaired."""
    assert (destructive_action(_test(code)) is not None) is destructive
