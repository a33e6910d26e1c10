"""The deterministic offline API generator: spec and requirements in, pytest modules out, no LLM."""

from __future__ import annotations

import json
from importlib import resources

from generators.api.codegen import py_literal, render_scenario
from generators.api.planner import Planner, snake
from generators.api.requirements import Uncovered, plan_requirement
from generators.base import GeneratedSuite
from vocabulary.api_model import ApiModel
from vocabulary.artefacts import GeneratedTest, Requirement, RequirementCoverage, ValidationResult
from vocabulary.claims import Scenario

REQUIREMENTS_MODULE = "test_requirements.py"
# Request timeout (s) a repaired test gets after timing out with the suite default, then ×3 per repair.
_REPAIRED_TIMEOUT_S = 15.0
_STATIC_FILES = ("conftest.py", "support.py")
_PYTEST_INI = (
    "[pytest]\n"
    "# Self-contained: run `pytest` in this folder. Allure: add --alluredir=allure-results.\n"
    "addopts = -ra\n"
)


def module_for(scenario: Scenario) -> str:
    if scenario.category == "requirement":
        return REQUIREMENTS_MODULE
    return f"test_{snake(scenario.feature)}.py"


class OfflineApiGenerator:
    """Writes API tests from what reconnaissance found and what the requirements say."""

    def generate(self, api: ApiModel, requirements: list[Requirement]) -> GeneratedSuite:
        scenarios = Planner(api).plan()
        coverage: list[RequirementCoverage] = []
        for requirement in requirements:
            planned = plan_requirement(requirement, api)
            if isinstance(planned, Uncovered):
                coverage.append(RequirementCoverage.of(requirement, reason=planned.reason))
                continue
            scenarios += planned
            coverage.append(
                RequirementCoverage.of(
                    requirement,
                    test_ids=[f"{module_for(s)}::{s.name}" for s in _unique_names(planned, scenarios)],
                )
            )
        tests = [render_scenario(s, api, module=module_for(s)) for s in _unique_names(scenarios, scenarios)]
        return GeneratedSuite(tests=tests, support_files=support_files(api), coverage=coverage)

    def repair(
        self, test: GeneratedTest, result: ValidationResult, api: ApiModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """Timeouts get a longer request timeout; other breakage the next data variant of the same test."""
        timed_out = "timeout" in result.message.lower() or "timed out" in result.message.lower()
        timeout_s = (test.timeout_s or _REPAIRED_TIMEOUT_S / 3) * 3 if timed_out else test.timeout_s
        variant = test.variant if timed_out else test.variant + 1
        if test.category == "requirement":
            if not timed_out:
                return None  # a requirement test has one reading of its text; nothing else to try
            scenarios = self._requirement_scenarios(test, api, requirements)
        else:
            scenarios = self._spec_scenarios(test, api, variant)
        scenario = next((s for s in scenarios if s.name == test.name), None)
        if scenario is None:
            return None
        scenario = scenario.model_copy(update={"timeout_s": timeout_s})
        repaired = render_scenario(scenario, api, module=test.module)
        return repaired.model_copy(update={"variant": variant, "timeout_s": timeout_s})

    def _spec_scenarios(self, test: GeneratedTest, api: ApiModel, variant: int) -> list[Scenario]:
        planner = Planner(api)
        if test.category == "lifecycle" or variant == 0:
            return _unique_names(planner.plan(), [])
        operation = api.operation(test.operation_ids[-1]) if test.operation_ids else None
        return planner.for_operation(operation, variant) if operation else []

    def _requirement_scenarios(
        self, test: GeneratedTest, api: ApiModel, requirements: list[Requirement]
    ) -> list[Scenario]:
        wanted = set(test.requirement_ids)
        planned: list[Scenario] = []
        for requirement in requirements:
            if requirement.requirement_id in wanted:
                result = plan_requirement(requirement, api)
                planned += [] if isinstance(result, Uncovered) else result
        return planned


def _unique_names(scenarios: list[Scenario], all_scenarios: list[Scenario]) -> list[Scenario]:
    """Scenarios renamed so that each name is unique within its module (a _2, _3 suffix on repeats)."""
    seen: dict[tuple[str, str], int] = {}
    renamed: dict[int, Scenario] = {}
    for scenario in all_scenarios if all_scenarios else scenarios:
        key = (module_for(scenario), scenario.name)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            renamed[id(scenario)] = scenario.model_copy(update={"name": f"{scenario.name}_{seen[key]}"})
    return [renamed.get(id(s), s) for s in scenarios]


def support_files(api: ApiModel) -> dict[str, str]:
    """The suite's fixed files plus the ones that carry this API's settings and response schemas."""
    package = resources.files("generators.api.suite")
    files = {name: package.joinpath(name).read_text(encoding="utf-8") for name in _STATIC_FILES}
    schemes = [
        {
            k: v
            for k, v in {
                "type": s.type,
                "scheme": s.scheme,
                "in": s.location,
                "name": s.parameter_name,
            }.items()
            if v is not None
        }
        for s in api.security_schemes
    ]
    files["suite_settings.py"] = (
        f'"""Generated for {api.title} {api.version}. Override the base URL with TESTOPS_BASE_URL."""\n\n'
        f"BASE_URL = {py_literal(api.base_url)}\n"
        "# Security schemes of the API in spec order; credentials come from env vars (see conftest.py).\n"
        f"SECURITY_SCHEMES = {py_literal(schemes)}\n"
        f"SECURED = {any(op.security for op in api.operations)!r}\n"
    )
    schemas = {
        op.operation_id: {r.status: r.schema_ for r in op.responses if r.schema_ is not None}
        for op in api.operations
    }
    files["spec_schemas.json"] = json.dumps(schemas, indent=2, ensure_ascii=False) + "\n"
    files["pytest.ini"] = _PYTEST_INI
    return files
