"""The offline UI generator end to end: real sample pages, real Chromium, the generated suites run by pytest.

Each page is reconnoitred and generated once; the three suites share one directory (same origin, same
support files) and run once per variant round: correct, harmless, and the i-th buggy variant of every page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_asyncio

from generators.base import GeneratedSuite
from generators.ui import OfflineUiGenerator
from generators.ui.phrases import read
from samples.pages import BUGGY_VARIANTS, HARMLESS_VARIANTS, REQUIREMENTS, variant_info
from tests.generators import ui_suite_helpers
from tests.generators.ui_suite_helpers import FINDING_TIMEOUTS, Target, run_targets
from tools.browser import BrowserSession
from tools.page_recon import reconnoitre_page
from tools.runner import TestRun, classify, write_suite
from vocabulary.artefacts import GeneratedTest, Requirement, ValidationResult, Verdict, number_requirements
from vocabulary.page_model import PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")

PAGES = ("login", "todo", "search")
# Phrasings beyond the samples', so the recognizers are exercised rather than matched; R5 and R6 of each page.
EXTRA_REQUIREMENTS = {
    "login": ["Submitting wrong credentials shows an error message", "The page looks modern"],
    "todo": ["Adding two items shows 2 items", "The Add button is enabled"],
    "search": ['Typing "desk" into the search field shows 1 product', "The page looks modern"],
}
ROUNDS = max(len(v) for v in BUGGY_VARIANTS.values())
BUGGY = [(page, variant) for page in PAGES for variant in BUGGY_VARIANTS[page]]
HARMLESS = [(page, variant) for page in PAGES for variant in HARMLESS_VARIANTS[page]]


def requirements_of(page: str) -> list[Requirement]:
    return number_requirements([*REQUIREMENTS[page], *EXTRA_REQUIREMENTS[page]])


def results_of(suite: GeneratedSuite, runs: dict[str, TestRun]) -> dict[str, TestRun]:
    ids = {test.test_id for test in suite.tests}
    return {test_id: run for test_id, run in runs.items() if test_id in ids}


def describe(runs: dict[str, TestRun]) -> str:
    return "\n".join(f"{classify(r).value:8} {i}: {r.message[:300]}" for i, r in runs.items())


# --- fixtures: recon once, generate once, run every variant round once ------------------------------------


recon_url = ui_suite_helpers.pages_url
session = ui_suite_helpers.browser_session


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def models(session: BrowserSession, recon_url: str) -> dict[str, PageModel]:
    return {page: await reconnoitre_page(session, f"{recon_url}/{page}") for page in PAGES}


@pytest.fixture(scope="module")
def suites(models: dict[str, PageModel]) -> dict[str, object]:
    generator = OfflineUiGenerator()
    return {page: generator.generate(models[page], requirements_of(page)) for page in PAGES}


@pytest.fixture(scope="module")
def suite_dir(suites: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ui-suite")
    support = suites["login"].support_files
    assert all(suites[page].support_files == support for page in PAGES)  # one origin, one conftest
    write_suite(directory, [t for page in PAGES for t in suites[page].tests], support)
    return directory


@pytest.fixture(scope="module")
def broken(models: dict[str, PageModel], tmp_path_factory: pytest.TempPathFactory) -> tuple[PageModel, Path]:
    """The login page as if recon had read the Username field's accessible name wrong."""
    model = models["login"]
    username = next(i for i in model.inputs if i.label == "Username")
    wrong = username.locators[0].model_copy(update={"name": "User name"})
    fixed = username.model_copy(update={"locators": [wrong, *username.locators[1:]]})
    model = model.model_copy(update={"inputs": [fixed if i is username else i for i in model.inputs]})
    suite = OfflineUiGenerator().generate(model, requirements_of("login"))
    directory = tmp_path_factory.mktemp("ui-broken")
    write_suite(directory, suite.tests[:1], suite.support_files)
    return model, directory


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runs(
    suite_dir: Path, suites: dict, broken: tuple[PageModel, Path]
) -> dict[str, dict[str, TestRun]]:
    """Test runs by target: "correct", "harmless", "buggy-<i>" and "broken"."""
    # buggy rounds run only the tests of the sample requirements: the variants are planted against those
    sample_tests = [
        test_id
        for page in PAGES
        for coverage in suites[page].coverage
        if coverage.text in REQUIREMENTS[page]
        for test_id in coverage.test_ids
    ]
    targets = [
        Target("correct", suite_dir),
        Target("harmless", suite_dir, dict(HARMLESS)),
        *(
            Target(
                f"buggy-{i}",
                suite_dir,
                {page: BUGGY_VARIANTS[page][i] for page in PAGES if i < len(BUGGY_VARIANTS[page])},
                sample_tests,
                FINDING_TIMEOUTS,
            )
            for i in range(ROUNDS)
        ),
        Target("broken", broken[1]),
    ]
    return await run_targets(targets, concurrency=3)


# --- coverage and the generated code ------------------------------------------------------------------------


@pytest.mark.parametrize("sample", PAGES)
def test_every_sample_requirement_is_covered_and_a_subjective_one_is_not(sample: str, suites: dict) -> None:
    coverage = {c.text: c for c in suites[sample].coverage}
    for text in [*REQUIREMENTS[sample], *EXTRA_REQUIREMENTS[sample]]:
        if text != "The page looks modern":
            assert coverage[text].covered and len(coverage[text].test_ids) == 1, coverage[text]
    if sample != "todo":
        modern = coverage["The page looks modern"]
        assert not modern.covered and modern.test_ids == [] and "subjective" in modern.reason


def test_an_unmatched_requirement_is_uncovered_with_the_reason(models: dict[str, PageModel]) -> None:
    texts = ['Deleting "Desk Lamp" removes it', "The newsletter checkbox is checked"]
    requirements = number_requirements(texts)
    [delete, newsletter] = OfflineUiGenerator().generate(models["search"], requirements).coverage
    assert not delete.covered and "no click remove a list item" in delete.reason
    assert not newsletter.covered and 'nothing on the page matches "newsletter"' in newsletter.reason


def test_an_unreadable_condition_is_uncovered_not_dropped(models: dict[str, PageModel]) -> None:
    # Testing "is enabled" without the condition would fail on the correct page: a false finding.
    requirements = number_requirements(["The Log in button is enabled after the captcha is solved"])
    [coverage] = OfflineUiGenerator().generate(models["login"], requirements).coverage
    assert not coverage.covered and "the captcha is solved" in coverage.reason


def test_the_login_requirement_reads_as_a_qa_engineer_would_write_it(suites: dict) -> None:
    [test] = [t for t in suites["login"].tests if t.requirement_ids == ["R1"]]
    assert test.test_id == "test_sign_in.py::test_logging_in_as_demo_secret_shows_welcome_demo"
    expected = '''\
@allure.label("requirement", "R1")
@allure.feature("Sign in")
@allure.story('Logging in as demo / secret shows "Welcome, demo"')
@allure.title('Logging in as demo / secret shows "Welcome, demo"')
@allure.severity(allure.severity_level.CRITICAL)
def test_logging_in_as_demo_secret_shows_welcome_demo(page: Page, base_url: str) -> None:
    """R1: Logging in as demo / secret shows "Welcome, demo"."""
    username = page.get_by_role("textbox", name="Username")
    password = page.get_by_role("textbox", name="Password")
    log_in_button = page.get_by_role("button", name="Log in")
    with allure.step("Open the Sign in page"):
        page.goto(f"{base_url}/login")
    with allure.step('Log in as "demo"'):
        username.fill("demo")
        password.fill("secret")
        log_in_button.click()
    with allure.step('Check that "Welcome, demo" is shown'):
        expect(page.get_by_text("Welcome, demo")).to_be_visible()
'''
    assert test.code == expected


def test_each_page_is_one_module_named_after_its_feature(suites: dict) -> None:
    modules = {page: {t.module for t in suites[page].tests} for page in PAGES}
    assert modules == {
        "login": {"test_sign_in.py"},
        "todo": {"test_to_do_list.py"},
        "search": {"test_products.py"},
    }


def test_only_claims_check_every_item_and_are_not_vacuous(suites: dict) -> None:
    [lamp] = [t for t in suites["search"].tests if t.requirement_ids == ["R1"]]
    assert 'expect(products.filter(has_text="lamp")).not_to_have_count(0)' in lamp.code
    assert 'expect(products.filter(has_not_text="lamp")).to_have_count(0)' in lamp.code


def test_every_test_is_annotated_stepped_and_free_of_sleeps(suite_dir: Path, suites: dict) -> None:
    for page in PAGES:
        for test in suites[page].tests:
            for decorator in ("feature", "story", "title", "severity"):
                assert f"@allure.{decorator}(" in test.code, (test.name, decorator)
            body = test.code.split('"""')[2]
            steps = [line for line in body.splitlines() if line.startswith("    with ")]
            assert steps and all(s.startswith("    with allure.step(") for s in steps), test.name
            assert "expect(" in body or "assert " in body, test.name
    everything = "\n".join(p.read_text(encoding="utf-8") for p in sorted(suite_dir.iterdir()) if p.is_file())
    assert not re.search(r"\bsleep\(|wait_for_timeout|pytest_playwright", everything)
    conftest = (suite_dir / "conftest.py").read_text(encoding="utf-8")
    assert "/usr/bin/chromium-headless-shell" in conftest and '"/usr/bin/chromium"' in conftest


def test_generated_files_pass_ruff(suite_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", str(suite_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generation_is_deterministic(
    models: dict[str, PageModel], suites: dict, tmp_path: Path, suite_dir: Path
) -> None:
    for page in PAGES:
        # a model read back from JSON, as a checkpoint would hand it over
        again = PageModel.model_validate_json(models[page].model_dump_json())
        assert OfflineUiGenerator().generate(again, requirements_of(page)) == suites[page]
    write_suite(tmp_path, [t for page in PAGES for t in suites[page].tests], suites["login"].support_files)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        p.name: p.read_bytes() for p in suite_dir.iterdir() if p.is_file()
    }


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ('Logging in as demo / secret shows "Welcome, demo"', "Login(user='demo', password='secret'"),
        ("The Log in button stays disabled until both fields are filled", "Gate(state='disabled'"),
        ('The counter shows "3 items" after adding three items', "Add(texts=(), count=3"),
        ('Entering "desk" into the search field shows "Desk"', "Fill(value='desk', field_words='search')"),
        ("Deleting an item removes it from the list", "Delete(text='')"),
        ('Choosing the category "Books" shows only books', "Only(noun='books', word='')"),
        ('Typing "x" into the username field and submitting the form shows an error', "Submit()"),
        ("The number of products is 8", "CountIs(count=8, noun='products')"),
        ('Clicking "Details" changes the URL', "UrlChanges()"),
        ('Hovering over the logo shows "Home"', 'unread=\'"Hovering over the logo" is not an action'),
        ("The page looks modern", "subjective quality"),
    ],
)
def test_requirements_are_read_as_actions_and_outcomes(requirement: str, expected: str) -> None:
    assert expected in repr(read(requirement))


# --- the suites against the sample pages ----------------------------------------------------------------


@module_loop
@pytest.mark.parametrize("sample", PAGES)
async def test_suite_passes_on_the_correct_page(
    sample: str, runs: dict[str, dict[str, TestRun]], suites: dict
) -> None:
    results = results_of(suites[sample], runs["correct"])
    assert len(results) >= 8
    assert all(r.outcome == "passed" for r in results.values()), describe(results)


@module_loop
@pytest.mark.parametrize(("sample", "variant"), HARMLESS)
async def test_suite_passes_on_a_harmless_variant(
    sample: str, variant: str, runs: dict[str, dict[str, TestRun]], suites: dict
) -> None:
    results = results_of(suites[sample], runs["harmless"])
    assert results and all(r.outcome == "passed" for r in results.values()), describe(results)


@module_loop
@pytest.mark.parametrize(("sample", "variant"), BUGGY)
async def test_a_buggy_variant_fails_the_tests_of_the_requirements_it_breaks_as_findings(
    sample: str, variant: str, runs: dict[str, dict[str, TestRun]], suites: dict
) -> None:
    results = results_of(suites[sample], runs[f"buggy-{BUGGY_VARIANTS[sample].index(variant)}"])
    verdicts = {test_id: classify(run) for test_id, run in results.items()}
    assert Verdict.FINDING in verdicts.values(), describe(results)
    assert Verdict.BROKEN not in verdicts.values(), describe(results)
    by_text = {c.text: c for c in suites[sample].coverage}
    for broken_requirement in variant_info(sample, variant).breaks:
        for test_id in by_text[broken_requirement].test_ids:
            assert verdicts[test_id] is Verdict.FINDING, describe(results)


@module_loop
async def test_a_wrong_locator_is_broken_and_repair_moves_to_the_next_candidate(
    runs: dict[str, dict[str, TestRun]], broken: tuple[PageModel, Path]
) -> None:
    model, directory = broken
    requirements = requirements_of("login")
    generator = OfflineUiGenerator()
    test = generator.generate(model, requirements).tests[0]
    [run] = runs["broken"].values()
    assert classify(run) is Verdict.BROKEN and 'name="User name"' in run.message, run.message
    result = ValidationResult(test_id=test.test_id, verdict=Verdict.BROKEN, message=run.message)

    repaired = generator.repair(test, result, model, requirements)
    assert repaired is not None and repaired.variant == 1 and repaired.test_id == test.test_id
    assert 'username = page.get_by_label("Username")' in repaired.code
    # only the locator that failed moves on
    assert 'password = page.get_by_role("textbox", name="Password")' in repaired.code
    write_suite(directory, [repaired], {})
    [rerun] = (await run_targets([Target("repaired", directory)]))["repaired"].values()
    assert rerun.outcome == "passed", rerun.message

    # and on, candidate by candidate, until there is none left
    failing_label = _failure('get_by_label("Username")')
    third = generator.repair(repaired, failing_label, model, requirements)
    assert third is not None and third.variant == 2 and 'username = page.locator("#username")' in third.code
    assert generator.repair(third, _failure('locator("#username")'), model, requirements) is None


def test_findings_are_not_repaired(models: dict[str, PageModel], suites: dict) -> None:
    test: GeneratedTest = suites["login"].tests[0]
    finding = ValidationResult(test_id=test.test_id, verdict=Verdict.FINDING, message="Locator expected …")
    assert OfflineUiGenerator().repair(test, finding, models["login"], requirements_of("login")) is None


def _failure(locator: str) -> ValidationResult:
    message = f"Locator.fill: Timeout 5000ms exceeded.\nCall log:\n  - waiting for {locator}"
    return ValidationResult(test_id="x", verdict=Verdict.BROKEN, message=message)
