"""The assistant's side of the review conversation: each reply says what was done, or answers the question."""

from __future__ import annotations

from vocabulary.review import ReviewedTest, ReviewIntent, SuiteUnderReview

CAPABILITIES = (
    "I can: approve the suite (“approve”), reject it (“reject”), drop tests by number or name "
    "(“drop 3 and 5”), add a requirement (“also check that …”), drop a finding that is expected "
    "behaviour (“4 is expected behaviour”), describe a test or finding (“what does test 2 do”) or "
    "summarise the suite (“summary”)."
)


def reply_to(intent: ReviewIntent, suite: SuiteUnderReview) -> str:
    """The assistant's answer to a message read as `intent`, about `suite`."""
    tests = {t.test_id: t for t in suite.tests}
    named = ", ".join(_label(tests[i]) for i in intent.test_ids if i in tests)
    remaining = len(suite.tests) - len(intent.test_ids)
    if intent.kind == "approve":
        return f"Approved: the suite of {len(suite.tests)} tests is stored."
    if intent.kind == "reject":
        return "Rejected: the suite is not stored."
    if intent.kind == "drop":
        return f"Dropped {named}. {remaining} tests remain; say “approve” when the suite is right."
    if intent.kind == "expected":
        return (f"Noted that {named} shows expected behaviour: the test is dropped and your note kept. "
                f"{remaining} tests remain.")
    if intent.kind == "add_requirement":
        number = len(suite.coverage) + 1
        added = "; ".join(f"R{number + i}: “{text}”" for i, text in enumerate(intent.requirements))
        return (f"Added {added}. Its tests are being generated and validated; the review goes on with them "
                "when they are ready.")
    if intent.kind == "describe":
        return "\n\n".join(_description(tests[i], suite) for i in intent.test_ids if i in tests)
    if intent.kind == "summary":
        return summary_of(suite)
    if not intent.problem:
        return CAPABILITIES
    return f"{intent.problem[0].upper()}{intent.problem[1:]}. {CAPABILITIES}"


def summary_of(suite: SuiteUnderReview) -> str:
    """The suite in a few lines: tests by verdict, requirement coverage, findings, what was dropped."""
    verdicts: dict[str, int] = {}
    for test in suite.tests:
        verdicts[test.verdict] = verdicts.get(test.verdict, 0) + 1
    counted = ", ".join(f"{n} {verdict}" for verdict, n in sorted(verdicts.items()))
    covered = [c for c in suite.coverage if c.covered]
    lines = [f"{len(suite.tests)} tests ({counted or 'none'}); {len(suite.findings)} findings."]
    if suite.coverage:
        lines.append(f"Requirements covered: {len(covered)} of {len(suite.coverage)}.")
    lines.extend(f"{c.requirement_id} is not covered: {c.reason}" for c in suite.coverage if not c.covered)
    lines.extend(f"Finding in test {f.number}: {f.assertion}" for f in suite.findings)
    if suite.repaired:
        lines.append(f"Repaired: {len(suite.repaired)}.")
    if suite.dropped:
        lines.extend(f"Test {d.number or '?'} is left out: {d.reason}." for d in suite.dropped)
    return "\n".join(lines)


def _description(test: ReviewedTest, suite: SuiteUnderReview) -> str:
    head = f"Test {test.number}, {test.name}: a {test.category.replace('_', ' ')} test, {test.verdict}."
    checks = f"\nIt checks {test.requirement}" if test.requirement else ""
    finding = next((f for f in suite.findings if f.test_id == test.test_id), None)
    failed = f"\nIt fails: {finding.evidence}" if finding else ""
    return f"{head}{checks}{failed}\n{test.code}"


def _label(test: ReviewedTest) -> str:
    return f"test {test.number} ({test.name})"
