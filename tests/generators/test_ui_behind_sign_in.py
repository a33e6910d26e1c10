"""Recon signs in with the credentials the requirements name, and the generator tests what the sign-in guards.

The pages are a small greenhouse app of this test's own, served from a temporary directory: a sign-in page
that remembers the gardener in localStorage and moves on, and a plants page that sends strangers back. A
buggy copy whose watering button says nothing is served too. Real Chromium and pytest throughout.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import pytest_asyncio

from generators.base import GeneratedSuite
from generators.ui import OfflineUiGenerator
from samples.loopback import serving_folder
from tests.generators.ui_suite_helpers import FAST_TIMEOUTS
from tools.browser import BrowserSession
from tools.page_recon import Credentials, reconnoitre_page
from tools.runner import TestRun, classify, run_suite, write_suite
from vocabulary.artefacts import Verdict, number_requirements
from vocabulary.page_model import PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")

SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Greenhouse</title></head>
<body><main>
  <h1>Greenhouse sign-in</h1>
  <form id="sign-in">
    <label>Gardener name <input name="gardener" autocomplete="username"></label>
    <label>Password <input name="password" type="password"></label>
    <button type="submit">Sign in</button>
  </form>
  <p role="alert" id="problem"></p>
</main>
<script>
  document.getElementById("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    if (form.gardener.value === "rosalind" && form.password.value === "compost-heap") {
      localStorage.setItem("gardener", form.gardener.value);
      location.href = "plants.html";
    } else {
      document.getElementById("problem").textContent = "Those details do not match";
    }
  });
</script></body></html>
"""

PLANTS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plants</title></head>
<body><main>
  <h1>Your plants</h1>
  <ul aria-label="Plants">
    <li>Fern</li>
    <li>Basil</li>
    <li>Orchid</li>
  </ul>
  <button type="button" id="water">Water everything</button>
  <p role="status" id="news"></p>
</main>
<script>
  if (!localStorage.getItem("gardener")) location.replace("index.html");
  document.getElementById("water").addEventListener("click", () => {
    document.getElementById("news").textContent = "Every plant has been watered";
  });
</script></body></html>
"""

ABOUT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>About</title></head>
<body><main><h1>About the greenhouse</h1><button type="button">Say hello</button></main></body></html>
"""

REQUIREMENTS = [
    'Logging in as rosalind / compost-heap shows "Your plants"',
    'Wrong credentials show "Those details do not match"',
    "The password field masks its input",
    'Clicking "Water everything" shows "Every plant has been watered"',
    "The plant list shows 3 items",
]
CREDENTIALS = Credentials("rosalind", "compost-heap")
SILENT_WATERING = (
    'document.getElementById("news").textContent = "Every plant has been watered";',
    'document.getElementById("news").textContent = "";',
)


def _site(directory: Path, plants: str = PLANTS_PAGE) -> Path:
    (directory / "index.html").write_text(SIGN_IN_PAGE, encoding="utf-8")
    (directory / "plants.html").write_text(plants, encoding="utf-8")
    (directory / "about.html").write_text(ABOUT_PAGE, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_folder(_site(tmp_path_factory.mktemp("greenhouse"))) as url:
        yield url


@pytest.fixture(scope="module")
def buggy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    correct, silent = SILENT_WATERING
    assert correct in PLANTS_PAGE
    with serving_folder(
        _site(tmp_path_factory.mktemp("greenhouse-buggy"), PLANTS_PAGE.replace(correct, silent))
    ) as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def models(site_url: str) -> dict[str, PageModel]:
    """The sign-in page reconnoitred with the requirements' credentials, without them, and a page without a
    sign-in form given credentials anyway."""
    async with BrowserSession() as session:
        recon = partial(reconnoitre_page, session, depth=0, explore_budget_s=20.0)
        return {
            "signed": await recon(f"{site_url}/index.html", credentials=CREDENTIALS),
            "anonymous": await recon(f"{site_url}/index.html"),
            "no_form": await recon(f"{site_url}/about.html", credentials=CREDENTIALS),
        }


@pytest.fixture(scope="module")
def suite(models: dict[str, PageModel]) -> GeneratedSuite:
    return OfflineUiGenerator().generate(models["signed"], number_requirements(REQUIREMENTS))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runs(
    suite: GeneratedSuite, site_url: str, buggy_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, TestRun]]:
    directory = tmp_path_factory.mktemp("behind-sign-in-suite")
    write_suite(directory, suite.tests, suite.support_files)
    return {
        name: await run_suite(directory, workers=1, env={**FAST_TIMEOUTS, "TESTOPS_BASE_URL": url})
        for name, url in (("correct", site_url), ("buggy", buggy_url))
    }


def _code(suite: GeneratedSuite, requirement_id: str) -> str:
    [test] = [t for t in suite.tests if t.requirement_ids == [requirement_id]]
    return test.code


def test_recon_signs_in_and_keeps_the_state_it_reached(models: dict[str, PageModel]) -> None:
    [reached] = models["signed"].reached
    assert [(s.action, s.value) for s in reached.steps] == [
        ("fill", "rosalind"),
        ("fill", "compost-heap"),
        ("submit", None),
    ]
    assert reached.page.final_url.endswith("/plants.html")
    assert "Every plant has been watered" not in reached.page.visible_texts
    assert [b.text for b in reached.page.buttons] == ["Water everything"]
    watered = [i for i in reached.page.interactions if i.target == 'button "Water everything"']
    assert watered and "Every plant has been watered" in watered[0].appeared_texts
    # the page as loaded is described as before: still the sign-in form, explored with made-up values
    assert models["signed"].sign_in_fields() is not None and models["signed"].interactions


def test_no_credentials_or_no_sign_in_form_reaches_nothing(models: dict[str, PageModel]) -> None:
    assert models["anonymous"].reached == [] and models["no_form"].reached == []


def test_claims_behind_the_sign_in_are_covered(suite: GeneratedSuite) -> None:
    assert all(c.covered for c in suite.coverage), [c.reason for c in suite.coverage]


def test_a_claim_in_the_reached_state_starts_with_recons_sign_in(suite: GeneratedSuite) -> None:
    code = _code(suite, "R4")
    opened = code.index('page.goto(f"{base_url}/index.html")')
    signed = code.index('.fill("rosalind")')
    assert (
        opened < signed < code.index('.fill("compost-heap")') < code.index("water_everything_button.click()")
    )
    assert 'with allure.step("Sign in as rosalind")' in code
    assert "plants.html" not in code  # reached by signing in, never opened directly


def test_a_requirement_that_signs_in_itself_signs_in_once(suite: GeneratedSuite) -> None:
    own = _code(suite, "R1")
    assert own.count('.fill("rosalind")') == 1
    counted = _code(suite, "R5")
    assert counted.count('.fill("rosalind")') == 1 and "to_have_count(3)" in counted


@module_loop
async def test_the_suite_passes_on_the_correct_site(runs: dict[str, dict[str, TestRun]]) -> None:
    results = runs["correct"]
    assert len(results) >= len(REQUIREMENTS)
    assert all(r.outcome == "passed" for r in results.values()), {
        i: r.message[:300] for i, r in results.items() if r.outcome != "passed"
    }


@module_loop
async def test_a_silent_watering_button_behind_the_sign_in_is_a_finding(
    runs: dict[str, dict[str, TestRun]], suite: GeneratedSuite
) -> None:
    verdicts = {test_id: classify(run) for test_id, run in runs["buggy"].items()}
    by_id = {c.requirement_id: c.test_ids[0] for c in suite.coverage if c.covered}
    assert verdicts[by_id["R4"]] is Verdict.FINDING, verdicts
    assert verdicts[by_id["R5"]] is Verdict.PASSED, verdicts
