"""The LLM repair loop of both targets: ask, check that the reply keeps every check, at most 3 times."""

from __future__ import annotations

from collections.abc import Collection

from generators.llm.client import LlmSession, LlmUnavailable
from generators.llm.prompts import Prompt
from generators.llm.source import TestSource, checks, dropped_checks, marked_as_llm_made, split_test
from tools.runner import render_module
from vocabulary.artefacts import FailedAttempt, GeneratedTest, ValidationResult

# LLM repair replies one test may get over a whole request.
MAX_REPAIR_REPLIES = 3
# Characters of a pytest error a repair prompt quotes; the head says what failed, the rest is traceback.
ERROR_CHARS = 4000


def repaired_by_llm(
    session: LlmSession,
    prompt: Prompt,
    test: GeneratedTest,
    result: ValidationResult,
    *,
    quoted: Collection[str] = (),
    **fields: str,
) -> GeneratedTest | None:
    """A fixed version that keeps every check (and the `quoted` texts they name); None falls back.

    `fields` fill the prompt beside the test's code, its error and its earlier attempts.
    """
    current = FailedAttempt(code=render_module([test]), error=result.message[:ERROR_CHARS])
    history = list(test.failed_attempts)
    while len(history) < MAX_REPAIR_REPLIES:
        try:
            reply = session.code(
                prompt,
                node="repair",
                code=current.code,
                error=current.error,
                attempts=attempts_text(history),
                **fields,
            )
        except LlmUnavailable as unavailable:
            session.fell_back(f"{test.test_id} (repair)", str(unavailable))
            return None
        source = split_test(reply)
        problem = repair_problem(test, source, quoted)
        if not problem:
            if test.test_id not in session.report.llm_tests:
                session.report.llm_tests.append(test.test_id)
            return test.model_copy(
                update={
                    "code": marked_as_llm_made(source.function),
                    "imports": source.imports,
                    "variant": test.variant + 1,
                    "origin": "llm",
                    "failed_attempts": [*history, current],
                }
            )
        history.append(FailedAttempt(code=reply, error=f"rejected before running: {problem}"))
    session.fell_back(f"{test.test_id} (repair)", f"no acceptable repair in {MAX_REPAIR_REPLIES} replies")
    return None


def repair_problem(test: GeneratedTest, reply: TestSource, quoted: Collection[str] = ()) -> str:
    """Why a repair reply cannot replace the test, or "" when it can."""
    if reply.syntax_error:
        return reply.syntax_error
    if reply.name != test.name:
        return f"the reply's test function is {reply.name!r}, not {test.name!r}"
    if dropped := dropped_checks(test.code, reply.function, quoted):
        return "it drops or weakens the checks " + "; ".join(dropped)
    if not checks(reply.function):
        return "it checks nothing"
    return ""


def attempts_text(history: list[FailedAttempt]) -> str:
    if not history:
        return "none"
    return "\n\n".join(
        f"Attempt {number}:\n```python\n{attempt.code.rstrip()}\n```\nIt failed: {attempt.error}"
        for number, attempt in enumerate(history, start=1)
    )
