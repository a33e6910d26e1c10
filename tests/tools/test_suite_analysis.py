"""Duplicate detection by normalized AST, and coverage bookkeeping."""

from __future__ import annotations

from tools.suite_analysis import exact_hash, near_signature, remove_duplicates, requirement_coverage
from vocabulary.artefacts import GeneratedTest, RequirementCoverage, ValidationResult, Verdict

ORIGINAL = """@allure.title("One")
def test_one(client):
    response = client.get("/tasks", params={"limit": 5, "offset": 0})
    assert response.status_code == 200, "must list"
"""
RENAMED = ORIGINAL.replace("test_one", "test_two").replace('"One"', '"Two"')
REWORDED = """@allure.title("Three")
def test_three(client):
    with allure.step("List"):
        answer = client.get("/tasks", params={"limit": 5, "offset": 0})
        assert answer.status_code == 200, "another message"
"""
DIFFERENT = ORIGINAL.replace('"limit": 5', '"limit": 6')


def _test(name: str, code: str, requirement_ids: list[str] | None = None) -> GeneratedTest:
    return GeneratedTest(
        test_id=f"m.py::{name}",
        name=name,
        module="m.py",
        code=code,
        test_type="api",
        category="happy_path",
        requirement_ids=requirement_ids or [],
    )


def test_exact_hash_ignores_names_and_titles() -> None:
    assert exact_hash(ORIGINAL) == exact_hash(RENAMED) != exact_hash(DIFFERENT)


def test_near_signature_ignores_variables_messages_and_steps() -> None:
    assert near_signature(ORIGINAL) == near_signature(REWORDED) != near_signature(DIFFERENT)


def test_duplicates_keep_the_test_linked_to_a_requirement() -> None:
    tests = [
        _test("test_one", ORIGINAL),
        _test("test_two", RENAMED, ["R1"]),
        _test("test_three", REWORDED),
        _test("test_four", DIFFERENT),
    ]
    removed = {d.test_id: (d.duplicate_of, d.kind) for d in remove_duplicates(tests)}
    assert removed == {
        "m.py::test_one": ("m.py::test_two", "exact"),
        "m.py::test_three": ("m.py::test_two", "near"),
    }


def test_a_requirement_is_covered_only_by_a_delivered_test() -> None:
    planned = [RequirementCoverage(requirement_id="R1", text="a", covered=True, test_ids=["m.py::test_one"])]
    tests = [_test("test_one", ORIGINAL, ["R1"])]
    broken = {"m.py::test_one": ValidationResult(test_id="m.py::test_one", verdict=Verdict.BROKEN)}
    finding = {"m.py::test_one": ValidationResult(test_id="m.py::test_one", verdict=Verdict.FINDING)}
    assert not requirement_coverage(planned, tests, broken)[0].covered
    assert requirement_coverage(planned, tests, finding)[0].covered
