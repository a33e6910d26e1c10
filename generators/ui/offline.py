"""The deterministic offline UI generator: a reconnoitred page and requirements in, pytest modules out."""

from __future__ import annotations

from importlib import resources
from string import Template

from generators.base import GeneratedSuite
from generators.ui.baseline import plan_baseline
from generators.ui.codegen import choices_in, render, spelled
from generators.ui.page_facts import PageFacts, snake
from generators.ui.requirements import Known, Reach, Uncovered, known_values, plan_requirement
from generators.ui.scenario import Scenario
from vocabulary.artefacts import GeneratedTest, Requirement, RequirementCoverage, ValidationResult, Verdict
from vocabulary.claims import Reading
from vocabulary.page_model import PageModel

_STATIC_FILES = ("conftest.py",)


def module_for(facts: PageFacts) -> str:
    """The page's one test module, named after its feature ("test_sign_in.py"), else after its path."""
    return f"test_{snake(facts.feature, 30) or facts.slug}.py"


class OfflineUiGenerator:
    """Writes UI tests from what reconnaissance found on a page and what the requirements say."""

    def generate(self, page: PageModel, requirements: list[Requirement]) -> GeneratedSuite:
        scenarios, coverage = self._plan(page, requirements)
        return GeneratedSuite(
            tests=[render(s) for s in scenarios], support_files=support_files(page), coverage=coverage
        )

    def repair(
        self, test: GeneratedTest, result: ValidationResult, page: PageModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """The next locator option for the element the failure names; None when there is no other."""
        if result.verdict is not Verdict.BROKEN:
            return None  # a FINDING is the page's fault and is kept as it is
        scenarios, _ = self._plan(page, requirements)
        scenario = next((s for s in scenarios if s.module == test.module and s.name == test.name), None)
        if scenario is None:
            return None
        choices = choices_in(scenario, test.code)
        # the most specific locator the message spells out: an item's button before the list holding it
        named = [
            (len(spelled(scenario, e, choices)), e)
            for e in scenario.elements
            if spelled(scenario, e, choices) in result.message
        ]
        if not named:
            return None
        failing = max(named, key=lambda n: n[0])[1]
        current = choices.get(failing.var, 0)
        if current + 1 >= len(failing.options):
            return None
        repaired = render(scenario, {**choices, failing.var: current + 1}, variant=test.variant + 1)
        return repaired

    def plan_reading(
        self, page: PageModel, requirement: Requirement, reading: Reading, requirements: list[Requirement]
    ) -> Scenario | Uncovered:
        """The scenario for a requirement read elsewhere (an LLM's answer), planned as the reader's are."""
        facts = PageFacts(page)
        reached = [(PageFacts(state.page), Reach(facts.path, state)) for state in page.reached]
        return _planned(requirement, facts, reached, known_values(requirements), module_for(facts), reading)

    def _plan(
        self, page: PageModel, requirements: list[Requirement]
    ) -> tuple[list[Scenario], list[RequirementCoverage]]:
        facts = PageFacts(page)
        known = known_values(requirements)
        module = module_for(facts)
        scenarios: list[Scenario] = []
        coverage: list[RequirementCoverage] = []
        reached = [(PageFacts(state.page), Reach(facts.path, state)) for state in page.reached]
        for requirement in requirements:
            planned = _planned(requirement, facts, reached, known, module)
            if isinstance(planned, Uncovered):
                coverage.append(RequirementCoverage.of(requirement, reason=planned.reason))
                continue
            planned.name = _unique(planned.name, [s.name for s in scenarios])
            scenarios.append(planned)
            coverage.append(
                RequirementCoverage.of(requirement, test_ids=[f"{planned.module}::{planned.name}"])
            )
        for baseline in plan_baseline(facts, module):
            # requirement tests keep their names, so coverage's test ids stay true
            baseline.name = _unique(baseline.name, [s.name for s in scenarios])
            scenarios.append(baseline)
        return scenarios, coverage


def _planned(
    requirement: Requirement,
    facts: PageFacts,
    reached: list[tuple[PageFacts, Reach]],
    known: Known,
    module: str,
    reading: Reading | None = None,
) -> Scenario | Uncovered:
    """The requirement planned on the page as loaded, else on the first reached state that grounds it."""
    planned = plan_requirement(requirement, facts, known, module=module, reading=reading)
    for state_facts, reach in reached:
        if not isinstance(planned, Uncovered):
            break
        again = plan_requirement(requirement, state_facts, known, module=module, reach=reach, reading=reading)
        if isinstance(again, Uncovered):
            # both reasons, when they differ: what the page as loaded lacks, and what the reached state lacks
            if again.reason != planned.reason:
                planned = Uncovered(f"{planned.reason}; after {reach.state.purpose.lower()}: {again.reason}")
        else:
            planned = again
    return planned


def _unique(name: str, taken: list[str]) -> str:
    """The name, or with _2, _3… when two requirements read alike."""
    candidate, counter = name, 2
    while candidate in taken:
        candidate, counter = f"{name}_{counter}", counter + 1
    return candidate


def support_files(page: PageModel) -> dict[str, str]:
    """The suite's conftest, and its pytest.ini naming the origin the page was found at."""
    package = resources.files("generators.ui.suite")
    files = {name: package.joinpath(name).read_text(encoding="utf-8") for name in _STATIC_FILES}
    ini = Template(package.joinpath("pytest.ini").read_text(encoding="utf-8"))
    files["pytest.ini"] = ini.substitute(base_url=PageFacts(page).origin)
    return files
