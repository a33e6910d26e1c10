"""Cleanup: every generated test deletes what it creates, so daily runs leave a shared target as it was."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from generators.base import GeneratedSuite
from tests.generators.sample_runs import LoggedTaskTracker, generated_sample_suite, run_suite
from tests.generators.specs import load_spec
from vocabulary.artefacts import number_requirements
from vocabulary.claims import Cleanup, Expectation, Ref, Scenario, Step

_CREATION = re.compile(r'client\.post\(\s*"(?P<collection>/\w+)"')


@pytest.fixture(scope="module")
def shelter() -> GeneratedSuite:
    requirements = number_requirements(["Booking a visit answers 201.", "Admitting an animal answers 201."])
    return OfflineApiGenerator().generate(load_spec("shelter"), requirements)


def _creations_and_deletions(code: str, collection: str) -> tuple[int, int]:
    """How many calls create an item of `collection` and must succeed, and how many deletions are set up."""
    created = 0
    for found in _CREATION.finditer(code):
        if found["collection"] == collection:
            status = code.index("expect_status", found.end())
            created += "201" in code[status : code.index("\n", status)]
    return created, code.count(f'cleanup.delete(client, "{collection}/{{')


@pytest.mark.parametrize("which", ["shelter", "sample"])
def test_every_successful_creation_is_deleted_when_the_test_ends(shelter: GeneratedSuite, which: str) -> None:
    suite = shelter if which == "shelter" else generated_sample_suite(safe=False)
    collections = ["/animals"] if which == "shelter" else ["/tasks", "/projects"]
    checked = 0
    for test in suite.tests:
        for collection in collections:
            created, deleted = _creations_and_deletions(test.code, collection)
            assert created == deleted, f"{test.test_id} creates {created} {collection}, deletes {deleted}"
            checked += created
    assert checked > 20


def test_a_requirement_test_deletes_what_it_created(shelter: GeneratedSuite) -> None:
    code = next(t.code for t in shelter.tests if t.requirement_ids == ["R2"])
    assert "with cleanup_after() as cleanup:" in code
    assert code.index('client.post("/animals"') < code.index('cleanup.delete(client, "/animals/{animalId}"')


def test_what_no_delete_removes_is_said_in_the_test_and_the_summary(shelter: GeneratedSuite) -> None:
    stays = "creates visits and the spec has no DELETE to remove them"
    booking = {t.test_id for t in shelter.tests if re.search(r'client\.post\("/visits"', t.code)}
    made = {test_id for test_id in booking if "reject" not in test_id and "requires_auth" not in test_id}
    assert made and shelter.leaves_data == dict.fromkeys(made, stays)
    for test in shelter.tests:
        assert (f"Leaves data behind: it {stays}." in test.code) == (test.test_id in shelter.leaves_data)
    shipped = json.loads(shelter.support_files["skipped_checks.json"])
    assert {"operation_id": "bookVisit", "oracle": "cleanup",
            "reason": "no DELETE documented: items the suite creates stay"} in shipped  # fmt: skip


def test_refused_creations_and_ones_already_cleaned_up_are_left_as_they_are() -> None:
    planner = Planner(load_spec("shelter"))
    body = {"name": "Tom", "species": "cat"}
    refused = Step(operation_id="admitAnimal", title="refused", body=body, expect=Expectation(statuses=[422]))
    made = Step(operation_id="admitAnimal", title="made", body=body, expect=Expectation(statuses=[201]))
    scenario = Scenario(name="test_x", title="x", feature="animals", story="x", category="requirement",
                        steps=[refused, made])  # fmt: skip
    cleaned = planner.with_cleanups(scenario)
    assert cleaned.steps[0] == refused
    assert cleaned.steps[1].save_as == "made_2"
    assert cleaned.steps[1].expect.cleanup == Cleanup(
        operation_id="releaseAnimal",
        path="/animals/{animalId}",
        path_params={"animalId": Ref(step="made_2", pointer="/id")},
    )
    assert planner.with_cleanups(cleaned) == cleaned


def test_the_whole_sample_suite_leaves_the_service_holding_what_it_held(tmp_path: Path) -> None:
    service = LoggedTaskTracker()
    service.seed()
    before = service.items()
    result = run_suite(generated_sample_suite(safe=False), tmp_path, service)
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(service.created) > 20
    assert service.items() == before
