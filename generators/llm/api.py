"""Hybrid API generation: the offline reader first, the LLM for what it leaves uncovered or broken.

An uncovered requirement goes to the LLM with the operations it names and their schemas (never the whole
spec). The answer comes in the claim representation, and our codegen renders it; only a requirement the
representation cannot say gets code from the LLM, as plain text. A BROKEN test the offline repair cannot
fix goes back to the LLM with its code, its error and its earlier attempts (generators.llm.repair).
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, Field

from generators.api.codegen import render_scenario
from generators.api.offline import REQUIREMENTS_MODULE, OfflineApiGenerator, with_run_time_data
from generators.api.planner import Planner, feature_of, snake
from generators.base import GeneratedSuite
from generators.llm.client import LlmSession, LlmUnavailable
from generators.llm.hybrid import code_test, with_uncovered_filled
from generators.llm.prompts import CHOOSE_OPERATIONS, CLAIM, CODE, REPAIR
from generators.llm.repair import repaired_by_llm
from generators.llm.source import marked_as_llm_made
from vocabulary.api_model import ApiModel, Operation
from vocabulary.artefacts import (
    GeneratedTest,
    Requirement,
    ValidationResult,
    Verdict,
)
from vocabulary.claims import Ref, Scenario, Step

_MAX_OPERATIONS = 3
_NAME_CHARS = 60
_PATH_PARAM = re.compile(r"{([^}/]+)}")
# In safe mode every call a test makes must be checked first; only scenarios can be, not free code.
_SAFE_MODE_CODE = "safe mode: code written by the LLM is not admitted, since its calls cannot be checked"


class OperationChoice(BaseModel):
    """The operations (ids from the list, at most 3) a test of the requirement calls, in call order."""

    operation_ids: list[str] = Field(default_factory=list)


class ClaimReply(BaseModel):
    """The requirement as HTTP steps with expectations, or why steps and expectations cannot say it."""

    expressible: bool
    title: str = ""
    steps: list[Step] = Field(default_factory=list)
    reason: str = ""


def operation_index(api: ApiModel) -> str:
    """One line per operation (id, method, path, summary): what the LLM picks operations from."""
    return "\n".join(
        f"{o.operation_id}: {o.method.upper()} {o.path}: {o.summary or o.description[:80]}"
        for o in api.operations
    )


def spec_excerpt(api: ApiModel, operations: list[Operation]) -> str:
    """The operations, with the (resolved) schemas they use and their security schemes, as JSON."""
    schemes = {name for o in operations for alternative in o.security for name in alternative}
    excerpt = {
        "operations": [o.model_dump(mode="json", by_alias=True, exclude_defaults=True) for o in operations],
        "security_schemes": [
            s.model_dump(mode="json", exclude_defaults=True)
            for s in api.security_schemes
            if s.name in schemes
        ],
    }
    return json.dumps(excerpt, indent=1, ensure_ascii=False)


class HybridApiGenerator:
    """The offline API generator, with an LLM session for the requirements and repairs it cannot do."""

    def __init__(self, session: LlmSession, offline: OfflineApiGenerator | None = None) -> None:
        self.session = session
        self.offline = offline or OfflineApiGenerator()

    def generate(self, api: ApiModel, requirements: list[Requirement]) -> GeneratedSuite:
        return with_uncovered_filled(
            self.offline.generate(api, requirements), requirements, self.session,
            lambda requirement, reason, tests: self._covered(requirement, reason, api, tests),
        )

    def repair(
        self, test: GeneratedTest, result: ValidationResult, api: ApiModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """The offline repair first (for its own tests); then the LLM. A FINDING is never sent."""
        if result.verdict is not Verdict.BROKEN:
            return None
        if test.origin == "offline" and (repaired := self.offline.repair(test, result, api, requirements)):
            return repaired
        if self.offline.safe:
            self.session.fell_back(f"{test.test_id} (repair)", _SAFE_MODE_CODE)
            return None
        operations = [o for i in test.operation_ids if (o := api.operation(i))][:_MAX_OPERATIONS]
        return repaired_by_llm(self.session, REPAIR, test, result, excerpt=spec_excerpt(api, operations))

    def _covered(
        self, requirement: Requirement, reason: str, api: ApiModel, tests: list[GeneratedTest]
    ) -> GeneratedTest | None:
        """A test for an uncovered requirement: through the representation, else as code; None falls back."""
        fields = {"requirement_id": requirement.requirement_id, "requirement": requirement.text}
        try:
            choice = self.session.structured(
                CHOOSE_OPERATIONS,
                OperationChoice,
                node="generation",
                operations=operation_index(api),
                **fields,
            )
            operations = [o for i in choice.operation_ids if (o := api.operation(i))][:_MAX_OPERATIONS]
            if not operations:
                raise LlmUnavailable("the LLM named no operation of the spec that can check it")
            excerpt = spec_excerpt(api, operations)
            claim = self.session.structured(
                CLAIM, ClaimReply, node="generation", reason=reason or "not said", excerpt=excerpt, **fields
            )
            name = _free_name(requirement, claim.title, tests)
            if claim.expressible:
                return _rendered_claim(claim, requirement, name, operations, api, safe=self.offline.safe)
            if self.offline.safe:
                raise LlmUnavailable(_SAFE_MODE_CODE)
            code = self.session.code(CODE, node="generation", function_name=name, excerpt=excerpt, **fields)
        except LlmUnavailable as unavailable:
            self.session.fell_back(f"{requirement.requirement_id} (generation)", str(unavailable))
            return None
        return code_test(
            code, requirement, name, module=f"test_llm_{snake(requirement.requirement_id)}.py",
            test_type="api", operation_ids=[o.operation_id for o in operations],
        )


def _rendered_claim(
    claim: ClaimReply,
    requirement: Requirement,
    name: str,
    operations: list[Operation],
    api: ApiModel,
    *,
    safe: bool,
) -> GeneratedTest:
    """Our codegen's test for the LLM's scenario, after checking it names only what the spec has."""
    steps = [_with_refs(step) for step in claim.steps]
    _check_steps(steps, api)
    scenario = Scenario(
        name=name,
        title=claim.title or requirement.text,
        feature=feature_of(operations[0]),
        story=requirement.text,
        category="requirement",
        steps=steps,
        requirement_ids=[requirement.requirement_id],
        exercises=[(s.operation_id, str(s.expect.statuses[0])) for s in steps if s.expect.statuses],
        description=f"Written from the LLM's reading of {requirement.requirement_id}.",
    )
    if safe and (destructive := Planner(api).destructive_call(scenario)):
        raise LlmUnavailable(f"the LLM's scenario is not admitted ({destructive})")
    try:
        test = render_scenario(with_run_time_data(scenario, api), api, module=REQUIREMENTS_MODULE)
    except Exception as error:  # noqa: BLE001 - the renderer was built for our planner's scenarios, not an LLM's
        raise LlmUnavailable(
            f"the LLM's scenario cannot be rendered: {type(error).__name__}: {error}"
        ) from None
    return test.model_copy(update={"code": marked_as_llm_made(test.code), "origin": "llm"})


def _with_refs(step: Step) -> Step:
    """The step with its references as Refs: JSON has no Ref type, so `Any | Ref` fields read dicts."""

    def ref(value: object) -> object:
        is_ref = isinstance(value, dict) and {"step", "pointer"} <= value.keys() <= set(Ref.model_fields)
        return Ref.model_validate(value) if is_ref else value

    fields = [check.model_copy(update={"value": ref(check.value)}) for check in step.expect.fields]
    return step.model_copy(
        update={
            "path_params": {name: ref(v) for name, v in step.path_params.items()},
            "query": {name: ref(v) for name, v in step.query.items()},
            "expect": step.expect.model_copy(update={"fields": fields}),
        }
    )


def _check_steps(steps: list[Step], api: ApiModel) -> None:
    """Every step calls a documented operation with all its path parameters, refs point backwards."""
    if not steps:
        raise LlmUnavailable("the LLM's scenario has no steps")
    saved: set[str] = set()
    for number, step in enumerate(steps, start=1):
        operation = api.operation(step.operation_id)
        if operation is None:
            raise LlmUnavailable(f"step {number} calls {step.operation_id!r}, which the spec does not have")
        missing = set(_PATH_PARAM.findall(operation.path)) - set(step.path_params)
        if missing:
            raise LlmUnavailable(f"step {number} leaves path parameters {sorted(missing)} unset")
        refs = [v for v in [*step.path_params.values(), *step.query.values()] if isinstance(v, Ref)]
        if unknown := {r.step for r in refs} - saved:
            raise LlmUnavailable(f"step {number} refers to steps {sorted(unknown)} not saved before it")
        if not step.expect.statuses and not step.expect.status_class:
            raise LlmUnavailable(f"step {number} expects no status")
        if step.save_as:
            saved.add(step.save_as)


def _free_name(requirement: Requirement, title: str, tests: list[GeneratedTest]) -> str:
    """test_<requirement id>_<title>, with a number on the end if a test of that name exists."""
    base = f"test_{snake(requirement.requirement_id)}_{snake(title or requirement.text)}"[
        :_NAME_CHARS
    ].rstrip("_")
    taken = {t.name for t in tests}
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name
